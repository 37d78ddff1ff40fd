package bench

// The `load` and `bench` subcommands, shared by every front end (cmd/confidential-bench, the plugin's bench
// for any app, and an app's own driver such as caddy-test): one set of flags, one output format.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Command is a front end: its name (bench.json's "tool") and its defaults.
type Command struct {
	Tool  string
	Load  LoadFlags    // defaults of the load flags (URL, Connections, Rate, Duration, Timeout, CA)
	Bench BenchOptions // defaults of bench's flags that differ between front ends (Workdir, Addr, Expect, ShutdownMarker)
	// Targets when no --target is given; nil: at least one --target is required.
	Targets func() []BenchTarget
	// Setup may register more bench flags; what it returns runs once before the plan (e.g. caddy's CA install).
	Setup func(fs *flag.FlagSet) func(ctx context.Context, r *Run) error
}

// Run is what a bench run was given, for a Setup step.
type Run struct {
	Load    *LoadFlags
	Options BenchOptions
	LogPath func(name string) string // "" when logs are not kept
	Echo    io.Writer                // nil unless -v
}

// StringList is a repeatable string flag.
type StringList []string

func (s *StringList) String() string     { return strings.Join(*s, " ") }
func (s *StringList) Set(v string) error { *s = append(*s, v); return nil }

// LoadFlags are the load generator's flags.
type LoadFlags struct {
	URL         string
	Connections int
	Rate        float64
	Duration    time.Duration
	Timeout     time.Duration
	CA          string
	Insecure    bool
	NoWarmup    bool
}

