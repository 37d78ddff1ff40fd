package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

type BenchTarget struct {
	Name    string   `json:"name"`
	Command []string `json:"command"`
}

type BenchTargetResult struct {
	Name          string      `json:"name"`
	Command       []string    `json:"command"`
	OK            bool        `json:"ok"`
	Error         *string     `json:"error"`
	StartSeconds  float64     `json:"startSeconds"`  // until the port opened
	ShutdownClean bool        `json:"shutdownClean"` // exit 0 and "shutdown complete" after SIGTERM
	ExitCode      *int        `json:"exitCode"`
	Result        *LoadResult `json:"result"`
	LogTail       []string    `json:"logTail"`
}

type BenchRatio struct {
	Name       string   `json:"name"`
	Throughput *float64 `json:"throughput"` // target / first
	P50        *float64 `json:"p50"`
	P99        *float64 `json:"p99"`
	P999       *float64 `json:"p999"`
}

type BenchHost struct {
	Hostname string `json:"hostname"`
	CPUs     int    `json:"cpus"`
	GOOS     string `json:"goos"`
	GOARCH   string `json:"goarch"`
}

type BenchLoad struct {
	URL             string  `json:"url"`
	Connections     int     `json:"connections"`
	Rate            float64 `json:"rate"`
	DurationSeconds float64 `json:"durationSeconds"`
}

type Bench struct {
	Version    int                 `json:"version"`
	Kind       string              `json:"kind"` // "bench"
	Tool       string              `json:"tool"`
	StartedAt  string              `json:"startedAt"`
	FinishedAt string              `json:"finishedAt"`
	Host       BenchHost           `json:"host"`
	Load       BenchLoad           `json:"load"`
	Baseline   string              `json:"baseline"` // name of the first target: ratios are relative to it
	Targets    []BenchTargetResult `json:"targets"`
	Ratios     []BenchRatio        `json:"ratios"`
}

// parseTarget parses "name=/path/to/caddy arg …".
func parseTarget(s string) (BenchTarget, error) {
	name, cmd, ok := strings.Cut(s, "=")
	argv := strings.Fields(cmd)
	if !ok || strings.TrimSpace(name) == "" || len(argv) == 0 {
		return BenchTarget{}, fmt.Errorf("--target %q: expected name=command [args…]", s)
	}
	return BenchTarget{Name: strings.TrimSpace(name), Command: argv}, nil
}

func defaultTargets() []BenchTarget {
	var ts []BenchTarget
	if _, err := os.Stat("/usr/local/bin/caddy.upstream"); err == nil {
		ts = append(ts, BenchTarget{"upstream", []string{"/usr/local/bin/caddy.upstream", "file-server", "--domain", "localhost"}})
	}
	ts = append(ts,
		BenchTarget{"native", []string{"/usr/local/bin/caddy.native", "file-server", "--domain", "localhost"}},
		BenchTarget{"confidential", []string{"/usr/local/bin/caddy"}})
	return ts
}

func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	r := round(a/b, 4)
	return &r
}

// Ratios computes each target's figures relative to the first target (nil where not computable).
func Ratios(ts []BenchTargetResult) []BenchRatio {
	out := []BenchRatio{}
	if len(ts) == 0 {
		return out
	}
	base := ts[0].Result
	for _, t := range ts {
		r := BenchRatio{Name: t.Name}
		if base != nil && t.Result != nil {
			r.Throughput = ratio(t.Result.Throughput, base.Throughput)
			r.P50 = ratio(t.Result.LatencyMs.P50, base.LatencyMs.P50)
			r.P99 = ratio(t.Result.LatencyMs.P99, base.LatencyMs.P99)
			r.P999 = ratio(t.Result.LatencyMs.P999, base.LatencyMs.P999)
		}
		out = append(out, r)
	}
	return out
}

