package bench

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

// expSlices makes n slices of m latencies each, exponential with the given mean, plus a throughput
// (ok2xx over 1 s) and a CPU figure per slice.
func expSlices(rng *rand.Rand, n, m int, mean time.Duration, cpuPerReq float64) []Slice {
	ss := make([]Slice, n)
	for i := range ss {
		h := NewHistogram()
		for j := 0; j < m; j++ {
			h.Record(time.Duration(rng.ExpFloat64() * float64(mean)))
		}
		cpu := cpuPerReq * float64(m) * (1 + 0.05*rng.NormFloat64())
		ss[i] = Slice{OK2xx: m, ElapsedSeconds: 1, hist: h, ServerCPUSeconds: &cpu}
	}
	return ss
}

func poolFn(ss []Slice) func([]int) [nMetrics]float64 {
	return func(idx []int) [nMetrics]float64 { return PoolSlices(ss, idx) }
}

// Known data: the target's latencies are the baseline's ×1.3 in distribution (exponential, so every
// percentile ratio is 1.3), its CPU per request ×0.8, its throughput the same. The intervals cover
// the truth, the latency and CPU ones exclude 1 (rankable), the throughput one contains 1.
func TestBootstrapCoversTheTruth(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	base := expSlices(rng, 12, 4000, time.Millisecond, 20e-6)
	tgt := expSlices(rng, 12, 4000, 1300*time.Microsecond, 16e-6)
	cfg := BootstrapConfig{Resamples: 2000, Seed: 1, Confidence: 0.95, MaxRelWidth: 0.25, SameWithin: 0.01}
	ivs := BootstrapRatios(cfg, 1, len(base), len(tgt), poolFn(base), poolFn(tgt))
	truth := map[int]float64{mP50: 1.3, mP99: 1.3, mThroughput: 1, mCPU: 0.8}
	for m, want := range truth {
		iv := ivs[m]
		if iv == nil {
			t.Fatalf("%s: no interval", metricNames[m])
		}
		t.Logf("%s: %.4f [%.4f, %.4f] %s", metricNames[m], iv.Estimate, iv.Low, iv.High, iv.Verdict)
		if !(iv.Low <= iv.Estimate && iv.Estimate <= iv.High) {
			t.Errorf("%s: estimate outside its interval", metricNames[m])
		}
		if iv.Low > want || iv.High < want {
			t.Errorf("%s: [%.4f, %.4f] misses the true ratio %.2f", metricNames[m], iv.Low, iv.High, want)
		}
	}
	if v := ivs[mP50].Verdict; v != "higher" {
		t.Errorf("p50 verdict %q, want higher", v)
	}
	if v := ivs[mCPU].Verdict; v != "lower" {
		t.Errorf("cpu verdict %q, want lower", v)
	}
	if iv := ivs[mThroughput]; iv.TooWide || iv.Verdict != "same" || iv.Low != 1 || iv.High != 1 {
		t.Errorf("throughput (identical) %+v: want [1, 1] same", iv)
	}
	// deterministic with the seed, different with another seed
	again := BootstrapRatios(cfg, 1, len(base), len(tgt), poolFn(base), poolFn(tgt))
	if *again[mP99] != *ivs[mP99] || *again[mCPU] != *ivs[mCPU] {
		t.Errorf("same seed, different intervals: %+v vs %+v", again[mP99], ivs[mP99])
	}
	cfg.Seed = 2
	other := BootstrapRatios(cfg, 1, len(base), len(tgt), poolFn(base), poolFn(tgt))
	if other[mCPU].Low == ivs[mCPU].Low && other[mCPU].High == ivs[mCPU].High {
		t.Error("another seed gave the very same CPU interval")
	}
	if other[mP99].Estimate != ivs[mP99].Estimate {
		t.Error("the point estimate depends on the seed")
	}
}