// Register defines the load flags on fs with d's values as defaults (zero values: the generator's own).
func (l *LoadFlags) Register(fs *flag.FlagSet, d LoadFlags) {
	fs.StringVar(&l.URL, "url", d.URL, "URL to request")
	fs.IntVar(&l.Connections, "connections", or(d.Connections, 8), "keep-alive connections (one goroutine each)")
	fs.Float64Var(&l.Rate, "rate", or(d.Rate, 1000), "constant request rate, requests/s over all connections")
	fs.DurationVar(&l.Duration, "duration", or(d.Duration, 30*time.Second), "load duration")
	fs.DurationVar(&l.Timeout, "timeout", or(d.Timeout, 10*time.Second), "per-request timeout")
	fs.StringVar(&l.CA, "ca", d.CA, "root certificate(s) to trust for https: PEM files or http(s) URLs serving PEM, comma-separated")
	fs.BoolVar(&l.Insecure, "insecure", false, "skip TLS verification (load only)")
	fs.BoolVar(&l.NoWarmup, "no-warmup", false, "do not open the connections with one unrecorded request each before the schedule starts")
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Options builds the generator's options; for https it reads the CA (files or URLs) now.
func (l *LoadFlags) Options() (LoadOptions, error) {
	o := LoadOptions{URL: l.URL, Connections: l.Connections, Rate: l.Rate, Duration: l.Duration, Timeout: l.Timeout, NoWarmup: l.NoWarmup}
	if l.URL == "" {
		return o, fmt.Errorf("--url: expected the URL to request")
	}
	if strings.HasPrefix(l.URL, "https:") {
		if l.Insecure {
			o.TLS = insecureTLS()
		} else {
			conf, err := LoadTLSConfig(l.CA)
			if err != nil {
				return o, err
			}
			o.TLS = conf
		}
	}
	return o, nil
}

// WriteJSON writes v to path atomically (a temporary file renamed); "" writes nothing.
// A path that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is
// written in place: renaming over it would replace the device node with a file.
func WriteJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return os.WriteFile(path, b, 0o644)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// LoadMain is `<tool> load`: the constant-rate generator alone; exit 1 when any request failed.
func (c Command) LoadMain(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	var lf LoadFlags
	lf.Register(fs, c.Load)
	out := fs.String("out", "", "write the result as JSON to this file")
	fs.Parse(args)
	o, err := lf.Options()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 2
	}
	fmt.Printf("load %s: %d connections, %.0f req/s, %s\n", o.URL, o.Connections, o.Rate, o.Duration)
	res, err := RunLoad(ctx, o)
	if res != nil {
		fmt.Print(res.Summary())
		if werr := WriteJSON(*out, res); werr != nil {
			fmt.Fprintln(os.Stderr, "load:", werr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 130
	}
	if res.Errors > 0 {
		return 1
	}
	return 0
}

// env gives a flag's default from the environment (the compose files pass BENCH_* through).
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// BenchMain is `<tool> bench`: the targets alternated in slices → bench.json; exit 0 when every target held.
func (c Command) BenchMain(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	var lf LoadFlags
	lf.Register(fs, c.Load)
	d := c.Bench
	var bo BenchOptions
	var targetFlags StringList
	targetHelp := "name=command args… (repeatable, in order; the first is the baseline)"
	if c.Targets != nil {
		names := []string{}
		for _, t := range c.Targets() {
			names = append(names, t.Name)
		}
		targetHelp += ". Default: " + strings.Join(names, ", ")
	}
	fs.Var(&targetFlags, "target", targetHelp)
	fs.StringVar(&bo.Mode, "mode", env("BENCH_MODE", "fixed"), "fixed | saturation | cpu (env BENCH_MODE)")
	fs.IntVar(&bo.Rounds, "rounds", envInt("BENCH_ROUNDS", 0), "recorded rounds (env BENCH_ROUNDS); 0: ceil(--duration / --slice), at least 2")
	fs.DurationVar(&bo.Slice, "slice", envDuration("BENCH_SLICE", 5*time.Second), "recorded load per slice (env BENCH_SLICE)")
	fs.DurationVar(&bo.SliceWarmup, "slice-warmup", 1*time.Second, "unrecorded load after each start, before the slice")
	fs.BoolVar(&bo.WarmupRound, "warmup-round", true, "fixed/cpu: one unrecorded slice per target before the rounds")
	fs.IntVar(&bo.Resamples, "resamples", 2000, "bootstrap resamples per ratio")
	seed := fs.Uint64("seed", uint64(envInt("BENCH_SEED", 1)), "bootstrap seed (env BENCH_SEED): same data and seed, same intervals")
	fs.Float64Var(&bo.MaxWidth, "max-width", 0.25, "a ratio whose 95 % interval is wider than this fraction of the estimate cannot rank (nor can one containing 1)")
	fs.Float64Var(&bo.SameWithin, "same-within", 0.01, "a ratio whose 95 % interval lies within 1 ± this is \"same\"")
	fs.IntVar(&bo.Sat.Steps, "sat-steps", 6, "saturation: search steps (slices per target) per round")
	satP99 := fs.Duration("sat-max-p99", 50*time.Millisecond, "saturation: a slice holds its rate only if its corrected p99 is at most this")
	fs.Float64Var(&bo.Sat.MinRate, "sat-min-rate", 50, "saturation: lowest rate tried")
	fs.Float64Var(&bo.Sat.MaxRate, "sat-max-rate", 200000, "saturation: highest rate tried")
	fs.Float64Var(&bo.Sat.Widen, "sat-widen", 1.25, "saturation: each round starts in the middle of [lo/w, hi·w] around the calibration's bracket [lo, hi]")
	fs.StringVar(&bo.Workdir, "workdir", or(d.Workdir, "/"), "working directory of the started targets")
	fs.StringVar(&bo.Addr, "addr", d.Addr, "address every target listens on, waited for")
	fs.DurationVar(&bo.StartWait, "start-wait", or(d.StartWait, 60*time.Second), "max wait for a target's port")
	fs.DurationVar(&bo.StopWait, "stop-wait", or(d.StopWait, 30*time.Second), "max wait for exit after SIGTERM")
	fs.StringVar(&bo.Expect, "expect", d.Expect, "each target's response must contain this (checked after every start; \"\": any 2xx)")
	fs.StringVar(&bo.ShutdownMarker, "shutdown-marker", d.ShutdownMarker, "a clean shutdown also logs this (\"\": exit code 0 suffices)")
	fs.DurationVar(&bo.Cooldown, "cooldown", 500*time.Millisecond, "pause before every slice's start")
	fs.StringVar(&bo.ProcRoot, "proc", "/proc", "procfs root for the CPU accounting")
	out := fs.String("out", "/out/bench.json", "bench JSON file (\"\" for none)")
	logDir := fs.String("log-dir", "", "write the targets' logs here (default: beside --out)")
	verbose := fs.Bool("v", false, "echo the targets' logs while running")
	pinSpec := fs.String("pin", env("BENCH_PIN", "auto"), "CPUs of the servers and of the load generator (env BENCH_PIN): auto (the allowed CPUs split in two), off, or server=<cpus>:client=<cpus>")
	var setup func(ctx context.Context, r *Run) error
	if c.Setup != nil {
		setup = c.Setup(fs)
	}
	fs.Parse(args)
	bo.Seed = *seed
	bo.Sat.MaxP99 = *satP99

	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...)
		return 2
	}
	switch bo.Mode {
	case "fixed", "saturation", "cpu":
	default:
		return fail("--mode %q: want fixed, saturation or cpu", bo.Mode)
	}
	if bo.Slice <= 0 || lf.Rate <= 0 || lf.Connections < 1 || bo.Sat.Steps < 1 {
		return fail("--slice, --rate, --connections and --sat-steps must be positive")
	}
	if lf.URL == "" || bo.Addr == "" {
		return fail("--url and --addr: expected the URL to load and the address the targets listen on")
	}
	if bo.Rounds <= 0 {
		bo.Rounds = max(2, int(math.Ceil(float64(lf.Duration)/float64(bo.Slice))))
	}
	targets := []BenchTarget{}
	for _, s := range targetFlags {
		t, err := ParseTarget(s)
		if err != nil {
			return fail("%v", err)
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 && c.Targets != nil {
		targets = c.Targets()
	}
	if len(targets) == 0 {
		return fail("--target: expected at least one name=command")
	}
	if *logDir == "" && *out != "" {
		*logDir = filepath.Dir(*out)
	}
	allowed, err := AllowedCPUs()
	if err != nil {
		return fail("the CPUs this process may use: %v", err)
	}
	if bo.Pin, err = PlanPinning(*pinSpec, allowed); err != nil {
		return fail("%v", err)
	}
	if bo.Pin.Pinned() {
		if err := PinProcess(bo.Pin.Client); err != nil {
			return fail("%v", err)
		}
	}
	r := &Run{Load: &lf, Options: bo, LogPath: func(name string) string {
		if *logDir == "" {
			return ""
		}
		os.MkdirAll(*logDir, 0o755)
		return filepath.Join(*logDir, "bench-"+name+".log")
	}}
	if *verbose {
		r.Echo = os.Stderr
	}
	if setup != nil {
		if err := setup(ctx, r); err != nil {
			fmt.Printf("BENCH setup FAIL %v\n", err)
			return 1
		}
	}
	perTarget := bo.Rounds
	if bo.Mode == "saturation" {
		perTarget *= bo.Sat.Steps
	}
	fmt.Printf("BENCH plan: mode %s, %d targets, %d rounds, %d recorded %s slices per target (+%s warm-up after each start), order period %d\n",
		bo.Mode, len(targets), bo.Rounds, perTarget, bo.Slice, bo.SliceWarmup, OrderPeriod(len(targets)))
	fmt.Printf("BENCH pinning: %s\n", bo.Pin)
	if bo.Rounds%OrderPeriod(len(targets)) != 0 {
		fmt.Printf("BENCH note: %d rounds is not a multiple of the order period %d: positions are not fully balanced\n", bo.Rounds, OrderPeriod(len(targets)))
	}

	b := RunBench(ctx, c.Tool, targets, &lf, bo, r.LogPath, r.Echo)
	if err := WriteJSON(*out, b); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	PrintBench(os.Stdout, b)
	if ctx.Err() != nil {
		return 130
	}
	for _, t := range b.Targets {
		if !t.OK {
			return 1
		}
	}
	return 0
}
