package main

import (
	"confidential.local/bench"
	"context"
	"errors"
	"flag"
	"fmt"
	"time"
)

// cmdCheck checks a caddy that something else started (e.g. the production image as its own container): the URL
// answers 200 with --expect in the body, trusting only --ca, within --wait; every --deny URL answers something else.
func cmdCheck(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	url := fs.String("url", "https://localhost/caddy/caddy.go", "URL that must answer 200")
	ca := fs.String("ca", CaddyRootCA(), "root certificate(s) to trust: PEM files or http(s) URLs serving PEM, comma-separated")
	expect := fs.String("expect", "package caddy", "the body must contain this")
	wait := fs.Duration("wait", 60*time.Second, "retry until this much time has passed (the server may still be starting)")
	var deny bench.StringList
	fs.Var(&deny, "deny", "a URL that must not answer 200 (repeatable)")
	fs.Parse(args)
	if err := check(ctx, *url, *ca, *expect, *wait, deny); err != nil {
		fmt.Printf("CHECK FAIL %v\n", err)
		return 1
	}
	fmt.Printf("CHECK ok %s contains %q; %d denied URL(s) not served\n", *url, *expect, len(deny))
	return 0
}

func check(ctx context.Context, url, ca, expect string, wait time.Duration, deny []string) error {
	deadline := time.Now().Add(wait)
	for {
		err := func() error {
			conf, err := bench.LoadTLSConfig(ca)
			if err != nil {
				return err
			}
			if _, err := bench.FetchCheck(ctx, url, conf, expect, 10*time.Second); err != nil {
				return err
			}
			err = bench.CheckDenied(ctx, deny, conf)
			var served *bench.ServedError
			if errors.As(err, &served) {
				return permanent{err}
			}
			return err
		}()
		if p, ok := err.(permanent); ok {
			return p.error
		}
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// permanent marks a failure that waiting cannot mend.
type permanent struct{ error }
