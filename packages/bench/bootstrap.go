package bench

// Pooled statistics over a target's slices and bootstrap intervals of the target ÷ baseline ratios.
//
// Each target is measured in several short slices (see order.go). Its figures are pooled over all its
// recorded slices: percentiles of the merged latency histogram, throughput = 2xx responses ÷ elapsed
// seconds summed over the slices, server CPU per request = CPU seconds ÷ 2xx responses summed over the
// slices. The interval of a ratio comes from a percentile bootstrap over slices: each resample draws,
// for the baseline and for the target independently, as many slices as each has, with replacement,
// pools them the same way and takes the ratio; the 2.5 % and 97.5 % quantiles of the resampled ratios
// are the 95 % interval. The slice is the unit because latencies within a slice are not independent
// (a GC pause or a noisy neighbour hits many consecutive requests); slices are.

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// Slice is one recorded slice of one target.
type Slice struct {
	Round            int      `json:"round"`        // 0-based recorded round (saturation: the round of the search)
	Seq              int      `json:"seq"`          // position in the whole run (all targets, recorded slices only)
	Rate             float64  `json:"rate"`         // offered rate, req/s
	StartSeconds     float64  `json:"startSeconds"` // until the port opened (not measured as load)
	ElapsedSeconds   float64  `json:"elapsedSeconds"`
	Scheduled        int      `json:"scheduled"`
	Completed        int      `json:"completed"`
	OK2xx            int      `json:"ok2xx"`
	Errors           int      `json:"errors"`
	Unsent           int      `json:"unsent"`
	Throughput       float64  `json:"throughput"`
	P50              float64  `json:"p50"`
	P99              float64  `json:"p99"`
	P999             float64  `json:"p999"`
	ServerCPUSeconds *float64 `json:"serverCpuSeconds"` // null when /proc could not be read
	ClientCPUSeconds *float64 `json:"clientCpuSeconds"` // the load generator's own CPU over the slice
	Held             bool     `json:"held"`             // the rate was held (see SliceHeld)
	ShutdownClean    bool     `json:"shutdownClean"`
	hist             *Histogram
	lr               *LoadResult
}

// SliceHeld: no errors, nothing left unsent, ≥ 98 % of the offered rate achieved, and (maxP99 > 0) the
// coordinated-omission-corrected p99 at most maxP99. A server that cannot keep up falls behind the
// schedule, which shows as unsent requests at the end and as latencies growing with the backlog.
func SliceHeld(r *LoadResult, maxP99 time.Duration) bool {
	if r == nil || r.Errors > 0 || r.Unsent > 0 || r.Completed < r.Scheduled {
		return false
	}
	if r.Throughput < 0.98*r.TargetRate {
		return false
	}
	if maxP99 > 0 && r.LatencyMs.P99 > float64(maxP99)/1e6 {
		return false
	}
	return true
}

// SliceFromLoad summarises a LoadResult as a slice (the histogram is kept for pooling).
func SliceFromLoad(r *LoadResult) Slice {
	return Slice{Rate: r.TargetRate, ElapsedSeconds: r.ElapsedSeconds, Scheduled: r.Scheduled, Completed: r.Completed,
		OK2xx: r.Completed - countNon2xx(r.Status), Errors: r.Errors, Unsent: r.Unsent, Throughput: r.Throughput,
		P50: r.LatencyMs.P50, P99: r.LatencyMs.P99, P999: r.LatencyMs.P999, hist: r.hist, lr: r}
}

// Metric indices of a pooled statistics vector.
const (
	mP50 = iota
	mP99
	mP999
	mThroughput
	mCPU // server CPU µs per request
	nMetrics
)

var metricNames = [nMetrics]string{"p50", "p99", "p999", "throughput", "cpu"}

