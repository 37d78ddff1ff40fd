package main

import (
	"confidential.local/bench"
	"confidential.local/bench/benchtest"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a fake caddy (FAKE_CADDY=<mode>): it writes a local CA like
// `caddy --domain localhost` would (first start), serves "package caddy" over TLS on FAKE_ADDR,
// and on SIGTERM logs "shutdown complete" and exits 0.
func TestMain(m *testing.M) {
	if mode := os.Getenv("FAKE_CADDY"); mode != "" {
		os.Exit(fakeCaddy(mode))
	}
	os.Exit(m.Run())
}

func fakeCaddy(mode string) int {
	dir := os.Getenv("FAKE_PKI")
	fmt.Println(`{"level":"info","msg":"fake caddy starting","mode":"` + mode + `"}`)
	if mode == "never-listen" {
		for i := 0; i < 40; i++ {
			fmt.Printf("{\"level\":\"info\",\"msg\":\"still starting %d\"}\n", i)
		}
		time.Sleep(time.Hour)
		return 1
	}
	if _, err := os.Stat(filepath.Join(dir, "root.crt")); err != nil {
		ca, cert, key, err := benchtest.MakeTestPKI()
		if err != nil {
			fmt.Println(err)
			return 1
		}
		os.WriteFile(filepath.Join(dir, "server.crt"), cert, 0o600)
		os.WriteFile(filepath.Join(dir, "server.key"), key, 0o600)
		os.WriteFile(filepath.Join(dir, "root.crt"), ca, 0o644)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	l, err := tls.Listen("tcp", os.Getenv("FAKE_ADDR"), &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "// Copyright 2015 Matthew Holt and The Caddy Authors\n\npackage caddy\n")
	})}
	go srv.Serve(l)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	srv.Close()
	if mode == "bad-exit" {
		fmt.Println(`{"level":"error","msg":"something broke"}`)
		return 3
	}
	fmt.Println(`{"level":"info","msg":"shutdown complete","signal":"SIGTERM","exit_code":0}`)
	return 0
}

type fakeEnv struct {
	addr, pki, out string
	args           []string
}

func setupFake(t *testing.T, nativeMode, confMode string) fakeEnv {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	pki := filepath.Join(dir, "pki")
	os.Mkdir(pki, 0o755)
	self, _ := os.Executable()
	// the fake caddies are this test binary with FAKE_* in the environment: write wrapper scripts
	wrap := func(name, mode string) string {
		p := filepath.Join(dir, name)
		script := fmt.Sprintf("#!/bin/sh\nFAKE_CADDY=%s FAKE_ADDR=%s FAKE_PKI=%s exec %s \"$@\"\n", mode, addr, pki, self)
		os.WriteFile(p, []byte(script), 0o755)
		return p
	}
	out := filepath.Join(dir, "out", "result.json")
	return fakeEnv{addr: addr, pki: pki, out: out, args: []string{
		"--native", wrap("caddy.native", nativeMode), "--native-args", "file-server --domain localhost",
		"--confidential", wrap("caddy", confMode),
		"--addr", addr, "--ca", filepath.Join(pki, "root.crt"),
		"--url", "https://localhost:" + port + "/caddy/caddy.go",
		"--connections", "2", "--rate", "100", "--duration", "500ms",
		"--ca-wait", "5s", "--start-wait", "3s", "--stop-wait", "5s", "--out", out,
	}}
}

func readResult(t *testing.T, path string) RunResult {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r RunResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, _ := os.Pipe()
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		done <- sb.String()
	}()
	f()
	w.Close()
	os.Stdout = old
	return <-done
}

func TestRunFlowAgainstFakeCaddy(t *testing.T) {
	env := setupFake(t, "ok", "ok")
	var code int
	out := captureStdout(t, func() { code = cmdRun(context.Background(), env.args) })
	t.Log(out)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for i, name := range []string{"ca-install", "start", "fetch", "load", "shutdown"} {
		if !strings.Contains(out, fmt.Sprintf("STEP %d %s ok", i+1, name)) {
			t.Errorf("no STEP %d %s ok line", i+1, name)
		}
	}
	if !regexp.MustCompile(`SUMMARY \d+\.\d req/s \(target 100\), p50 \d`).MatchString(out) ||
		!strings.Contains(out, "errors; ca-install ok start ok fetch ok load ok shutdown ok\nRESULT ok") {
		t.Errorf("no summary line")
	}
	r := readResult(t, env.out)
	if !r.OK || len(r.Steps) != 5 || r.Load == nil || r.Load.Errors != 0 || r.Load.Completed+r.Load.Unsent != 50 || r.Load.Completed == 0 || (!testing.Short() && r.Load.Unsent != 0) || r.ExitCode == nil || *r.ExitCode != 0 {
		t.Fatalf("result %+v", r)
	}
	for _, s := range r.Steps {
		if s.Status != "ok" || s.DurationSeconds < 0 {
			t.Errorf("step %+v", s)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(env.out), "caddy-confidential.log")); err != nil {
		t.Errorf("caddy log not written: %v", err)
	}
}