func cmdBench(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	var lf loadFlags
	lf.register(fs)
	var targetFlags stringList
	fs.Var(&targetFlags, "target", "name=command args… (repeatable, in order; the first is the baseline). Default: upstream (if present), native, confidential")
	caInstall := fs.String("ca-install", "/usr/local/bin/caddy.native file-server --domain localhost", "run this once first so caddy's local CA exists (\"\" to skip)")
	workdir := fs.String("workdir", "/", "working directory of the started caddies")
	addr := fs.String("addr", "127.0.0.1:443", "address waited for")
	startWait := fs.Duration("start-wait", 60*time.Second, "max wait for a target's port")
	stopWait := fs.Duration("stop-wait", 30*time.Second, "max wait for exit after SIGTERM")
	expect := fs.String("expect", "package caddy", "each target's response must contain this (checked once before its load)")
	cooldown := fs.Duration("cooldown", 2*time.Second, "pause between targets")
	out := fs.String("out", "/out/bench.json", "bench JSON file (\"\" for none)")
	logDir := fs.String("log-dir", "", "write caddy logs here (default: beside --out)")
	verbose := fs.Bool("v", false, "echo caddy logs while running")
	fs.Parse(args)

	targets := []BenchTarget{}
	for _, s := range targetFlags {
		t, err := parseTarget(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 2
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		targets = defaultTargets()
	}
	if *logDir == "" && *out != "" {
		*logDir = filepath.Dir(*out)
	}
	logPath := func(name string) string {
		if *logDir == "" {
			return ""
		}
		os.MkdirAll(*logDir, 0o755)
		return filepath.Join(*logDir, "bench-"+name+".log")
	}
	var echo io.Writer
	if *verbose {
		echo = os.Stderr
	}
	host, _ := os.Hostname()
	b := &Bench{Version: 1, Kind: "bench", Tool: "caddy-test", StartedAt: time.Now().UTC().Format(time.RFC3339),
		Host:     BenchHost{host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH},
		Load:     BenchLoad{lf.url, lf.connections, lf.rate, lf.duration.Seconds()},
		Baseline: targets[0].Name, Targets: []BenchTargetResult{}}

	if argv := strings.Fields(*caInstall); len(argv) > 0 {
		if err := installCA(ctx, argv, *workdir, *addr, lf.ca, *stopWait, logPath("ca-install"), echo); err != nil {
			fmt.Printf("BENCH ca-install FAIL %v\n", err)
			return 1
		}
		fmt.Printf("BENCH ca-install ok %s\n", lf.ca)
	}
	allOK := true
	for i, t := range targets {
		if ctx.Err() != nil {
			break
		}
		if i > 0 && *cooldown > 0 {
			time.Sleep(*cooldown)
		}
		tr := benchTarget(ctx, t, &lf, *workdir, *addr, *startWait, *stopWait, *expect, logPath(t.Name), echo)
		b.Targets = append(b.Targets, tr)
		if tr.OK {
			fmt.Printf("BENCH %s ok\n%s", t.Name, tr.Result.Summary())
		} else {
			allOK = false
			fmt.Printf("BENCH %s FAIL %s\n", t.Name, *tr.Error)
			for _, l := range tr.LogTail {
				fmt.Println("  | " + l)
			}
		}
	}
	b.Ratios = Ratios(b.Targets)
	b.FinishedAt = time.Now().UTC().Format(time.RFC3339)
	fmt.Printf("%-14s %12s %10s %10s %10s %9s %9s\n", "target", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "×tput", "×p99")
	for i, t := range b.Targets {
		if t.Result == nil {
			fmt.Printf("%-14s %s\n", t.Name, "—")
			continue
		}
		r := b.Ratios[i]
		fmt.Printf("%-14s %12.1f %10.3f %10.3f %10.3f %9s %9s\n", t.Name, t.Result.Throughput, t.Result.LatencyMs.P50,
			t.Result.LatencyMs.P99, t.Result.LatencyMs.P999, fmtRatio(r.Throughput), fmtRatio(r.P99))
	}
	if err := writeJSON(*out, b); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if ctx.Err() != nil {
		return 130
	}
	if !allOK {
		return 1
	}
	return 0
}

func fmtRatio(r *float64) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.3f", *r)
}

func installCA(ctx context.Context, argv []string, dir, addr, ca string, stopWait time.Duration, logPath string, echo io.Writer) error {
	if err := PortFree(addr); err != nil {
		return err
	}
	p, err := StartProc("ca-install", argv, dir, logPath, echo)
	if err != nil {
		return err
	}
	defer p.Kill()
	if err := WaitPort(ctx, addr, 30*time.Second, p); err != nil {
		return fmt.Errorf("%w; log tail:\n%s", err, strings.Join(p.Log.Tail(30), "\n"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(ca); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no root CA at %s", ca)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.Stop(stopWait)
	return WaitPortFree(addr, 10*time.Second)
}

func benchTarget(ctx context.Context, t BenchTarget, lf *loadFlags, dir, addr string, startWait, stopWait time.Duration,
	expect, logPath string, echo io.Writer) (tr BenchTargetResult) {
	tr = BenchTargetResult{Name: t.Name, Command: t.Command, LogTail: []string{}}
	var p *Proc
	fail := func(err error) BenchTargetResult {
		s := err.Error()
		tr.Error = &s
		if p != nil {
			tr.LogTail = p.Log.Tail(30)
			p.Kill()
		}
		return tr
	}
	if err := WaitPortFree(addr, 10*time.Second); err != nil {
		return fail(err)
	}
	t0 := time.Now()
	var err error
	if p, err = StartProc(t.Name, t.Command, dir, logPath, echo); err != nil {
		return fail(err)
	}
	if err := WaitPort(ctx, addr, startWait, p); err != nil {
		return fail(err)
	}
	tr.StartSeconds = round(time.Since(t0).Seconds(), 3)
	o, err := lf.options()
	if err != nil {
		return fail(err)
	}
	for attempt := 0; ; attempt++ {
		_, err = FetchCheck(ctx, o.URL, o.TLS, expect, 10*time.Second)
		if err == nil || attempt >= 4 || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return fail(err)
	}
	lr, err := RunLoad(ctx, o)
	tr.Result = lr
	if err != nil {
		return fail(err)
	}
	if p.Exited() {
		return fail(fmt.Errorf("exited during the load (%s)", p.ExitDescription()))
	}
	clean := p.Stop(stopWait)
	code := p.ExitCode()
	tr.ExitCode = &code
	tr.ShutdownClean = clean && code == 0 && p.Log.Seen(shutdownMarker)
	tr.LogTail = p.Log.Tail(30)
	if lr.Errors > 0 {
		return fail(errors.New(fmt.Sprintf("%d of %d requests failed", lr.Errors, lr.Scheduled)))
	}
	tr.OK = true
	return tr
}
