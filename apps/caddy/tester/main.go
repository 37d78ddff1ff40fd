// Command caddy-test drives the caddy app's test and benchmark inside the runtime image.
//
//	caddy-test run   [flags]   the original test flow (CA install, confidential start, fetch, load, shutdown)
//	caddy-test load  [flags]   the constant-rate load generator alone (wrk2-like, coordinated-omission corrected)
//	caddy-test bench [flags]   several caddies alternated in short slices, bootstrap intervals of the ratios → bench.json
//	caddy-test check [flags]   a caddy started elsewhere: the URL over TLS trusting --ca only, the denied URLs not served
//
// Standard library only, so it builds offline in a plain golang build stage:
//
//	CGO_ENABLED=0 go build -trimpath -o /usr/local/bin/caddy-test .
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func usage() {
	fmt.Fprint(os.Stderr, `usage: caddy-test <run|load|bench|check> [flags]   (caddy-test <cmd> -h for the flags)
`)
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var code int
	switch os.Args[1] {
	case "run":
		code = cmdRun(ctx, os.Args[2:])
	case "load":
		code = cmdLoad(ctx, os.Args[2:])
	case "bench":
		code = cmdBench(ctx, os.Args[2:])
	case "check":
		code = cmdCheck(ctx, os.Args[2:])
	case "-h", "--help", "help":
		usage()
	default:
		usage()
		code = 2
	}
	os.Exit(code)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, " ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

type loadFlags struct {
	url         string
	connections int
	rate        float64
	duration    time.Duration
	timeout     time.Duration
	ca          string
	insecure    bool
	noWarmup    bool
}

func (l *loadFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.url, "url", "https://localhost/caddy/caddy.go", "URL to request")
	fs.IntVar(&l.connections, "connections", 8, "keep-alive connections (one goroutine each)")
	fs.Float64Var(&l.rate, "rate", 1000, "constant request rate, requests/s over all connections")
	fs.DurationVar(&l.duration, "duration", 30*time.Second, "load duration")
	fs.DurationVar(&l.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.StringVar(&l.ca, "ca", CaddyRootCA(), "root certificate(s) to trust for https: PEM files or http(s) URLs serving PEM, comma-separated")
	fs.BoolVar(&l.insecure, "insecure", false, "skip TLS verification (load only)")
	fs.BoolVar(&l.noWarmup, "no-warmup", false, "do not open the connections with one unrecorded request each before the schedule starts")
}

func (l *loadFlags) options() (LoadOptions, error) {
	o := LoadOptions{URL: l.url, Connections: l.connections, Rate: l.rate, Duration: l.duration, Timeout: l.timeout, NoWarmup: l.noWarmup}
	if strings.HasPrefix(l.url, "https:") {
		if l.insecure {
			o.TLS = insecureTLS()
		} else {
			conf, err := LoadTLSConfig(l.ca)
			if err != nil {
				return o, err
			}
			o.TLS = conf
		}
	}
	return o, nil
}

func writeJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func cmdLoad(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	var lf loadFlags
	lf.register(fs)
	out := fs.String("out", "", "write the result as JSON to this file")
	fs.Parse(args)
	o, err := lf.options()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 2
	}
	fmt.Printf("load %s: %d connections, %.0f req/s, %s\n", o.URL, o.Connections, o.Rate, o.Duration)
	res, err := RunLoad(ctx, o)
	if res != nil {
		fmt.Print(res.Summary())
		if werr := writeJSON(*out, res); werr != nil {
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
