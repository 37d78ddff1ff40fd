package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"

	"confidential.local/bench"
)

// The test binary doubles as the server under test (BENCH_TEST_SERVER=<addr>): it answers "hello from <name>"
// and exits 0 on SIGTERM.
func TestMain(m *testing.M) {
	if addr := os.Getenv("BENCH_TEST_SERVER"); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Println(err)
			os.Exit(3)
		}
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello from %s\n", os.Getenv("BENCH_TEST_NAME"))
		}))
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestConfigGivesTheDefaults(t *testing.T) {
	cfg := `{"url": "https://localhost/x", "expect": "x", "targets": [{"name": "a", "command": ["/bin/a"]}, {"name": "b", "command": ["/bin/b"]}, {"name": "c", "command": ["/bin/c"]}]}`
	c, err := command(cfg, "")
	if err != nil || c.Bench.Addr != "localhost:443" || c.Load.URL != "https://localhost/x" || c.Bench.Expect != "x" || len(c.Targets()) != 3 {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = command(cfg, "c, b")
	if err != nil || len(c.Targets()) != 2 || c.Targets()[0].Name != "c" || c.Targets()[1].Name != "b" {
		t.Fatalf("BENCH_TARGETS c,b: %+v %v", c, err)
	}
	if _, err := command(cfg, "a,z"); err == nil {
		t.Error("an unknown target name accepted")
	}
	for _, bad := range []string{`{`, `{"url": "ftp://x/"}`, `{"url": ""}`} {
		if _, err := command(bad, ""); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// Three servers (this binary) benchmarked from $BENCH_CONFIG alone: each slice restarts its target, the content
// check sees the right one, bench.json has the targets, their ratios to the first and
// the pair three ÷ two, with intervals.
func TestBenchFromConfig(t *testing.T) {
	addr := freeAddr(t)
	self, _ := os.Executable()
	sh := func(name string) []string {
		return []string{"/usr/bin/env", "BENCH_TEST_SERVER=" + addr, "BENCH_TEST_NAME=" + name, self}
	}
	cfg, _ := json.Marshal(Config{URL: "http://" + addr + "/", Expect: "hello from", Targets: []bench.BenchTarget{
		{Name: "one", Command: sh("one")}, {Name: "two", Command: sh("two")}, {Name: "three", Command: sh("three")}}})
	c, err := command(string(cfg), "")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "bench.json")
	code := c.BenchMain(context.Background(), []string{"--connections", "2", "--rate", "200", "--duration", "600ms", "--slice", "300ms",
		"--slice-warmup", "100ms", "--cooldown", "0", "--start-wait", "5s", "--stop-wait", "5s", "--out", out})
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var b bench.Bench
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	// BENCH_JSON_OUT: a copy for the report's contract test (packages/bench-report), which parses what Go wrote
	if dst := os.Getenv("BENCH_JSON_OUT"); dst != "" {
		if err := os.WriteFile(dst, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b.Tool != "confidential-bench" || b.Baseline != "one" || len(b.Targets) != 3 || len(b.Ratios) != 3 ||
		len(b.Pairs) != 1 || b.Pairs[0].Name != "three/two" || b.Pairs[0].Throughput == nil {
		t.Fatalf("%s", raw)
	}
	for _, tr := range b.Targets {
		if !tr.OK || !tr.ShutdownClean || len(tr.Slices) != 2 || tr.Result == nil || tr.Result.Errors != 0 {
			t.Errorf("%s: ok %v clean %v slices %d", tr.Name, tr.OK, tr.ShutdownClean, len(tr.Slices))
		}
	}
	if r := b.Ratios[1]; r.Throughput == nil || r.Throughput.Low > r.Throughput.High || r.Throughput.Verdict == "" {
		t.Errorf("throughput ratio %+v", r.Throughput)
	}
}
