package main

// caddy-test load and bench: the project's load generator and benchmark method (confidential.local/bench)
// with caddy's defaults — its URL and local CA, its port, its "shutdown complete" — and one more step
// before the plan: a caddy started once so that its local CA exists (--ca-install).

import (
	"context"
	"flag"
	"fmt"
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
			if err := installCA(ctx, argv, o.Workdir, o.Addr, r.Load.CA, o.StopWait, r.LogPath("ca-install"), r); err != nil {
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

// installCA starts a caddy until the files of --ca exist (a URL, e.g. the session CA, is not caddy's to make).
func installCA(ctx context.Context, argv []string, dir, addr, ca string, stopWait time.Duration, logPath string, r *bench.Run) error {
	if err := bench.PortFree(addr); err != nil {
		return err
	}
	p, err := bench.StartProc("ca-install", argv, dir, logPath, r.Echo)
	if err != nil {
		return err
	}
	defer p.Kill()
	if err := bench.WaitPort(ctx, addr, 30*time.Second, p); err != nil {
		return fmt.Errorf("%w; log tail:\n%s", err, strings.Join(p.Log.Tail(30), "\n"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, file := range bench.CASources(ca) {
		for !bench.IsURL(file) {
			if _, err := os.Stat(file); err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no root CA at %s", file)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	p.Stop(stopWait)
	return bench.WaitPortFree(addr, 10*time.Second)
}
