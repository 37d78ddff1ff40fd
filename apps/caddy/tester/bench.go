package main

// caddy-test load and bench: the project's load generator and benchmark method (confidential.local/bench)
// with caddy's defaults — its URL and local CA, its port, its "shutdown complete" — and one more step
// before the plan: a caddy started once so that its local CA exists (--ca-install).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"confidential.local/bench"
)

// shutdownMarker is what caddy logs after a clean SIGTERM.
const shutdownMarker = "shutdown complete"

// CaddyRootCA is where `caddy … --domain localhost` installs its local CA's root certificate.
func CaddyRootCA() string {
	home := os.Getenv("HOME")
	if home == "" {
		home = "/root"
	}
	return filepath.Join(home, ".local/share/caddy/pki/authorities/local/root.crt")
}

// caddyLoad are the load flags' defaults for caddy: its embedded source over TLS, trusting its local CA.
func caddyLoad() bench.LoadFlags {
	return bench.LoadFlags{URL: "https://localhost/caddy/caddy.go", CA: CaddyRootCA()}
}

var caddyBench = bench.Command{
	Tool:    "caddy-test",
	Load:    caddyLoad(),
	Bench:   bench.BenchOptions{Workdir: "/", Addr: "127.0.0.1:443", Expect: "package caddy", ShutdownMarker: shutdownMarker},
	Targets: defaultTargets,
	Setup: func(fs *flag.FlagSet) func(context.Context, *bench.Run) error {
		caInstall := fs.String("ca-install", "/usr/local/bin/caddy.native file-server --domain localhost", "run this once first so caddy's local CA exists (\"\" to skip)")
		return func(ctx context.Context, r *bench.Run) error {
			argv := strings.Fields(*caInstall)
			if len(argv) == 0 {
				return nil
			}
			o := r.Options
			var running *bench.Proc
			if err := installLocalCA(ctx, "ca-install", argv, o.Workdir, o.Addr, r.Load.CA, 30*time.Second, o.StopWait, r.LogPath("ca-install"), r.Echo,
				func(p *bench.Proc) { running = p }); err != nil {
				if running != nil {
					err = fmt.Errorf("%w; log tail:\n%s", err, strings.Join(running.Log.Tail(30), "\n"))
				}
				return fmt.Errorf("ca-install: %w", err)
			}
			fmt.Printf("BENCH ca-install ok %s\n", r.Load.CA)
			return nil
		}
	},
}

func defaultTargets() []bench.BenchTarget {
	var ts []bench.BenchTarget
	if _, err := os.Stat("/usr/local/bin/caddy.upstream"); err == nil {
		ts = append(ts, bench.BenchTarget{Name: "upstream", Command: []string{"/usr/local/bin/caddy.upstream", "file-server", "--domain", "localhost"}})
	}
	return append(ts,
		bench.BenchTarget{Name: "native", Command: []string{"/usr/local/bin/caddy.native", "file-server", "--domain", "localhost"}},
		bench.BenchTarget{Name: "confidential", Command: []string{"/usr/local/bin/caddy"}})
}

// installLocalCA is the original's way to a CA to trust: argv (a native caddy) runs until the root CA files of ca
// exist (caddy installs its local CA under $HOME; a URL, e.g. the session CA, is not caddy's to make), then stops.
// track is given the process while it runs, and nil once it stopped cleanly (on an error it keeps the process, whose
// log tail tells why; the process is killed either way).
func installLocalCA(ctx context.Context, name string, argv []string, dir, addr, ca string, portWait, stopWait time.Duration, logPath string, echo io.Writer, track func(*bench.Proc)) error {
	if err := bench.PortFree(addr); err != nil {
		return err
	}
	p, err := bench.StartProc(name, argv, dir, logPath, echo, nil)
	if err != nil {
		return err
	}
	defer p.Kill()
	track(p)
	if err := bench.WaitPort(ctx, addr, portWait, p); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, file := range bench.CASources(ca) {
		for !bench.IsURL(file) {
			if _, err := os.Stat(file); err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s is open but no root CA at %s", addr, file)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !p.Stop(stopWait) {
		return fmt.Errorf("%s did not exit within %s of SIGTERM (killed)", name, stopWait)
	}
	track(nil)
	return bench.WaitPortFree(addr, 10*time.Second)
}
