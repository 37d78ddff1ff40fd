// Command confidential-check is the plugin's generic HTTP check of a running app: each check is a URL, the
// expected status and an optional text the body must contain. It retries every check until it passes or the
// deadline is reached (the app starts while the check runs), writes the results as JSON and exits 0 only when
// every check passed.
//
// usage: confidential-check [-timeout 60s] [-out /out/check.json] [-insecure | -ca FILE|URL] CHECKS_JSON
//
//	CHECKS_JSON: [{"url": "http://app:8080/get", "status": 200, "contains": "\"url\""}, ...]
//	-ca: the only CA https:// checks trust (PEM from a file or an http:// URL, e.g. the policy service's public CA)
//	"refused": true: the check passes when no HTTP answer comes (a port that speaks TLS only, asked in plain text)
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Check is one expectation of the app config's `checks`.
type Check struct {
	URL      string `json:"url"`
	Status   int    `json:"status"`
	Contains string `json:"contains,omitempty"`
	Refused  bool   `json:"refused,omitempty"`
}

// Result is what one check saw last.
type Result struct {
	Check
	Passed   bool   `json:"passed"`
	Got      int    `json:"got,omitempty"`
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts"`
	Millis   int64  `json:"ms"`
}

func parseChecks(text string) ([]Check, error) {
	var checks []Check
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&checks); err != nil {
		return nil, fmt.Errorf("checks: %w", err)
	}
	if len(checks) == 0 {
		return nil, errors.New("checks: expected at least one check")
	}
	for i, c := range checks {
		if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
			return nil, fmt.Errorf("checks[%d].url: expected an http:// or https:// URL, got %q", i, c.URL)
		}
		if c.Status < 100 || c.Status > 599 {
			return nil, fmt.Errorf("checks[%d].status: expected an HTTP status, got %d", i, c.Status)
		}
	}
	return checks, nil
}

// try makes one request and says why it did not pass ("" when it passed).
func try(ctx context.Context, client *http.Client, c Check) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := client.Do(req)
	if c.Refused {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return 0, "could not connect: " + err.Error() // not up yet: no proof of anything
		}
		if err != nil {
			return 0, ""
		}
		resp.Body.Close()
		return resp.StatusCode, fmt.Sprintf("answered with status %d, expected no HTTP answer", resp.StatusCode)
	}
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return resp.StatusCode, err.Error()
	}
	if resp.StatusCode != c.Status {
		return resp.StatusCode, fmt.Sprintf("status %d, expected %d", resp.StatusCode, c.Status)
	}
	if c.Contains != "" && !strings.Contains(string(body), c.Contains) {
		return resp.StatusCode, fmt.Sprintf("body (%d bytes) does not contain %q", len(body), c.Contains)
	}
	return resp.StatusCode, ""
}

// run retries each check, in order, until it passes or its deadline (timeout from its start) passes. The first
// attempt always runs to its end (bounded by its own 10 s), so a loaded machine still reports what the app answered;
// an attempt the deadline cuts short leaves the report of the last attempt that got an answer.
func run(client *http.Client, checks []Check, timeout, pause time.Duration) []Result {
	results := make([]Result, 0, len(checks))
	for _, c := range checks {
		ctx, cancelCheck := context.WithTimeout(context.Background(), timeout)
		start := time.Now()
		r := Result{Check: c}
		for {
			parent := ctx
			if r.Attempts == 0 {
				parent = context.Background()
			}
			r.Attempts++
			attempt, cancel := context.WithTimeout(parent, 10*time.Second)
			got, why := try(attempt, client, c)
			cancel()
			if why != "" && r.Attempts > 1 && ctx.Err() != nil {
				break // cut short by the deadline: keep what the last full attempt saw
			}
			r.Got, r.Error = got, why
			if why == "" {
				r.Passed = true
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(pause):
				continue
			}
			break
		}
		cancelCheck()
		r.Millis = time.Since(start).Milliseconds()
		results = append(results, r)
	}
	return results
}

// loadCA reads the PEM certificates of a file or an http:// URL into a pool of their own.
func loadCA(from string) (*x509.CertPool, error) {
	var pem []byte
	var err error
	if strings.HasPrefix(from, "http://") {
		resp, gerr := http.Get(from)
		if gerr != nil {
			return nil, gerr
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: status %d", from, resp.StatusCode)
		}
		pem, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	} else {
		pem, err = os.ReadFile(from)
	}
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", from)
	}
	return pool, nil
}

func main() {
	timeout := flag.Duration("timeout", 60*time.Second, "deadline of each check")
	out := flag.String("out", "", "write the results as JSON to this file")
	insecure := flag.Bool("insecure", false, "accept any TLS certificate")
	caFrom := flag.String("ca", "", "trust only this CA (PEM file or http:// URL) for https://")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: confidential-check [-timeout 60s] [-out FILE] [-insecure] CHECKS_JSON")
		os.Exit(2)
	}
	checks, err := parseChecks(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "confidential-check:", err)
		os.Exit(2)
	}
	tlsConfig := &tls.Config{InsecureSkipVerify: *insecure}
	if *caFrom != "" {
		pool, err := loadCA(*caFrom)
		if err != nil {
			fmt.Fprintln(os.Stderr, "confidential-check: -ca:", err)
			os.Exit(2)
		}
		tlsConfig.RootCAs = pool
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	results := run(client, checks, *timeout, 250*time.Millisecond)
	failed := 0
	for _, r := range results {
		mark := "ok  "
		if !r.Passed {
			mark = "FAIL"
			failed++
		}
		expected := fmt.Sprintf("%d%s", r.Status, map[bool]string{true: ", body contains " + fmt.Sprintf("%q", r.Contains), false: ""}[r.Contains != ""])
		if r.Refused {
			expected = "no HTTP answer"
		}
		fmt.Printf("%s GET %s -> %d (expected %s) after %d attempt(s), %d ms %s\n", mark, r.URL, r.Got, expected, r.Attempts, r.Millis, r.Error)
	}
	if *out != "" {
		b, _ := json.MarshalIndent(map[string]any{"passed": len(results) - failed, "failed": failed, "results": results}, "", "  ")
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "confidential-check:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "confidential-check:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("%d passed, %d failed\n", len(results)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
