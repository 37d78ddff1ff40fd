package main

import (
	"confidential.local/bench"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type StepResult struct {
	N               int     `json:"n"`
	Name            string  `json:"name"`
	Status          string  `json:"status"` // ok | fail | skipped
	DurationSeconds float64 `json:"durationSeconds"`
	Detail          string  `json:"detail"`
}

type RunResult struct {
	Version    int               `json:"version"`
	Kind       string            `json:"kind"` // "run"
	OK         bool              `json:"ok"`
	StartedAt  string            `json:"startedAt"`
	FinishedAt string            `json:"finishedAt"`
	Command    []string          `json:"command"` // confidential caddy argv as started
	Steps      []StepResult      `json:"steps"`
	Load       *bench.LoadResult `json:"load"`
	ExitCode   *int              `json:"caddyExitCode"`
	LogTail    []string          `json:"logTail"`
}

var stepNames = []string{"", "ca-install", "start", "fetch", "load", "shutdown"}

type runner struct {
	ctx     context.Context
	res     *RunResult
	out     io.Writer
	current *bench.Proc // the caddy whose log tail is printed on failure
	names   []string    // the steps' names (default stepNames: the run flow's)
}

func newRunner(ctx context.Context, kind string, command []string, names []string) *runner {
	res := &RunResult{Version: 1, Kind: kind, StartedAt: time.Now().UTC().Format(time.RFC3339), Command: command, Steps: []StepResult{}, LogTail: []string{}}
	return &runner{ctx: ctx, res: res, out: os.Stdout, names: names}
}

// finish records the outcome in the result file (out) and prints the summary and the RESULT line: the exit code.
func (r *runner) finish(out string, ok bool) int {
	r.res.OK = ok
	r.res.FinishedAt = time.Now().UTC().Format(time.RFC3339)
	if err := bench.WriteJSON(out, r.res); err != nil {
		fmt.Fprintf(os.Stderr, "%s: writing result: %v\n", r.res.Kind, err)
		return 1
	}
	fmt.Println(r.res.Summary())
	if ok {
		fmt.Println("RESULT ok")
		return 0
	}
	fmt.Println("RESULT FAIL")
	if r.ctx.Err() != nil {
		return 130
	}
	return 1
}

func (r *runner) name(n int) string {
	names := r.names
	if names == nil {
		names = stepNames
	}
	if n < len(names) {
		return names[n]
	}
	return fmt.Sprintf("step-%d", n)
}

// step runs fn as step n and records/prints the outcome; returns false on failure.
func (r *runner) step(n int, fn func() (string, error)) bool {
	t0 := time.Now()
	detail, err := fn()
	sr := StepResult{N: n, Name: r.name(n), DurationSeconds: bench.Round(time.Since(t0).Seconds(), 3), Detail: detail}
	if err != nil {
		sr.Status, sr.Detail = "fail", err.Error()
		fmt.Fprintf(r.out, "STEP %d %s FAIL %s\n", n, sr.Name, sr.Detail)
	} else {
		sr.Status = "ok"
		fmt.Fprintf(r.out, "STEP %d %s ok %s\n", n, sr.Name, detail)
	}
	r.res.Steps = append(r.res.Steps, sr)
	return err == nil
}

func (r *runner) fail() {
	if r.current != nil {
		tail := r.current.Log.Tail(30)
		r.res.LogTail = tail
		fmt.Fprintf(r.out, "--- last %d log lines of %s (%s) ---\n", len(tail), r.current.Name, strings.Join(r.current.Argv, " "))
		for _, l := range tail {
			fmt.Fprintln(r.out, l)
		}
		fmt.Fprintln(r.out, "---")
		r.current.Kill()
	}
	total := len(stepNames)
	if r.names != nil {
		total = len(r.names)
	}
	for n := len(r.res.Steps) + 1; n < total; n++ {
		r.res.Steps = append(r.res.Steps, StepResult{N: n, Name: r.name(n), Status: "skipped"})
	}
}

func cmdRun(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	var lf bench.LoadFlags
	lf.Register(fs, caddyLoad())
	native := fs.String("native", "/usr/local/bin/caddy.native", "native caddy (step 1 installs the local CA with it)")
	nativeArgs := fs.String("native-args", "file-server --domain localhost", "arguments of the native caddy (space separated)")
	confidential := fs.String("confidential", "/usr/local/bin/caddy", "confidential caddy (its command line comes from the policy)")
	var confArgs bench.StringList
	fs.Var(&confArgs, "confidential-arg", "argument for the confidential caddy (repeatable; default none: the policy decides)")
	workdir := fs.String("workdir", "/", "working directory of the started caddies")
	addr := fs.String("addr", "127.0.0.1:443", "address waited for")
	caWait := fs.Duration("ca-wait", 30*time.Second, "step 1: max wait for the native caddy's port")
	startWait := fs.Duration("start-wait", 60*time.Second, "step 2: max wait for the confidential caddy's port")
	stopWait := fs.Duration("stop-wait", 30*time.Second, "max wait for exit after SIGTERM")
	expect := fs.String("expect", "package caddy", "step 3: the fetched body must contain this")
	var deny bench.StringList
	fs.Var(&deny, "deny", "step 3: a URL that must not answer 200 (repeatable; e.g. an injected key file)")
	minRatio := fs.Float64("min-rate-ratio", 0.5, "step 4 fails when achieved/target rate is below this")
	maxErrors := fs.Int("max-errors", 0, "step 4 fails when more requests than this fail")
	out := fs.String("out", "/out/result.json", "result JSON file (\"\" for none)")
	logDir := fs.String("log-dir", "", "write caddy logs here (default: beside --out)")
	verbose := fs.Bool("v", false, "echo caddy logs while running")
	fs.Parse(args)
	if *logDir == "" && *out != "" {
		*logDir = filepath.Dir(*out)
	}
	logPath := func(name string) string {
		if *logDir == "" {
			return ""
		}
		os.MkdirAll(*logDir, 0o755)
		return filepath.Join(*logDir, name+".log")
	}
	var echo io.Writer
	if *verbose {
		echo = os.Stderr
	}

	confArgv := append([]string{*confidential}, confArgs...)
	r := newRunner(ctx, "run", confArgv, nil)
	res := r.res
	finish := func(ok bool) int { return r.finish(*out, ok) }

	// 1: the CA to trust. From the policy service (a URL): the session's CA certificate, nothing runs. Otherwise the
	// original's way: native caddy once, so it installs its local CA under $HOME.
	ok := r.step(1, func() (string, error) {
		if sources := bench.CASources(lf.CA); len(sources) > 0 && bench.IsURL(sources[0]) {
			pem, err := bench.ReadCA(ctx, sources[0], *caWait)
			if err != nil {
				return "", err
			}
			subject, err := bench.CertSubject(pem)
			if err != nil {
				return "", fmt.Errorf("CA from %s: %w", sources[0], err)
			}
			return fmt.Sprintf("session CA %q from %s (the policy service; no native caddy, no key on the host)", subject, sources[0]), nil
		}
		argv := append([]string{*native}, strings.Fields(*nativeArgs)...)
		if err := installLocalCA(ctx, "caddy.native", argv, *workdir, *addr, lf.CA, *caWait, *stopWait, logPath("caddy-native-ca"), echo,
			func(p *bench.Proc) { r.current = p }); err != nil {
			return "", err
		}
		return "root CA " + lf.CA, nil
	})
	if !ok {
		r.fail()
		return finish(false)
	}

	// 2: the confidential caddy, command line from the policy
	var conf *bench.Proc
	ok = r.step(2, func() (string, error) {
		p, err := bench.StartProc("caddy", confArgv, *workdir, logPath("caddy-confidential"), echo, nil, shutdownMarker)
		if err != nil {
			return "", err
		}
		conf, r.current = p, p
		t0 := time.Now()
		if err := bench.WaitPort(ctx, *addr, *startWait, p); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s open after %.2fs", *addr, time.Since(t0).Seconds()), nil
	})
	if !ok {
		r.fail()
		return finish(false)
	}

	// 3: fetch over TLS trusting the CA of step 1 only; the denied URLs must not be served
	ok = r.step(3, func() (string, error) {
		conf, err := bench.LoadTLSConfig(lf.CA)
		if err != nil {
			return "", err
		}
		var n int
		for attempt := 0; ; attempt++ { // the certificate may be issued just after the port opens
			n, err = bench.FetchCheck(ctx, lf.URL, conf, *expect, 10*time.Second)
			if err == nil || attempt >= 4 || ctx.Err() != nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			return "", err
		}
		if err := bench.CheckDenied(ctx, deny, conf); err != nil {
			return "", err
		}
		detail := fmt.Sprintf("%s: %d bytes containing %q", lf.URL, n, *expect)
		if len(deny) > 0 {
			detail += fmt.Sprintf("; %d denied URL(s) not served", len(deny))
		}
		return detail, nil
	})
	if !ok {
		r.fail()
		return finish(false)
	}

	// 4: constant-rate load
	ok = r.step(4, func() (string, error) {
		o, err := lf.Options()
		if err != nil {
			return "", err
		}
		lr, err := bench.RunLoad(ctx, o)
		if lr != nil {
			res.Load = lr
			fmt.Print(lr.Summary())
		}
		if err != nil {
			return "", err
		}
		d := fmt.Sprintf("%.1f req/s (target %.0f), p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, %d errors",
			lr.Throughput, lr.TargetRate, lr.LatencyMs.P50, lr.LatencyMs.P99, lr.LatencyMs.P999, lr.Errors)
		if lr.Errors > *maxErrors {
			return "", fmt.Errorf("%s: more than %d errors", d, *maxErrors)
		}
		if lr.Throughput < *minRatio*lr.TargetRate {
			return "", fmt.Errorf("%s: below %.0f%% of the target rate", d, *minRatio*100)
		}
		if conf.Exited() {
			return "", fmt.Errorf("caddy exited during the load (%s)", conf.ExitDescription())
		}
		return d, nil
	})
	if !ok {
		r.fail()
		return finish(false)
	}

	// 5: SIGTERM, clean exit, "shutdown complete"
	ok = r.step(5, func() (string, error) {
		if conf.Exited() {
			return "", fmt.Errorf("caddy already exited (%s)", conf.ExitDescription())
		}
		if !conf.Stop(*stopWait) {
			return "", fmt.Errorf("no exit within %s of SIGTERM (killed)", *stopWait)
		}
		code := conf.ExitCode()
		res.ExitCode = &code
		seen := conf.Log.Seen(shutdownMarker)
		switch {
		case code != 0 && !seen:
			return "", fmt.Errorf("%s and no %q in the log", conf.ExitDescription(), shutdownMarker)
		case code != 0:
			return "", fmt.Errorf("%s", conf.ExitDescription())
		case !seen:
			return "", fmt.Errorf("exit code 0 but no %q in the log", shutdownMarker)
		}
		return fmt.Sprintf("exit code 0, log says %q", shutdownMarker), nil
	})
	if !ok {
		r.fail()
		return finish(false)
	}
	return finish(true)
}

// Summary is the one-line outcome: throughput, p50/p99 and pass/fail per step.
func (r *RunResult) Summary() string {
	s := "SUMMARY"
	if r.Load != nil {
		s += fmt.Sprintf(" %.1f req/s (target %.0f), p50 %.3f ms, p99 %.3f ms, %d errors;",
			r.Load.Throughput, r.Load.TargetRate, r.Load.LatencyMs.P50, r.Load.LatencyMs.P99, r.Load.Errors)
	}
	for _, st := range r.Steps {
		v := st.Status
		if v == "fail" {
			v = "FAIL"
		}
		s += fmt.Sprintf(" %s %s", st.Name, v)
	}
	return s
}
