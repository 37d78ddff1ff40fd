// Command caddy-test drives the caddy app's test and benchmark inside the runtime image.
//
//	caddy-test run   [flags]   the original test flow (CA install, confidential start, fetch, load, shutdown)
//	caddy-test load  [flags]   the constant-rate load generator alone (wrk2-like, coordinated-omission corrected)
//	caddy-test bench [flags]   several caddies alternated in short slices, bootstrap intervals of the ratios → bench.json
//	caddy-test check [flags]   a caddy started elsewhere: the URL over TLS trusting --ca only, the denied URLs not served
//	caddy-test acme  [flags]   automatic HTTPS from an ACME CA onto an encrypted volume, restarted, the volume scanned
//	caddy-test proxy [flags]   the network shield's hop: backend here, edge's reverse proxy to it, the wire captured
//
// The load generator and the benchmark method are the project's (packages/bench, confidential.local/bench);
// this driver adds caddy's defaults, the CA install and the original's test flow. Standard library only
// besides that, so it builds offline in a plain golang build stage:
//
//	CGO_ENABLED=0 go build -trimpath -o /usr/local/bin/caddy-test .
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func usage() {
	fmt.Fprint(os.Stderr, `usage: caddy-test <run|load|bench|check|acme|proxy> [flags]   (caddy-test <cmd> -h for the flags)
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
		code = caddyBench.LoadMain(ctx, os.Args[2:])
	case "bench":
		code = caddyBench.BenchMain(ctx, os.Args[2:])
	case "check":
		code = cmdCheck(ctx, os.Args[2:])
	case "acme":
		code = cmdAcme(ctx, os.Args[2:])
	case "proxy":
		code = cmdProxy(ctx, os.Args[2:])
	case "-h", "--help", "help":
		usage()
	default:
		usage()
		code = 2
	}
	os.Exit(code)
}