// PoolSlices computes the pooled statistics of the slices picked by idx (indices into ss, repeats
// allowed). NaN where not computable (no samples, no CPU figure).
func PoolSlices(ss []Slice, idx []int) [nMetrics]float64 {
	var out [nMetrics]float64
	h := NewHistogram()
	var ok, elapsed, cpu float64
	cpuOK := true
	for _, i := range idx {
		s := &ss[i]
		if s.hist != nil {
			h.Merge(s.hist)
		}
		ok += float64(s.OK2xx)
		elapsed += s.ElapsedSeconds
		if s.ServerCPUSeconds == nil {
			cpuOK = false
		} else {
			cpu += *s.ServerCPUSeconds
		}
	}
	nan := math.NaN()
	if h.Count() == 0 {
		out[mP50], out[mP99], out[mP999] = nan, nan, nan
	} else {
		out[mP50], out[mP99], out[mP999] = float64(h.ValueAt(50)), float64(h.ValueAt(99)), float64(h.ValueAt(99.9))
	}
	out[mThroughput] = nan
	if elapsed > 0 {
		out[mThroughput] = ok / elapsed
	}
	out[mCPU] = nan
	if cpuOK && ok > 0 && len(idx) > 0 {
		out[mCPU] = cpu / ok * 1e6
	}
	return out
}

// PooledHistogram merges the histograms of all slices.
func PooledHistogram(ss []Slice) *Histogram {
	h := NewHistogram()
	for i := range ss {
		if ss[i].hist != nil {
			h.Merge(ss[i].hist)
		}
	}
	return h
}

func allIdx(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// Interval is one ratio (target ÷ baseline) with its bootstrap interval and whether it ranks the two.
type Interval struct {
	Estimate float64 `json:"estimate"` // ratio of the pooled figures over all slices
	Low      float64 `json:"low"`      // 2.5 % quantile of the bootstrap ratios
	High     float64 `json:"high"`     // 97.5 % quantile
	// TooWide: the interval contains 1 or its width (high−low)/estimate exceeds the threshold: these
	// data cannot rank the target against the baseline for this figure.
	TooWide bool   `json:"tooWide"`
	Verdict string `json:"verdict"` // "baseline" | "higher" | "lower" | "same" | "cannot rank"
	Reason  string `json:"reason,omitempty"`
}

// String is the interval as every report shows it, defined here once: "1.023 [0.991, 1.060] higher",
// "0.999 [0.997, 1.001] cannot rank", "1 (baseline)". bench.json carries it as "text" (MarshalJSON), so the HTML
// report, the summaries and the scripts print it rather than format the numbers again.
func (iv *Interval) String() string {
	if iv.Verdict == "baseline" {
		return "1 (baseline)"
	}
	v := iv.Verdict
	if iv.TooWide {
		v = "cannot rank"
	}
	return fmt.Sprintf("%.3f [%.3f, %.3f] %s", iv.Estimate, iv.Low, iv.High, v)
}

// MarshalJSON writes the fields and "text" (String).
func (iv Interval) MarshalJSON() ([]byte, error) {
	type plain Interval
	return json.Marshal(struct {
		plain
		Text string `json:"text"`
	}{plain(iv), iv.String()})
}

// Judge fills TooWide, Verdict and Reason from Estimate, Low and High: "same" when the whole interval lies
// within ±sameWithin of 1 (no difference worth the name, e.g. the throughput of a fixed rate both held),
// "cannot rank" when it contains 1 otherwise or is wider than maxRelWidth × the estimate.
func (iv *Interval) Judge(maxRelWidth, sameWithin float64) {
	w := (iv.High - iv.Low) / iv.Estimate
	switch {
	case sameWithin > 0 && iv.Low >= 1-sameWithin && iv.High <= 1+sameWithin:
		iv.Verdict, iv.Reason = "same", fmt.Sprintf("interval within ±%g %% of 1", sameWithin*100)
	case iv.Low <= 1 && iv.High >= 1:
		iv.TooWide, iv.Verdict, iv.Reason = true, "cannot rank", "interval contains 1"
	case maxRelWidth > 0 && w > maxRelWidth:
		iv.TooWide, iv.Verdict, iv.Reason = true, "cannot rank", fmt.Sprintf("relative width %.3f > %.3f", w, maxRelWidth)
	case iv.Low > 1:
		iv.Verdict = "higher"
	default:
		iv.Verdict = "lower"
	}
}

// BootstrapConfig: resamples per ratio, the seed, the coverage and the width threshold of the verdict.
type BootstrapConfig struct {
	Resamples   int     `json:"resamples"`
	Seed        uint64  `json:"seed"`
	Confidence  float64 `json:"confidence"`
	MaxRelWidth float64 `json:"maxRelWidth"`
	SameWithin  float64 `json:"sameWithin"`
	MinUnits    int     `json:"minUnits"` // fewer slices (saturation: rounds) on either side: no verdict but "same"
}

// rngFor is the random stream of one comparison: it depends only on the seed and the target's index,
// so a result does not depend on the order in which the ratios are computed.
func rngFor(seed uint64, target int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^uint64(target+1)))
}

