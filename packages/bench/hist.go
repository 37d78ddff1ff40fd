package bench

import (
	"math"
	"math/bits"
	"time"
)

// Histogram is a log-bucketed latency histogram in the spirit of HdrHistogram.
//
// Values (nanoseconds) below 2*subBuckets are stored exactly; above, each power-of-two range
// [2^k, 2^(k+1)) is split into subBuckets linear buckets, so a bucket's width is at most
// 1/subBuckets of its lower bound: with subBuckets = 128 the relative error of a reported value
// is below 1/256 (values are reported at the bucket midpoint), well within 1 %.
// Min, max, sum and count are tracked exactly.
type Histogram struct {
	counts []uint64
	total  uint64
	min    int64
	max    int64
	sum    float64
	sumSq  float64
}

const (
	subBucketBits = 7
	subBuckets    = 1 << subBucketBits // 128
)

func NewHistogram() *Histogram {
	return &Histogram{min: math.MaxInt64}
}

// bucketIndex maps a non-negative value to its bucket.
func bucketIndex(v int64) int {
	if v < 0 {
		v = 0
	}
	u := uint64(v)
	if u < 2*subBuckets {
		return int(u)
	}
	shift := bits.Len64(u) - (subBucketBits + 1) // u>>shift in [128, 256)
	return (shift+1)*subBuckets + int(u>>uint(shift)) - subBuckets
}

// bucketRange returns the lowest value and width of bucket i.
func bucketRange(i int) (lo int64, width int64) {
	if i < 2*subBuckets {
		return int64(i), 1
	}
	shift := i/subBuckets - 1
	sub := i%subBuckets + subBuckets
	return int64(sub) << uint(shift), int64(1) << uint(shift)
}

// bucketValue is the value reported for bucket i: its midpoint.
func bucketValue(i int) int64 {
	lo, w := bucketRange(i)
	return lo + (w-1)/2
}

func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	i := bucketIndex(v)
	if i >= len(h.counts) {
		n := make([]uint64, i+1+subBuckets)
		copy(n, h.counts)
		h.counts = n
	}
	h.counts[i]++
	h.total++
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	f := float64(v)
	h.sum += f
	h.sumSq += f * f
}

func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		n := make([]uint64, len(o.counts))
		copy(n, h.counts)
		h.counts = n
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.sum += o.sum
	h.sumSq += o.sumSq
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

func (h *Histogram) Count() uint64 { return h.total }

func (h *Histogram) Min() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.min)
}

func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

func (h *Histogram) Mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.total))
}

func (h *Histogram) Stdev() time.Duration {
	if h.total == 0 {
		return 0
	}
	m := h.sum / float64(h.total)
	v := h.sumSq/float64(h.total) - m*m
	if v < 0 {
		v = 0
	}
	return time.Duration(math.Sqrt(v))
}

// ValueAt returns the value at percentile q (0..100): the smallest recorded bucket such that at
// least q % of all values are at or below it, clamped to the exact min/max.
func (h *Histogram) ValueAt(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	if q >= 100 {
		return time.Duration(h.max)
	}
	target := uint64(math.Ceil(q / 100 * float64(h.total)))
	if target < 1 {
		target = 1
	}
	var cum uint64
	for i, c := range h.counts {
		cum += c
		if cum >= target {
			v := bucketValue(i)
			return time.Duration(min(max(v, h.min), h.max))
		}
	}
	return time.Duration(h.max)
}

// countAtOrBelow returns how many values fall into buckets up to the one holding v.
func (h *Histogram) countAtOrBelow(v time.Duration) uint64 {
	idx := bucketIndex(int64(v))
	var cum uint64
	for i := 0; i <= idx && i < len(h.counts); i++ {
		cum += h.counts[i]
	}
	return cum
}

// SpectrumPoint is one row of the percentile distribution (as HdrHistogram's
// outputPercentileDistribution prints it).
type SpectrumPoint struct {
	Percentile float64 `json:"percentile"`
	LatencyMs  float64 `json:"latencyMs"`
	Count      uint64  `json:"count"`
	// Inverse is 1/(1-percentile/100), the x coordinate of HdrHistogram plots (null at 100 %).
	Inverse *float64 `json:"inverse"`
}

// SpectrumPercentiles lists the percentile levels of the spectrum: ticksPerHalf steps in each
// halving of the remaining distance to 100 (0, 10, …, 50, 55, …, 75, 77.5, …), until the
// remaining tail holds less than one value; the last level is 100.
func SpectrumPercentiles(total uint64, ticksPerHalf int) []float64 {
	var out []float64
	if total == 0 {
		return out
	}
	remaining := 100.0
	for half := 0; half < 60; half++ {
		for i := 0; i < ticksPerHalf; i++ {
			p := 100 - remaining + remaining/2*float64(i)/float64(ticksPerHalf)
			out = append(out, p)
		}
		remaining /= 2
		// stop once the tail beyond 100-remaining holds fewer than one sample
		if remaining/100*float64(total) < 1 {
			break
		}
	}
	return append(out, 100)
}

func (h *Histogram) Spectrum(ticksPerHalf int) []SpectrumPoint {
	var out []SpectrumPoint
	for _, p := range SpectrumPercentiles(h.total, ticksPerHalf) {
		v := h.ValueAt(p)
		pt := SpectrumPoint{Percentile: Round(p, 6), LatencyMs: ms(v), Count: h.countAtOrBelow(v)}
		if p < 100 {
			inv := Round(1/(1-p/100), 3)
			pt.Inverse = &inv
		}
		out = append(out, pt)
	}
	return out
}

func ms(d time.Duration) float64 { return Round(float64(d)/1e6, 4) }

// Round rounds f to digits decimals (the JSON figures).
func Round(f float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(f*p) / p
}
