package bench

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

func TestBucketsCoverValuesWithinPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prev := -1
	for v := int64(0); v < 5000; v++ { // indexes are monotonic and contiguous for small values
		i := bucketIndex(v)
		if i < prev {
			t.Fatalf("bucketIndex not monotonic at %d", v)
		}
		prev = i
	}
	for n := 0; n < 200000; n++ {
		v := rng.Int64N(int64(time.Hour))
		i := bucketIndex(v)
		lo, w := bucketRange(i)
		if v < lo || v >= lo+w {
			t.Fatalf("value %d not in bucket %d [%d,%d)", v, i, lo, lo+w)
		}
		if v > 256 && float64(w)/float64(lo) > 1.0/128+1e-12 {
			t.Fatalf("bucket %d too wide: %d/%d", i, w, lo)
		}
		if rel := math.Abs(float64(bucketValue(i)-v)) / float64(v); v > 0 && rel > 0.01 {
			t.Fatalf("value %d reported as %d (%.3f%%)", v, bucketValue(i), rel*100)
		}
	}
}

func TestPercentilesOfUniformDistribution(t *testing.T) {
	h := NewHistogram()
	// 1 ms .. 100 ms in 1 µs steps: pXX = XX ms exactly.
	for us := 1000; us <= 100000; us++ {
		h.Record(time.Duration(us) * time.Microsecond)
	}
	for _, q := range []float64{50, 75, 90, 99, 99.9} {
		want := 1 + q/100*99 // ms
		got := float64(h.ValueAt(q)) / 1e6
		if math.Abs(got-want)/want > 0.01 {
			t.Errorf("p%v = %.3f ms, want %.3f ms ±1%%", q, got, want)
		}
	}
	if h.Max() != 100*time.Millisecond || h.Min() != time.Millisecond {
		t.Errorf("min/max = %v/%v", h.Min(), h.Max())
	}
	if got := h.ValueAt(100); got != 100*time.Millisecond {
		t.Errorf("p100 = %v", got)
	}
	if m := float64(h.Mean()) / 1e6; math.Abs(m-50.5) > 0.01 {
		t.Errorf("mean = %v", m)
	}
}

func TestPercentilesAgainstSortedExponentialSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	var vals []int64
	h := NewHistogram()
	for n := 0; n < 100000; n++ {
		v := int64(rng.ExpFloat64() * 2e6) // mean 2 ms
		vals = append(vals, v)
		h.Record(time.Duration(v))
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	for _, q := range []float64{50, 90, 99, 99.9, 99.99} {
		exact := vals[int(math.Ceil(q/100*float64(len(vals))))-1]
		got := int64(h.ValueAt(q))
		if rel := math.Abs(float64(got-exact)) / float64(exact); rel > 0.01 {
			t.Errorf("p%v = %d, exact %d (%.2f%%)", q, got, exact, rel*100)
		}
	}
	// analytic check of the distribution itself: p50 of Exp(mean 2ms) = 2ms*ln2
	if p50 := float64(h.ValueAt(50)) / 1e6; math.Abs(p50-2*math.Ln2) > 0.05 {
		t.Errorf("p50 = %.3f ms, want ≈ %.3f", p50, 2*math.Ln2)
	}
}

func TestMergeEqualsSingleHistogram(t *testing.T) {
	a, b, all := NewHistogram(), NewHistogram(), NewHistogram()
	for i := 1; i <= 1000; i++ {
		d := time.Duration(i*i) * time.Microsecond
		all.Record(d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(b)
	for _, q := range []float64{1, 50, 99, 99.9, 100} {
		if a.ValueAt(q) != all.ValueAt(q) {
			t.Errorf("p%v merged %v != %v", q, a.ValueAt(q), all.ValueAt(q))
		}
	}
	if a.Count() != 1000 || a.Min() != all.Min() || a.Max() != all.Max() {
		t.Errorf("count/min/max %d %v %v", a.Count(), a.Min(), a.Max())
	}
}

func TestSpectrumLevels(t *testing.T) {
	ps := SpectrumPercentiles(1000, 5)
	want := []float64{0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75}
	for i, w := range want {
		if math.Abs(ps[i]-w) > 1e-9 {
			t.Fatalf("level %d = %v, want %v (%v)", i, ps[i], w, ps[:12])
		}
	}
	if ps[len(ps)-1] != 100 {
		t.Fatalf("last level %v", ps[len(ps)-1])
	}
	// the deepest level before 100 must still have ≥ 1 sample beyond it... within one halving
	last := ps[len(ps)-2]
	if tail := (100 - last) / 100 * 1000; tail > 4 || tail < 0.5 {
		t.Fatalf("deepest level %v leaves %v samples", last, tail)
	}
	h := NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	sp := h.Spectrum(5)
	for i := 1; i < len(sp); i++ {
		if sp[i].LatencyMs < sp[i-1].LatencyMs || sp[i].Count < sp[i-1].Count {
			t.Fatalf("spectrum not monotonic at %d: %+v %+v", i, sp[i-1], sp[i])
		}
	}
	if sp[len(sp)-1].LatencyMs != 1000 || sp[len(sp)-1].Inverse != nil {
		t.Fatalf("last point %+v", sp[len(sp)-1])
	}
}
