package bench

// The bench engine: which target runs which slice at which rate, in which order. It knows nothing
// about processes; a SliceRunner does one slice (bench.go starts and stops a target around it, the tests
// load a local server directly).
//
// fixed, cpu: an unrecorded warm-up round (every target once), then --rounds rounds; in round r the
// targets run one slice each in the order BalancedOrder gives. Every slice is at --rate.
//
// saturation — the saturation rate of a target is the highest offered rate of a slice that is *held*
// (SliceHeld: 0 errors, 0 unsent, ≥ 98 % of the rate achieved, corrected p99 ≤ --sat-max-p99):
//  1. calibration (unrecorded, doubles as the warm-up): per target, from --rate, double while held
//     (halve while not held) until the first change: the bracket [lo, hi] (lo held, hi not held);
//  2. each recorded round searches afresh with --sat-steps slices per target (each step one slice per
//     target, the targets of a step in the balanced order of that step): the first rate is the
//     geometric middle of the widened bracket [lo/w, hi·w] (w = --sat-widen); while every rate held
//     it gallops up (×g, g = √(hi·w / (lo/w)), g squared after each gallop step), while none held
//     down, and once one held and one did not it bisects between the highest held and the lowest
//     not-held rate in log space. The round's value is its highest held rate. The galloping lets a
//     round recover from a calibration spoiled by a burst of outside load (each round is independent
//     of the others; they share only the start). A round in which no step held gives its lowest rate
//     (an upper bound, counted as censored low), one in which every step held its highest (a lower
//     bound, censored high): add steps when that happens.
//  The ratios of saturation rates are ratios of the means over rounds; the bootstrap resamples rounds.

import (
	"context"
	"fmt"
	"math"
	"time"
)

// SliceRunner runs one slice of target t at rate (req/s) and returns what it measured; an error means
// the target could not be measured at all (start failed, wrong content …) and drops it from the run.
type SliceRunner func(ctx context.Context, t int, rate float64, record bool) (Slice, error)

type SatConfig struct {
	Steps   int           `json:"steps"`
	MaxP99  time.Duration `json:"-"`
	MinRate float64       `json:"minRate"`
	MaxRate float64       `json:"maxRate"`
	Widen   float64       `json:"widen"`
}

type Plan struct {
	Mode        string // fixed | saturation | cpu
	Targets     int
	Rounds      int
	Rate        float64
	WarmupRound bool
	Sat         SatConfig
	// Progress, if set, is told about every slice (for the console).
	Progress func(t int, rate float64, record bool, s Slice, err error)
}

type SatResult struct {
	Rate50        float64   `json:"rate50"`        // the saturation rate: where a slice holds with probability ½ (HoldRate50 over every recorded slice; 0: not fitted)
	Rates         []float64 `json:"rates"`         // per recorded round: highest held rate
	Mean          float64   `json:"mean"`          // their mean
	CensoredLow   int       `json:"censoredLow"`   // rounds where no step held
	CensoredHigh  int       `json:"censoredHigh"`  // rounds where every step held
	CalibrationLo float64   `json:"calibrationLo"` // bracket found by the calibration
	CalibrationHi float64   `json:"calibrationHi"`
}

type EngineResult struct {
	Slices [][]Slice // per target, recorded slices in run order
	Errors []error   // per target: why it was dropped (nil: measured to the end)
	Sat    []*SatResult
	Order  [][]int // the target order of every recorded round (saturation: of every recorded step)
}

type engine struct {
	plan  Plan
	run   SliceRunner
	res   *EngineResult
	seq   int
	order [][]int
}

func (e *engine) alive(t int) bool { return e.res.Errors[t] == nil }

// slice runs one slice and books it; reports whether the target is still alive.
func (e *engine) slice(ctx context.Context, t int, rate float64, record bool, round int) (Slice, bool) {
	s, err := e.run(ctx, t, rate, record)
	if err == nil && e.plan.Mode != "saturation" && s.Errors > 0 {
		err = fmt.Errorf("%d of %d requests failed in a slice at %.0f req/s", s.Errors, s.Scheduled, rate)
	}
	if e.plan.Progress != nil {
		e.plan.Progress(t, rate, record, s, err)
	}
	if record && (err == nil || s.Scheduled > 0) {
		s.Round, s.Seq = round, e.seq
		e.seq++
		e.res.Slices[t] = append(e.res.Slices[t], s)
	}
	if err != nil && ctx.Err() == nil {
		e.res.Errors[t] = err
		return s, false
	}
	return s, err == nil
}

// RunPlan runs the whole plan. ctx ends it early (the result holds what was measured until then).
func RunPlan(ctx context.Context, plan Plan, run SliceRunner) *EngineResult {
	e := &engine{plan: plan, run: run, res: &EngineResult{
		Slices: make([][]Slice, plan.Targets), Errors: make([]error, plan.Targets), Sat: make([]*SatResult, plan.Targets)}}
	if plan.Mode == "saturation" {
		e.saturation(ctx)
	} else {
		e.fixed(ctx)
	}
	e.res.Order = e.order
	return e.res
}

func (e *engine) fixed(ctx context.Context) {
	k := e.plan.Targets
	if e.plan.WarmupRound {
		for _, t := range BalancedOrder(k, 1)[0] {
			if ctx.Err() != nil {
				return
			}
			e.slice(ctx, t, e.plan.Rate, false, -1)
		}
	}
	for r, order := range BalancedOrder(k, e.plan.Rounds) {
		e.order = append(e.order, order)
		for _, t := range order {
			if ctx.Err() != nil {
				return
			}
			if e.alive(t) {
				e.slice(ctx, t, e.plan.Rate, true, r)
			}
		}
	}
}