// Coverage: over 300 simulated experiments (slice throughputs with slice-level noise, true ratio
// 1.05), the 95 % interval contains the true ratio in 88–99 % of them (the percentile bootstrap is
// known to under-cover a little with 10 units).
func TestBootstrapCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	cfg := BootstrapConfig{Resamples: 1000, Seed: 5, Confidence: 0.95}
	mk := func(mean float64) []Slice {
		ss := make([]Slice, 10)
		for i := range ss {
			ss[i] = Slice{OK2xx: int(mean * (1 + 0.03*rng.NormFloat64())), ElapsedSeconds: 1}
		}
		return ss
	}
	covered, n := 0, 300
	for e := 0; e < n; e++ {
		b, g := mk(1000), mk(1050)
		iv := BootstrapRatios(cfg, e, len(b), len(g), poolFn(b), poolFn(g))[mThroughput]
		if iv.Low <= 1.05 && 1.05 <= iv.High {
			covered++
		}
	}
	frac := float64(covered) / float64(n)
	t.Logf("coverage %.3f", frac)
	if frac < 0.88 || frac > 0.99 {
		t.Errorf("coverage %.3f, want ≈0.95", frac)
	}
}

// Pooling slices = one histogram of all their values; a resample with repeats weights a slice by
// its multiplicity.
func TestPoolSlicesMergesHistograms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	all := NewHistogram()
	var vals []time.Duration
	ss := make([]Slice, 5)
	for i := range ss {
		h := NewHistogram()
		for j := 0; j < 1000*(i+1); j++ {
			v := time.Duration(float64(time.Millisecond) * (1 + float64(i) + rng.Float64()))
			h.Record(v)
			all.Record(v)
			vals = append(vals, v)
		}
		ss[i] = Slice{hist: h, OK2xx: 1000 * (i + 1), ElapsedSeconds: 2}
	}
	p := PoolSlices(ss, allIdx(len(ss)))
	for m, q := range map[int]float64{mP50: 50, mP99: 99, mP999: 99.9} {
		if p[m] != float64(all.ValueAt(q)) {
			t.Errorf("p%v pooled %v, single histogram %v", q, p[m], all.ValueAt(q))
		}
		sort.Slice(vals, func(a, b int) bool { return vals[a] < vals[b] })
		exact := float64(vals[int(math.Ceil(q/100*float64(len(vals))))-1])
		if math.Abs(p[m]-exact)/exact > 0.005 {
			t.Errorf("p%v pooled %v, exact %v", q, p[m], exact)
		}
	}
	if want := 15000.0 / 10; p[mThroughput] != want {
		t.Errorf("throughput %v, want %v", p[mThroughput], want)
	}
	if !math.IsNaN(p[mCPU]) {
		t.Errorf("cpu without figures: %v, want NaN", p[mCPU])
	}
	// slice 0 (values 1–2 ms) counted 15 times outweighs the rest: the median moves below 2 ms
	idx := []int{1, 2, 3, 4}
	for i := 0; i < 15; i++ {
		idx = append(idx, 0)
	}
	if w := PoolSlices(ss, idx); w[mP50] >= float64(2*time.Millisecond) {
		t.Errorf("weighted median %v", time.Duration(w[mP50]))
	}
	if h := PooledHistogram(ss); h.Count() != all.Count() || h.Max() != all.Max() || h.Min() != all.Min() {
		t.Errorf("PooledHistogram count %d max %v min %v", h.Count(), h.Max(), h.Min())
	}
}

