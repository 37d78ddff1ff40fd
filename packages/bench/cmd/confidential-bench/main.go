// Command confidential-bench is the project's load generator and benchmark for any HTTP(S) server:
//
//	confidential-bench load  [flags]   the constant-rate load generator alone (wrk2-like, coordinated-omission corrected)
//	confidential-bench bench [flags]   several servers alternated in short slices, bootstrap intervals of the ratios → bench.json
//
// The Nx plugin runs it as an app's bench-run, with $BENCH_CONFIG (JSON) giving the defaults that differ between
// apps: {"url": "http://127.0.0.1:8080/get", "expect": "…", "targets": [{"name": "upstream", "command": […]}, …]};
// the address the targets listen on is the URL's host and port. $BENCH_TARGETS (e.g. "native,confidential")
// keeps those targets, in that order (the first is the baseline). Flags override both. Standard library only:
//
//	CGO_ENABLED=0 go build -trimpath -o /usr/local/bin/confidential-bench ./cmd/confidential-bench
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"confidential.local/bench"
)

// Config is $BENCH_CONFIG.
type Config struct {
	URL     string              `json:"url"`
	Expect  string              `json:"expect"`
	Targets []bench.BenchTarget `json:"targets"`
}

// command builds the front end from $BENCH_CONFIG ("" : no defaults, --url, --addr and --target required),
// keeping the targets named in only (comma-separated, in that order; "": all).
func command(config, only string) (bench.Command, error) {
	c := bench.Command{Tool: "confidential-bench"}
	if config == "" {
		return c, nil
	}
	var cfg Config
	if err := json.Unmarshal([]byte(config), &cfg); err != nil {
		return c, fmt.Errorf("$BENCH_CONFIG: %w", err)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return c, fmt.Errorf("$BENCH_CONFIG url %q: expected an http:// or https:// URL", cfg.URL)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	c.Load = bench.LoadFlags{URL: cfg.URL}
	c.Bench = bench.BenchOptions{Addr: net.JoinHostPort(u.Hostname(), port), Expect: cfg.Expect}
	targets := cfg.Targets
	if only != "" {
		targets = nil
		for _, name := range strings.Split(only, ",") {
			i := slices.IndexFunc(cfg.Targets, func(t bench.BenchTarget) bool { return t.Name == strings.TrimSpace(name) })
			if i < 0 {
				return c, fmt.Errorf("$BENCH_TARGETS %q: no target %q in $BENCH_CONFIG", only, name)
			}
			targets = append(targets, cfg.Targets[i])
		}
	}
	if len(targets) > 0 {
		c.Targets = func() []bench.BenchTarget { return targets }
	}
	return c, nil
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "load" && os.Args[1] != "bench") {
		fmt.Fprintln(os.Stderr, "usage: confidential-bench <load|bench> [flags]   (confidential-bench <cmd> -h for the flags)")
		os.Exit(2)
	}
	c, err := command(os.Getenv("BENCH_CONFIG"), os.Getenv("BENCH_TARGETS"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "confidential-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Args[1] == "load" {
		os.Exit(c.LoadMain(ctx, os.Args[2:]))
	}
	os.Exit(c.BenchMain(ctx, os.Args[2:]))
}