// quantile of sorted xs (linear interpolation between order statistics, R's type 7).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	h := q * float64(len(xs)-1)
	lo := int(math.Floor(h))
	if lo >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[lo] + (h-float64(lo))*(xs[lo+1]-xs[lo])
}

// BootstrapRatios returns, per metric, the interval of stat(target) ÷ stat(baseline), where stat maps
// a resample (indices into that side's units, with repeats) to the metric vector. nBase and nTgt are
// the numbers of units (slices, or rounds) of each side. A metric whose point estimate is NaN or whose
// baseline is 0 gives nil.
func BootstrapRatios(cfg BootstrapConfig, target int, nBase, nTgt int,
	base, tgt func(idx []int) [nMetrics]float64) [nMetrics]*Interval {
	var out [nMetrics]*Interval
	if nBase == 0 || nTgt == 0 {
		return out
	}
	b0, t0 := base(allIdx(nBase)), tgt(allIdx(nTgt))
	rng := rngFor(cfg.Seed, target)
	n := max(cfg.Resamples, 1)
	ratios := make([][]float64, nMetrics)
	bi, ti := make([]int, nBase), make([]int, nTgt)
	for r := 0; r < n; r++ {
		for i := range bi {
			bi[i] = rng.IntN(nBase)
		}
		for i := range ti {
			ti[i] = rng.IntN(nTgt)
		}
		bs, ts := base(bi), tgt(ti)
		for m := 0; m < nMetrics; m++ {
			if v := ts[m] / bs[m]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				ratios[m] = append(ratios[m], v)
			}
		}
	}
	alpha := (1 - cfg.Confidence) / 2
	for m := 0; m < nMetrics; m++ {
		est := t0[m] / b0[m]
		if math.IsNaN(est) || math.IsInf(est, 0) || len(ratios[m]) < n/2 {
			continue
		}
		sort.Float64s(ratios[m])
		iv := &Interval{Estimate: Round(est, 4), Low: Round(quantile(ratios[m], alpha), 4), High: Round(quantile(ratios[m], 1-alpha), 4)}
		iv.Judge(cfg.MaxRelWidth, cfg.SameWithin)
		if u := min(nBase, nTgt); u < cfg.MinUnits && iv.Verdict != "same" {
			// a percentile bootstrap over so few units has far less than its nominal coverage
			iv.TooWide, iv.Verdict, iv.Reason = true, "cannot rank", fmt.Sprintf("%d resampling units, fewer than %d", u, cfg.MinUnits)
		}
		out[m] = iv
	}
	return out
}

// throughputStat is the statistics vector of a resample of rounds (saturation) with f's value as throughput
// and nothing else (NaN when f has none; the bootstrap then skips that resample).
func throughputStat(f func(idx []int) (float64, bool)) func(idx []int) [nMetrics]float64 {
	return func(idx []int) [nMetrics]float64 {
		var out [nMetrics]float64
		for m := range out {
			out[m] = math.NaN()
		}
		if v, ok := f(idx); ok {
			out[mThroughput] = v
		}
		return out
	}
}

// rate50Stat: HoldRate50 over the slices of the resampled rounds.
func rate50Stat(ss []Slice) func(idx []int) [nMetrics]float64 {
	return throughputStat(func(idx []int) (float64, bool) { return HoldRate50(holdPoints(ss, idx)) })
}

// meanStat: the mean of per-round values (the rounds' highest held rates).
func meanStat(vals []float64) func(idx []int) [nMetrics]float64 {
	return throughputStat(func(idx []int) (float64, bool) {
		if len(idx) == 0 {
			return 0, false
		}
		s := 0.0
		for _, i := range idx {
			s += vals[i]
		}
		return s / float64(len(idx)), true
	})
}