// Three rounds a side: the interval may look tight, but it gets no verdict (unless it is "same").
func TestFewUnitsCannotRank(t *testing.T) {
	stat := func(vals []float64) func([]int) [nMetrics]float64 { return meanStat(vals) }
	cfg := BootstrapConfig{Resamples: 500, Seed: 1, Confidence: 0.95, MaxRelWidth: 0.25, SameWithin: 0.01, MinUnits: 5}
	iv := BootstrapRatios(cfg, 1, 3, 3, stat([]float64{1000, 1010, 990}), stat([]float64{800, 810, 790}))[mThroughput]
	if iv == nil || iv.Verdict != "cannot rank" || !iv.TooWide || !strings.Contains(iv.Reason, "3 resampling units") {
		t.Fatalf("%+v", iv)
	}
	iv = BootstrapRatios(cfg, 1, 6, 6, stat([]float64{1000, 1010, 990, 1000, 1005, 995}), stat([]float64{800, 810, 790, 800, 805, 795}))[mThroughput]
	if iv == nil || iv.Verdict != "lower" {
		t.Fatalf("6 rounds: %+v", iv)
	}
}

func TestIntervalJudge(t *testing.T) {
	for _, c := range []struct {
		est, lo, hi float64
		verdict     string
		wide        bool
	}{
		{1.02, 0.99, 1.05, "cannot rank", true},
		{1.20, 1.10, 1.30, "higher", false},
		{0.80, 0.75, 0.85, "lower", false},
		{1.50, 1.10, 1.90, "cannot rank", true}, // width 0.53 > 0.25
		{1, 1, 1, "same", false},
		{1.002, 0.995, 1.008, "same", false},
		{1.002, 0.985, 1.008, "cannot rank", true},
		{1.008, 1.004, 1.009, "same", false}, // "higher" by 0.4 %: no difference worth the name
	} {
		iv := Interval{Estimate: c.est, Low: c.lo, High: c.hi}
		iv.Judge(0.25, 0.01)
		if iv.Verdict != c.verdict || iv.TooWide != c.wide || (iv.TooWide && iv.Reason == "") {
			t.Errorf("%+v: got %+v", c, iv)
		}
	}
}

func TestSliceHeld(t *testing.T) {
	ok := &LoadResult{TargetRate: 1000, Scheduled: 5000, Completed: 5000, Throughput: 999, LatencyMs: LatencySummary{P99: 3}}
	if !SliceHeld(ok, 0) || !SliceHeld(ok, 10*time.Millisecond) {
		t.Error("a held slice not held")
	}
	if SliceHeld(ok, 2*time.Millisecond) {
		t.Error("p99 3 ms held with a 2 ms bound")
	}
	for _, bad := range []LoadResult{
		{TargetRate: 1000, Scheduled: 5000, Completed: 5000, Throughput: 999, Errors: 1},
		{TargetRate: 1000, Scheduled: 5000, Completed: 4990, Throughput: 998, Unsent: 10},
		{TargetRate: 1000, Scheduled: 5000, Completed: 5000, Throughput: 900},
	} {
		if SliceHeld(&bad, 0) {
			t.Errorf("%+v held", bad)
		}
	}
}

// bench.json carries each interval's text as every report prints it.
func TestIntervalTextInJSON(t *testing.T) {
	for _, c := range []struct {
		iv   Interval
		want string
	}{
		{Interval{Estimate: 1.2, Low: 1.1, High: 1.3, Verdict: "higher"}, "1.200 [1.100, 1.300] higher"},
		{Interval{Estimate: 0.999, Low: 0.997, High: 1.001, TooWide: true, Verdict: "cannot rank"}, "0.999 [0.997, 1.001] cannot rank"},
		{Interval{Estimate: 1, Low: 1, High: 1, Verdict: "baseline"}, "1 (baseline)"},
	} {
		raw, err := json.Marshal(&BenchRatio{Name: "x", Throughput: &c.iv})
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			Throughput struct {
				Text     string  `json:"text"`
				Estimate float64 `json:"estimate"`
			} `json:"throughput"`
		}
		if err := json.Unmarshal(raw, &back); err != nil || back.Throughput.Text != c.want || back.Throughput.Estimate != c.iv.Estimate {
			t.Errorf("%s: %+v %v", raw, back, err)
		}
	}
}