func TestRunFailsWhenCaddyNeverOpensThePort(t *testing.T) {
	env := setupFake(t, "ok", "never-listen")
	var code int
	t0 := time.Now()
	out := captureStdout(t, func() { code = cmdRun(context.Background(), env.args) })
	t.Log(out)
	if code == 0 {
		t.Fatal("exit 0")
	}
	if !strings.Contains(out, "SUMMARY ca-install ok start FAIL fetch skipped load skipped shutdown skipped\nRESULT FAIL") {
		t.Errorf("no summary line")
	}
	if !strings.Contains(out, "STEP 2 start FAIL") || !strings.Contains(out, "not open after 3s") {
		t.Errorf("no step 2 failure line")
	}
	// last 30 log lines: "still starting 10" … "still starting 39"
	if !strings.Contains(out, "still starting 39") || strings.Contains(out, "still starting 9\"") {
		t.Errorf("log tail not the last 30 lines")
	}
	r := readResult(t, env.out)
	if r.OK || r.Steps[1].Status != "fail" || r.Steps[2].Status != "skipped" || len(r.LogTail) != 30 {
		t.Errorf("result %+v", r)
	}
	if time.Since(t0) > 20*time.Second {
		t.Errorf("took %v", time.Since(t0))
	}
	if err := bench.PortFree(env.addr); err != nil {
		t.Error(err)
	}
}

func TestRunFailsOnUncleanShutdown(t *testing.T) {
	env := setupFake(t, "ok", "bad-exit")
	var code int
	out := captureStdout(t, func() { code = cmdRun(context.Background(), env.args) })
	t.Log(out)
	if code == 0 || !strings.Contains(out, "STEP 5 shutdown FAIL exit status 3 and no \"shutdown complete\"") {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "something broke") {
		t.Error("log tail missing")
	}
}

// Ctrl-C (the context) during the load: the caddy under test is stopped, the result says where it
// stopped, exit code 130, the port is free again.
func TestRunInterruptedDuringLoad(t *testing.T) {
	env := setupFake(t, "ok", "ok")
	args := append([]string{}, env.args...)
	for i, a := range args {
		if a == "--duration" {
			args[i+1] = "30s"
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(2*time.Second, cancel)
	var code int
	t0 := time.Now()
	out := captureStdout(t, func() { code = cmdRun(ctx, args) })
	t.Log(out)
	if code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
	if time.Since(t0) > 10*time.Second {
		t.Errorf("took %v after the interrupt", time.Since(t0))
	}
	r := readResult(t, env.out)
	if r.OK || r.Steps[3].Name != "load" || r.Steps[3].Status != "fail" || r.Steps[4].Status != "skipped" {
		t.Errorf("steps %+v", r.Steps)
	}
	if err := bench.WaitPortFree(env.addr, 2*time.Second); err != nil {
		t.Errorf("caddy still running: %v", err)
	}
}

// The policy service's way: the CA comes from a URL (GET /v1/public/<session>/<secret>), no native caddy runs, and
// the confidential caddy's certificate (here: the fake's, issued by that CA) is trusted through it alone.
func TestRunTrustsTheSessionCAFromTheService(t *testing.T) {
	env := setupFake(t, "ok", "ok")
	ca, cert, key, err := benchtest.MakeTestPKI()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(env.pki, "server.crt"), cert, 0o600)
	os.WriteFile(filepath.Join(env.pki, "server.key"), key, 0o600)
	os.WriteFile(filepath.Join(env.pki, "root.crt"), ca, 0o644)
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/public/caddy/caddy_ca", func(w http.ResponseWriter, r *http.Request) { w.Write(ca) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	args := append([]string{}, env.args...)
	for i := range args {
		if args[i] == "--ca" {
			args[i+1] = srv.URL + "/v1/public/caddy/caddy_ca"
		}
		if args[i] == "--native" {
			args[i+1] = "/nonexistent/caddy.native" // must not run
		}
	}
	var code int
	out := captureStdout(t, func() { code = cmdRun(context.Background(), args) })
	t.Log(out)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, `STEP 1 ca-install ok session CA "CN=test root" from `+srv.URL+"/v1/public/caddy/caddy_ca") ||
		!strings.Contains(out, "STEP 3 fetch ok") || !strings.Contains(out, "RESULT ok") {
		t.Errorf("steps not as expected")
	}

	// a URL that must not be served, served: the fetch step fails (the fake answers every path)
	denied := append(args[:len(args):len(args)], "--deny", "https://"+strings.Replace(env.addr, "127.0.0.1", "localhost", 1)+"/etc/caddy/tls/localhost.key")
	out = captureStdout(t, func() { code = cmdRun(context.Background(), denied) })
	if code == 0 || !strings.Contains(out, "/etc/caddy/tls/localhost.key answered 200: it must not be served") {
		t.Errorf("a served denied URL passed:\n%s", out)
	}

	// a CA that is not the one the server's certificate chains to: the fetch fails
	other, _, _, _ := benchtest.MakeTestPKI()
	mux.HandleFunc("/v1/public/caddy/other", func(w http.ResponseWriter, r *http.Request) { w.Write(other) })
	mux.HandleFunc("/v1/public/caddy/missing", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no exported public part", 404) })
	for name, want := range map[string]string{"other": "STEP 3 fetch FAIL", "missing": "STEP 1 ca-install FAIL CA certificate from " + srv.URL + "/v1/public/caddy/missing: status 404: no exported public part"} {
		for i := range args {
			if args[i] == "--ca" {
				args[i+1] = srv.URL + "/v1/public/caddy/" + name
			}
			if args[i] == "--ca-wait" {
				args[i+1] = "1s"
			}
		}
		out = captureStdout(t, func() { code = cmdRun(context.Background(), args) })
		if code == 0 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, want a line %q in:\n%s", name, code, want, out)
		}
	}
}
