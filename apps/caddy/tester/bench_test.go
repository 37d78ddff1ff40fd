package main

import (
	"confidential.local/bench"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func benchArgs(env fakeEnv, out string, extra ...string) []string {
	native, conf := env.args[1], env.args[5]
	args := []string{"--ca-install", native, "--target", "a=" + native + " file-server", "--target", "b=" + conf,
		"--addr", env.addr, "--ca", filepath.Join(env.pki, "root.crt"), "--url", env.args[11],
		"--connections", "2", "--rate", "100", "--duration", "600ms", "--slice", "300ms", "--slice-warmup", "100ms",
		"--cooldown", "0", "--stop-wait", "5s", "--start-wait", "5s", "--out", out}
	return append(args, extra...)
}

func readBench(t *testing.T, path string) (bench.Bench, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var bj bench.Bench
	if err := json.Unmarshal(b, &bj); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	json.Unmarshal(b, &raw)
	return bj, raw
}

// Two fake caddies (the test binary, see run_test.go) alternated: --duration 600ms / --slice 300ms
// gives 2 rounds in the order ab, ba after a warm-up round; every slice restarts its caddy.
func TestBenchAgainstFakeCaddies(t *testing.T) {
	env := setupFake(t, "ok", "ok")
	benchOut := filepath.Join(filepath.Dir(env.out), "bench.json")
	var code int
	out := captureStdout(t, func() { code = caddyBench.BenchMain(context.Background(), benchArgs(env, benchOut)) })
	t.Log(out)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	bj, raw := readBench(t, benchOut)
	if bj.Version != 2 || bj.Method.Mode != "fixed" || bj.Method.Rounds != 2 || !bj.Method.RestartPerSlice || !bj.Method.WarmupRound {
		t.Errorf("method %+v", bj.Method)
	}
	if !reflect.DeepEqual(bj.Method.Order, [][]string{{"a", "b"}, {"b", "a"}}) {
		t.Errorf("order %v", bj.Method.Order)
	}
	if len(bj.Targets) != 2 || bj.Baseline != "a" || len(bj.Ratios) != 2 {
		t.Fatalf("targets %d ratios %d", len(bj.Targets), len(bj.Ratios))
	}
	for _, tr := range bj.Targets {
		if !tr.OK || !tr.ShutdownClean || len(tr.Slices) != 2 || tr.Result == nil {
			t.Fatalf("target %+v", tr)
		}
		// pooled = the sum of the slices: 2 × 30 requests
		// every scheduled request sent and answered, or unsent (behind schedule at a slice's end: a loaded machine;
		// go test -short does not claim the rate)
		if tr.Result.Completed+tr.Result.Unsent != 60 || tr.Result.Scheduled != 60 || tr.Result.Errors != 0 || (!testing.Short() && tr.Result.Unsent != 0) {
			t.Errorf("%s pooled %+v", tr.Name, tr.Result)
		}
		for _, s := range tr.Slices {
			if s.Completed == 0 || s.Completed > 30 || (!testing.Short() && (s.Completed != 30 || !s.Held)) || s.StartSeconds <= 0 || s.Rate != 100 {
				t.Errorf("%s slice %+v", tr.Name, s)
			}
		}
		if tr.CPU == nil || tr.CPU.Requests != tr.Result.Completed || tr.CPU.ServerSeconds < 0 {
			t.Errorf("%s cpu %+v", tr.Name, tr.CPU)
		}
	}
	if r := bj.Ratios[0]; r.P99 == nil || r.P99.Verdict != "baseline" || r.Throughput.Estimate != 1 {
		t.Errorf("baseline ratios %+v", r)
	}
	r := bj.Ratios[1]
	for name, iv := range map[string]*bench.Interval{"throughput": r.Throughput, "p50": r.P50, "p99": r.P99, "p999": r.P999} {
		if iv == nil || iv.Low > iv.High || iv.Verdict == "" {
			t.Errorf("%s interval %+v", name, iv)
		}
	}
	// 60 requests of a fake caddy are a few clock ticks of CPU at most: too coarse for a CPU ratio
	if r.CPU != nil && !(bench.CPUMeasurable(bj.Targets[0], bj.Method.ClockTicks) && bench.CPUMeasurable(bj.Targets[1], bj.Method.ClockTicks)) {
		t.Errorf("a CPU ratio from %v and %v s", bj.Targets[0].CPU, bj.Targets[1].CPU)
	}
	if r.Throughput.Estimate < 0.8 || r.Throughput.Estimate > 1.25 {
		t.Errorf("throughput ratio %+v", r.Throughput)
	}
	// the JSON keys the report reads
	rt := raw["ratios"].([]any)[1].(map[string]any)["p99"].(map[string]any)
	for _, k := range []string{"estimate", "low", "high", "tooWide", "verdict"} {
		if _, ok := rt[k]; !ok {
			t.Errorf("ratios[1].p99 has no %q", k)
		}
	}
	if !strings.Contains(out, "ratios to a, 95 % bootstrap interval") {
		t.Error("no ratio table printed")
	}
}

// cpu mode needs the CPU accounting: without a readable /proc the targets fail and the exit is 1.
func TestBenchCPUModeWithoutProcFails(t *testing.T) {
	env := setupFake(t, "ok", "ok")
	benchOut := filepath.Join(filepath.Dir(env.out), "bench.json")
	var code int
	out := captureStdout(t, func() {
		code = caddyBench.BenchMain(context.Background(), benchArgs(env, benchOut, "--mode", "cpu", "--proc", filepath.Join(t.TempDir(), "none"), "--warmup-round=false"))
	})
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	bj, _ := readBench(t, benchOut)
	for _, tr := range bj.Targets {
		if tr.OK || tr.Error == nil || !strings.Contains(*tr.Error, "cpu accounting") {
			t.Errorf("%s: ok=%v error=%v", tr.Name, tr.OK, tr.Error)
		}
	}
	if bj.Ratios[1].CPU != nil {
		t.Errorf("a cpu ratio without cpu figures: %+v", bj.Ratios[1].CPU)
	}
}

func TestBenchFlagsFromEnvironment(t *testing.T) {
	t.Setenv("BENCH_MODE", "bogus")
	var code int
	captureStdout(t, func() { code = caddyBench.BenchMain(context.Background(), []string{"--out", ""}) })
	if code != 2 {
		t.Errorf("BENCH_MODE=bogus: exit %d, want 2", code)
	}
}