// calibration state of one target
type probe struct {
	rate, lo, hi float64
	dir          int // +1 doubling, -1 halving, 0 not started
	done         bool
}

func (p *probe) report(held bool, c SatConfig) {
	switch {
	case held && p.dir >= 0:
		p.dir, p.lo = 1, p.rate
		if p.rate >= c.MaxRate {
			p.hi, p.done = c.MaxRate, true
			return
		}
		p.rate = math.Min(p.rate*2, c.MaxRate)
	case held: // halving found a held rate
		p.lo, p.done = p.rate, true
	case p.dir > 0: // doubling found the first failing rate
		p.hi, p.done = p.rate, true
	default:
		p.dir, p.hi = -1, p.rate
		if p.rate <= c.MinRate {
			p.lo, p.done = c.MinRate, true
			return
		}
		p.rate = math.Max(p.rate/2, c.MinRate)
	}
}

// search state of one target in one round: an exponential (galloping) search from the middle of the
// widened calibration bracket until one rate held and one did not, then bisection in log space.
type search struct {
	start, gallop float64 // first rate; first gallop factor (squared after every gallop step)
	lo, hi        float64 // highest held rate (0: none yet), lowest not-held rate (+Inf: none yet)
	last          float64
}

func newSearch(lo, hi float64) *search {
	return &search{start: math.Sqrt(lo * hi), gallop: math.Sqrt(hi / lo), hi: math.Inf(1)}
}

func (s *search) next() float64 {
	switch {
	case s.last == 0:
		s.last = s.start
	case math.IsInf(s.hi, 1): // everything held so far: up
		s.last = s.lo * s.gallop
		s.gallop *= s.gallop
	case s.lo == 0: // nothing held so far: down
		s.last = s.hi / s.gallop
		s.gallop *= s.gallop
	default:
		s.last = math.Sqrt(s.lo * s.hi)
	}
	return s.last
}

func (s *search) report(held bool) {
	if held {
		s.lo = math.Max(s.lo, s.last)
	} else {
		s.hi = math.Min(s.hi, s.last)
	}
}

func (e *engine) saturation(ctx context.Context) {
	k, c := e.plan.Targets, e.plan.Sat
	probes := make([]*probe, k)
	for t := range probes {
		probes[t] = &probe{rate: math.Min(math.Max(e.plan.Rate, c.MinRate), c.MaxRate)}
	}
	g := 0 // slice-group counter: the order of group g is row g of the balanced design
	for ctx.Err() == nil {
		active := false
		for _, t := range BalancedOrder(k, g+1)[g] {
			p := probes[t]
			if ctx.Err() != nil || p.done || !e.alive(t) {
				continue
			}
			active = true
			s, ok := e.slice(ctx, t, p.rate, false, -1)
			if ok {
				p.report(s.Held, c)
			}
		}
		g++
		if !active {
			break
		}
	}
	for t, p := range probes {
		e.res.Sat[t] = &SatResult{CalibrationLo: p.lo, CalibrationHi: p.hi, Rates: []float64{}}
	}
	w := math.Max(c.Widen, 1)
	for r := 0; r < e.plan.Rounds && ctx.Err() == nil; r++ {
		bs := make([]*search, k)
		for t, p := range probes {
			lo, hi := math.Max(p.lo/w, c.MinRate), math.Min(p.hi*w, c.MaxRate)
			if hi <= lo*1.1 {
				lo, hi = lo/1.1, lo*1.1
			}
			bs[t] = newSearch(lo, hi)
		}
		for step := 0; step < c.Steps && ctx.Err() == nil; step++ {
			order := BalancedOrder(k, g+1)[g]
			g++
			e.order = append(e.order, order)
			for _, t := range order {
				if ctx.Err() != nil || !e.alive(t) {
					continue
				}
				rate := math.Min(math.Max(bs[t].next(), c.MinRate), c.MaxRate)
				bs[t].last = rate
				s, ok := e.slice(ctx, t, rate, true, r)
				if ok {
					bs[t].report(s.Held)
				}
			}
		}
		if ctx.Err() != nil {
			break
		}
		for t, b := range bs {
			if !e.alive(t) {
				continue
			}
			sr := e.res.Sat[t]
			v := b.lo
			if v == 0 { // nothing held: report the lowest rate tried (an upper bound)
				v = b.hi
				sr.CensoredLow++
			} else if math.IsInf(b.hi, 1) { // everything held: the highest rate tried (a lower bound)
				sr.CensoredHigh++
			}
			sr.Rates = append(sr.Rates, Round(v, 1))
		}
	}
	for t, sr := range e.res.Sat {
		if v, ok := HoldRate50(holdPoints(e.res.Slices[t], nil)); ok {
			sr.Rate50 = Round(v, 1)
		}
		if len(sr.Rates) > 0 {
			s := 0.0
			for _, v := range sr.Rates {
				s += v
			}
			sr.Mean = Round(s/float64(len(sr.Rates)), 1)
		}
	}
}

// holdPoints are the rate and outcome of the recorded slices of the given rounds (nil: all; a round given twice
// counts twice, as a bootstrap resample of rounds draws it).
func holdPoints(ss []Slice, rounds []int) []HoldPoint {
	var ps []HoldPoint
	add := func(r int) {
		for _, s := range ss {
			if r < 0 || s.Round == r {
				ps = append(ps, HoldPoint{Rate: s.Rate, Held: s.Held})
			}
		}
	}
	if rounds == nil {
		add(-1)
	}
	for _, r := range rounds {
		add(r)
	}
	return ps
}
