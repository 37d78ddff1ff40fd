package bench

// Package bench is the project's load generator and benchmark method: a constant-rate, coordinated-omission
// corrected HTTP load (load.go, hist.go) and several servers under the same load, alternated in short
// slices in a balanced order, pooled per target, with bootstrap intervals of every ratio to the first
// target (engine.go, order.go, bootstrap.go, cpu.go; the method is described in README.md).
//
// All targets listen on the same address (a confidential program's command line comes from its policy, so
// it cannot be given another port), so they cannot run at the same time: each slice starts its target,
// waits for the port, checks the content, runs an unrecorded warm-up load, then the recorded load, and
// stops it again. Startup and warm-up are never part of a measurement.

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

const benchVersion = 2

type BenchTarget struct {
	Name    string   `json:"name"`
	Command []string `json:"command"`
	// URL and CA, when set, replace the load's for this target (e.g. the same program behind the network shield,
	// over https:// trusting the session CA, beside its plain-HTTP run)
	URL string `json:"url,omitempty"`
	CA  string `json:"ca,omitempty"`
}

// BenchCPU is a target's CPU time over its recorded slices (from the schedule's first slot to the last
// response of each slice), per 2xx response.
type BenchCPU struct {
	ServerSeconds      float64 `json:"serverSeconds"` // utime+stime (+ waited-for children) of the target's process group
	ClientSeconds      float64 `json:"clientSeconds"` // the load generator's own, for comparison (its own CPUs when pinned)
	Requests           int     `json:"requests"`      // 2xx responses in those windows
	ServerUsPerRequest float64 `json:"serverUsPerRequest"`
	ClientUsPerRequest float64 `json:"clientUsPerRequest"`
}

type BenchTargetResult struct {
	Name          string      `json:"name"`
	Command       []string    `json:"command"`
	OK            bool        `json:"ok"`
	Error         *string     `json:"error"`
	StartSeconds  float64     `json:"startSeconds"`  // median over its slices, until the port opened
	ShutdownClean bool        `json:"shutdownClean"` // every slice: exit 0 (and the shutdown marker, if any) after SIGTERM
	ExitCode      *int        `json:"exitCode"`      // of the last started process
	Result        *LoadResult `json:"result"`        // pooled over its recorded slices (saturation: the held slices at each round's rate)
	CPU           *BenchCPU   `json:"cpu"`           // null when /proc could not be read
	Saturation    *SatResult  `json:"saturation"`    // saturation mode only
	Slices        []Slice     `json:"slices"`
	Warnings      []string    `json:"warnings"`
	LogTail       []string    `json:"logTail"`
}

// BenchRatio: target ÷ baseline with a bootstrap interval per figure; null where not measured
// (saturation mode has only throughput = the saturation rate; cpu needs /proc).
type BenchRatio struct {
	Name       string    `json:"name"`
	Throughput *Interval `json:"throughput"`
	P50        *Interval `json:"p50"`
	P99        *Interval `json:"p99"`
	P999       *Interval `json:"p999"`
	CPU        *Interval `json:"cpu"` // server CPU per request
}

type BenchHost struct {
	Hostname string `json:"hostname"`
	CPUs     int    `json:"cpus"`
	GOOS     string `json:"goos"`
	GOARCH   string `json:"goarch"`
}

type BenchLoad struct {
	URL             string  `json:"url"`
	Connections     int     `json:"connections"`
	Rate            float64 `json:"rate"`            // fixed/cpu: every slice's rate; saturation: the calibration's start
	DurationSeconds float64 `json:"durationSeconds"` // recorded seconds per target
}

type BenchMethod struct {
	Mode               string          `json:"mode"` // fixed | saturation | cpu
	Rounds             int             `json:"rounds"`
	SliceSeconds       float64         `json:"sliceSeconds"`
	SliceWarmupSeconds float64         `json:"sliceWarmupSeconds"` // unrecorded load after each start
	WarmupRound        bool            `json:"warmupRound"`        // fixed/cpu: one unrecorded slice per target first
	RestartPerSlice    bool            `json:"restartPerSlice"`    // always true: the targets share one address
	OrderPeriod        int             `json:"orderPeriod"`        // rounds after which the order is fully balanced
	Order              [][]string      `json:"order"`              // target order of every recorded round (saturation: step)
	Bootstrap          BootstrapConfig `json:"bootstrap"`
	Saturation         *BenchSatMethod `json:"saturation"`
	ClockTicks         int             `json:"clockTicks"`
	Pinning            *BenchPinning   `json:"pinning"` // the CPUs of the servers and of the load generator
}

type BenchSatMethod struct {
	Steps    int     `json:"steps"`
	MaxP99Ms float64 `json:"maxP99Ms"`
	MinRate  float64 `json:"minRate"`
	MaxRate  float64 `json:"maxRate"`
	Widen    float64 `json:"widen"`
}

type Bench struct {
	Version    int                 `json:"version"`
	Kind       string              `json:"kind"` // "bench"
	Tool       string              `json:"tool"`
	StartedAt  string              `json:"startedAt"`
	FinishedAt string              `json:"finishedAt"`
	Host       BenchHost           `json:"host"`
	Load       BenchLoad           `json:"load"`
	Method     BenchMethod         `json:"method"`
	Baseline   string              `json:"baseline"` // name of the first target: ratios are relative to it
	Targets    []BenchTargetResult `json:"targets"`
	Ratios     []BenchRatio        `json:"ratios"` // every target ÷ the baseline
	Pairs      []BenchRatio        `json:"pairs"`  // every later target ÷ every earlier one but the baseline ("confidential/native")
}

// ParseTarget parses "name=/path/to/server arg …".
func ParseTarget(s string) (BenchTarget, error) {
	name, cmd, ok := strings.Cut(s, "=")
	argv := strings.Fields(cmd)
	if !ok || strings.TrimSpace(name) == "" || len(argv) == 0 {
		return BenchTarget{}, fmt.Errorf("--target %q: expected name=command [args…]", s)
	}
	return BenchTarget{Name: strings.TrimSpace(name), Command: argv}, nil
}

// BenchOptions are bench's own settings besides the load flags (command.go registers them).
type BenchOptions struct {
	Mode           string // fixed | saturation | cpu
	Rounds         int
	Slice          time.Duration
	SliceWarmup    time.Duration
	WarmupRound    bool
	Resamples      int
	Seed           uint64
	MaxWidth       float64
	SameWithin     float64
	Sat            SatConfig
	Workdir        string // of the started targets
	Addr           string // every target listens here
	StartWait      time.Duration
	StopWait       time.Duration
	Expect         string // each target's response must contain this
	Cooldown       time.Duration
	ProcRoot       string
	ShutdownMarker string        // a clean exit also logs this ("": exit code 0 suffices)
	Pin            *BenchPinning // nil: not pinned
}

// targetState is what the slice runner keeps of a target between its slices.
type targetState struct {
	exitCode *int
	logTail  []string
	allClean bool
}

// RunBench runs the plan against real processes and assembles bench.json.
func RunBench(ctx context.Context, tool string, targets []BenchTarget, lf *LoadFlags, bo BenchOptions,
	logPath func(string) string, echo io.Writer) *Bench {
	// the pooled results carry these; every slice builds its own options (TLS included) after its start
	o := LoadOptions{URL: lf.URL, Connections: lf.Connections, Rate: lf.Rate}
	host, _ := os.Hostname()
	procfs := ProcFS{Root: bo.ProcRoot}
	b := &Bench{Version: benchVersion, Kind: "bench", Tool: tool, StartedAt: time.Now().UTC().Format(time.RFC3339),
		Host:     BenchHost{host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH},
		Baseline: targets[0].Name, Targets: []BenchTargetResult{}, Ratios: []BenchRatio{}, Pairs: []BenchRatio{}}
	states := make([]*targetState, len(targets))
	for i := range states {
		states[i] = &targetState{allClean: true, logTail: []string{}}
	}
	run := func(ctx context.Context, ti int, rate float64, record bool) (Slice, error) {
		return runSlice(ctx, targets[ti], states[ti], lf, rate, bo, procfs, logPath(targets[ti].Name), echo)
	}
	plan := Plan{Mode: bo.Mode, Targets: len(targets), Rounds: bo.Rounds, Rate: o.Rate, WarmupRound: bo.WarmupRound, Sat: bo.Sat,
		Progress: func(t int, rate float64, record bool, s Slice, err error) {
			tag := "warm-up"
			if record {
				tag = "slice  "
			} else if bo.Mode == "saturation" {
				tag = "calib. "
			}
			line := fmt.Sprintf("BENCH %s %-14s %7.0f req/s", tag, targets[t].Name, rate)
			if s.Scheduled > 0 {
				line += fmt.Sprintf(" → %7.1f  p50 %.3f  p99 %.3f  p99.9 %.3f ms", s.Throughput, s.P50, s.P99, s.P999)
				if s.ServerCPUSeconds != nil && s.OK2xx > 0 {
					line += fmt.Sprintf("  cpu %.1f µs/req", *s.ServerCPUSeconds/float64(s.OK2xx)*1e6)
				}
				if !s.Held {
					line += "  NOT HELD"
				}
			}
			if err != nil {
				line += "  FAIL " + err.Error()
			}
			fmt.Println(line)
		}}
	er := RunPlan(ctx, plan, run)
	assemble(b, targets, er, states, o, bo)
	return b
}

// runSlice starts the target, checks it, warms it up, records one slice and stops it.
func runSlice(ctx context.Context, t BenchTarget, st *targetState, lf *LoadFlags, rate float64, bo BenchOptions,
	procfs ProcFS, logPath string, echo io.Writer) (s Slice, err error) {
	if bo.Cooldown > 0 {
		select {
		case <-time.After(bo.Cooldown):
		case <-ctx.Done():
			return s, ctx.Err()
		}
	}
	if err := WaitPortFree(bo.Addr, 10*time.Second); err != nil {
		return s, err
	}
	t0 := time.Now()
	p, err := StartProc(t.Name, t.Command, bo.Workdir, logPath, echo, bo.Pin, bo.ShutdownMarker)
	if err != nil {
		return s, err
	}
	defer func() {
		if !p.Exited() {
			p.Kill()
		}
		st.logTail = p.Log.Tail(30)
	}()
	if err := WaitPort(ctx, bo.Addr, bo.StartWait, p); err != nil {
		return s, err
	}
	startSeconds := Round(time.Since(t0).Seconds(), 3)
	// the load options (and their TLS config) as bench always built them: after the target's start
	tlf := *lf
	if t.URL != "" {
		tlf.URL = t.URL
	}
	if t.CA != "" {
		tlf.CA = t.CA
	}
	o, err := tlf.Options()
	if err != nil {
		return s, err
	}
	for attempt := 0; ; attempt++ {
		_, err = FetchCheck(ctx, o.URL, o.TLS, bo.Expect, 10*time.Second)
		if err == nil || attempt >= 4 || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return s, err
	}
	o.Rate = rate
	if bo.SliceWarmup > 0 {
		o.Duration = bo.SliceWarmup
		if _, err := RunLoad(ctx, o); ctx.Err() != nil {
			return s, err
		}
	}
	pgid := p.cmd.Process.Pid // Setpgid: the group id is the leader's pid
	var c0, c1 GroupSample
	var cpuErr error
	var self0, self1 time.Duration
	var selfErr error
	o.Duration = bo.Slice
	o.OnScheduleStart = func() {
		c0, cpuErr = procfs.SampleGroup(pgid)
		self0, selfErr = procfs.SelfCPU()
	}
	o.OnScheduleEnd = func() {
		if cpuErr == nil {
			c1, cpuErr = procfs.SampleGroup(pgid)
		}
		if selfErr == nil {
			self1, selfErr = procfs.SelfCPU()
		}
	}
	lr, err := RunLoad(ctx, o)
	if lr == nil {
		return s, err
	}
	s = SliceFromLoad(lr)
	s.StartSeconds = startSeconds
	maxP99 := time.Duration(0)
	if bo.Mode == "saturation" {
		maxP99 = bo.Sat.MaxP99
	}
	s.Held = SliceHeld(lr, maxP99)
	if cpuErr == nil {
		v := Round(procfs.CPUBetween(c0, c1).Seconds(), 4)
		s.ServerCPUSeconds = &v
	} else if bo.Mode == "cpu" {
		return s, fmt.Errorf("cpu accounting: %w", cpuErr)
	}
	if selfErr == nil {
		v := Round((self1 - self0).Seconds(), 4)
		s.ClientCPUSeconds = &v
	}
	if err != nil {
		return s, err
	}
	if p.Exited() {
		return s, fmt.Errorf("exited during the slice (%s)", p.ExitDescription())
	}
	clean := p.Stop(bo.StopWait)
	code := p.ExitCode()
	st.exitCode = &code
	s.ShutdownClean = clean && code == 0 && (bo.ShutdownMarker == "" || p.Log.Seen(bo.ShutdownMarker))
	st.allClean = st.allClean && s.ShutdownClean
	return s, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// PoolLoad merges slices into one LoadResult (counts summed, latencies from the merged histogram,
// throughput = 2xx responses ÷ summed elapsed seconds).
func PoolLoad(ss []Slice, o LoadOptions) *LoadResult {
	if len(ss) == 0 {
		return nil
	}
	r := &LoadResult{URL: o.URL, Connections: o.Connections, Status: map[string]int{}, ErrorSamples: map[string]int{}, hist: NewHistogram()}
	rates := 0.0
	for _, s := range ss {
		lr := s.lr
		if lr == nil {
			continue
		}
		rates += lr.TargetRate
		r.DurationSeconds += lr.DurationSeconds
		r.ElapsedSeconds += lr.ElapsedSeconds
		r.Scheduled += lr.Scheduled
		r.Completed += lr.Completed
		r.Errors += lr.Errors
		r.Unsent += lr.Unsent
		r.Bytes += lr.Bytes
		for k, v := range lr.Status {
			r.Status[k] += v
		}
		for k, v := range lr.ErrorSamples {
			if len(r.ErrorSamples) < 20 || r.ErrorSamples[k] > 0 {
				r.ErrorSamples[k] += v
			}
		}
		if lr.hist != nil {
			r.hist.Merge(lr.hist)
		}
	}
	r.TargetRate = Round(rates/float64(len(ss)), 2)
	r.DurationSeconds = Round(r.DurationSeconds, 3)
	r.ElapsedSeconds = Round(r.ElapsedSeconds, 3)
	if r.ElapsedSeconds > 0 {
		r.Throughput = Round(float64(r.Completed-countNon2xx(r.Status))/r.ElapsedSeconds, 2)
	}
	r.summarizeLatency()
	return r
}

// satSlices are, per round, the held slice at that round's saturation rate (for the latency at saturation).
func satSlices(ss []Slice, sr *SatResult) []Slice {
	var out []Slice
	for r := range sr.Rates {
		best := -1
		for i, s := range ss {
			if s.Round == r && s.Held && (best < 0 || s.Rate > ss[best].Rate) {
				best = i
			}
		}
		if best >= 0 {
			out = append(out, ss[best])
		}
	}
	return out
}

func assemble(b *Bench, targets []BenchTarget, er *EngineResult, states []*targetState, o LoadOptions, bo BenchOptions) {
	sliceSec := bo.Slice.Seconds()
	perTarget := bo.Rounds
	var satMethod *BenchSatMethod
	if bo.Mode == "saturation" {
		perTarget *= bo.Sat.Steps
		satMethod = &BenchSatMethod{Steps: bo.Sat.Steps, MaxP99Ms: ms(bo.Sat.MaxP99), MinRate: bo.Sat.MinRate, MaxRate: bo.Sat.MaxRate, Widen: bo.Sat.Widen}
	}
	b.Load = BenchLoad{URL: o.URL, Connections: o.Connections, Rate: o.Rate, DurationSeconds: Round(float64(perTarget)*sliceSec, 3)}
	order := [][]string{}
	for _, row := range er.Order {
		names := make([]string, len(row))
		for i, t := range row {
			names[i] = targets[t].Name
		}
		order = append(order, names)
	}
	bc := BootstrapConfig{Resamples: bo.Resamples, Seed: bo.Seed, Confidence: 0.95, MaxRelWidth: bo.MaxWidth, SameWithin: bo.SameWithin, MinUnits: minUnits}
	b.Method = BenchMethod{Mode: bo.Mode, Rounds: bo.Rounds, SliceSeconds: sliceSec, SliceWarmupSeconds: bo.SliceWarmup.Seconds(),
		WarmupRound: bo.WarmupRound && bo.Mode != "saturation", RestartPerSlice: true, OrderPeriod: OrderPeriod(len(targets)),
		Order: order, Bootstrap: bc, Saturation: satMethod, ClockTicks: ClockTicks(), Pinning: bo.Pin}

	for i, t := range targets {
		ss := er.Slices[i]
		st := states[i]
		tr := BenchTargetResult{Name: t.Name, Command: t.Command, ExitCode: st.exitCode, Slices: ss, Warnings: []string{}, LogTail: append([]string{}, st.logTail...)} // [] not null in bench.json
		if tr.Slices == nil {
			tr.Slices = []Slice{}
		}
		var starts []float64
		for _, s := range ss {
			starts = append(starts, s.StartSeconds)
		}
		tr.StartSeconds = median(starts)
		tr.ShutdownClean = st.allClean && len(ss) > 0
		if err := er.Errors[i]; err != nil {
			msg := err.Error()
			tr.Error = &msg
		} else if len(ss) == 0 {
			msg := "no slice recorded (interrupted)"
			tr.Error = &msg
		}
		tr.OK = tr.Error == nil
		if bo.Mode == "saturation" {
			tr.Saturation = er.Sat[i]
			if sr := tr.Saturation; sr != nil {
				tr.Result = PoolLoad(satSlices(ss, sr), o)
				if sr.Rate50 == 0 {
					tr.Warnings = append(tr.Warnings, "no hold curve (every recorded slice held, or none did): the saturation rate is the mean of the rounds' highest held rates")
				}
				if sr.CensoredLow+sr.CensoredHigh > 0 {
					tr.Warnings = append(tr.Warnings, fmt.Sprintf("%d of %d rounds censored (%d with no held step, %d with every step held): add --sat-steps",
						sr.CensoredLow+sr.CensoredHigh, len(sr.Rates), sr.CensoredLow, sr.CensoredHigh))
				}
			}
		} else {
			tr.Result = PoolLoad(ss, o)
			notHeld := 0
			for _, s := range ss {
				if !s.Held {
					notHeld++
				}
			}
			if notHeld > 0 {
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("%d of %d slices did not hold %.0f req/s (errors, unsent or < 98 %% of the rate): the rate is at or above this target's saturation, or other load interfered",
					notHeld, len(ss), o.Rate))
			}
		}
		// CPU over the slices that carry a figure
		var cpu BenchCPU
		cpuOK := len(ss) > 0
		for _, s := range ss {
			if s.ServerCPUSeconds == nil {
				cpuOK = false
				break
			}
			cpu.ServerSeconds += *s.ServerCPUSeconds
			if s.ClientCPUSeconds != nil {
				cpu.ClientSeconds += *s.ClientCPUSeconds
			}
			cpu.Requests += s.OK2xx
		}
		if cpuOK && cpu.Requests > 0 {
			cpu.ServerSeconds, cpu.ClientSeconds = Round(cpu.ServerSeconds, 4), Round(cpu.ClientSeconds, 4)
			cpu.ServerUsPerRequest = Round(cpu.ServerSeconds/float64(cpu.Requests)*1e6, 3)
			cpu.ClientUsPerRequest = Round(cpu.ClientSeconds/float64(cpu.Requests)*1e6, 3)
			tr.CPU = &cpu
			if !CPUMeasurable(tr, ClockTicks()) {
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("server CPU %.3f s is below %d clock ticks (1/%d s): no CPU ratio; load longer or faster",
					cpu.ServerSeconds, minCPUTicks, ClockTicks()))
			}
		}
		b.Targets = append(b.Targets, tr)
	}
	b.Ratios = Ratios(b, er, bc)
	b.Pairs = Pairs(b, er, bc)
	b.FinishedAt = time.Now().UTC().Format(time.RFC3339)
}

// Ratios: every target ÷ the first, with bootstrap intervals (resampling slices, or rounds in saturation mode).
func Ratios(b *Bench, er *EngineResult, bc BootstrapConfig) []BenchRatio {
	out := []BenchRatio{}
	for i := range b.Targets {
		out = append(out, ratio(b, er, bc, 0, i))
	}
	return out
}

// Pairs: every later target ÷ every earlier one but the first (those are Ratios), e.g. confidential ÷ native
// in a run whose baseline is upstream; named "<target>/<base>".
func Pairs(b *Bench, er *EngineResult, bc BootstrapConfig) []BenchRatio {
	out := []BenchRatio{}
	for base := 1; base < len(b.Targets); base++ {
		for t := base + 1; t < len(b.Targets); t++ {
			out = append(out, ratio(b, er, bc, base, t))
		}
	}
	return out
}

// ratio is target t ÷ target base. The bootstrap stream depends on the seed and the pair only.
func ratio(b *Bench, er *EngineResult, bc BootstrapConfig, base, t int) BenchRatio {
	sat := b.Method.Mode == "saturation"
	units := func(i int) (int, func([]int) [nMetrics]float64) {
		if sat {
			sr := er.Sat[i]
			if sr == nil {
				return 0, nil
			}
			if sr.Rate50 == 0 { // no hold curve (every slice held, or none): the highest held rates
				return len(sr.Rates), meanStat(sr.Rates)
			}
			return len(sr.Rates), rate50Stat(er.Slices[i])
		}
		ss := er.Slices[i]
		return len(ss), func(idx []int) [nMetrics]float64 { return PoolSlices(ss, idx) }
	}
	name := b.Targets[t].Name
	if base > 0 {
		name += "/" + b.Targets[base].Name
	}
	r := BenchRatio{Name: name}
	nb, fb := units(base)
	nt, ft := units(t)
	var ivs [nMetrics]*Interval
	if b.Targets[base].OK && b.Targets[t].OK && nb > 0 && nt > 0 {
		if t == base {
			est := fb(allIdx(nb))
			for m := range ivs {
				if !math.IsNaN(est[m]) && est[m] != 0 {
					ivs[m] = &Interval{Estimate: 1, Low: 1, High: 1, Verdict: "baseline"}
				}
			}
		} else {
			ivs = BootstrapRatios(bc, base*len(b.Targets)+t, nb, nt, fb, ft)
		}
	}
	if !CPUMeasurable(b.Targets[base], b.Method.ClockTicks) || !CPUMeasurable(b.Targets[t], b.Method.ClockTicks) {
		ivs[mCPU] = nil
	}
	r.P50, r.P99, r.P999, r.Throughput, r.CPU = ivs[mP50], ivs[mP99], ivs[mP999], ivs[mThroughput], ivs[mCPU]
	return r
}

// minUnits: the fewest slices (saturation: rounds) per side for a verdict other than "same". With 3 rounds a
// percentile bootstrap has 10 distinct resamples per side; two consecutive 3-round saturation runs of
// go-httpbin gave intervals that excluded 1 in opposite directions.
const minUnits = 5

// minCPUTicks: below this many clock ticks of server CPU over all its slices a target's CPU figure is
// mostly tick quantisation (a slice's figure is off by up to one tick at each end) and gives no ratio.
const minCPUTicks = 20

// CPUMeasurable: the target has enough clock ticks of server CPU for a ratio.
func CPUMeasurable(t BenchTargetResult, clk int) bool {
	if clk <= 0 {
		clk = 100
	}
	return t.CPU != nil && t.CPU.ServerSeconds*float64(clk) >= minCPUTicks
}

func fmtIv(iv *Interval) string {
	if iv == nil {
		return "—"
	}
	return iv.String()
}

func PrintBench(w io.Writer, b *Bench) {
	fmt.Fprintf(w, "%-14s %10s %10s %10s %10s %10s\n", "target", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "cpu µs/req")
	for _, t := range b.Targets {
		if !t.OK {
			fmt.Fprintf(w, "%-14s FAIL %s\n", t.Name, *t.Error)
			for _, l := range t.LogTail {
				fmt.Fprintln(w, "  | "+l)
			}
		}
		if t.Result == nil {
			continue
		}
		cpu := "—"
		if t.CPU != nil {
			cpu = fmt.Sprintf("%.1f", t.CPU.ServerUsPerRequest)
		}
		tput := t.Result.Throughput
		if t.Saturation != nil {
			tput = t.Saturation.Rate50
			if tput == 0 {
				tput = t.Saturation.Mean
			}
		}
		fmt.Fprintf(w, "%-14s %10.1f %10.3f %10.3f %10.3f %10s\n", t.Name, tput, t.Result.LatencyMs.P50,
			t.Result.LatencyMs.P99, t.Result.LatencyMs.P999, cpu)
		for _, wn := range t.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", wn)
		}
	}
	if b.Method.Pinning != nil {
		fmt.Fprintf(w, "pinning: %s\n", b.Method.Pinning)
	}
	fmt.Fprintf(w, "ratios to %s, 95 %% bootstrap interval (%d resamples, seed %d):\n", b.Baseline, b.Method.Bootstrap.Resamples, b.Method.Bootstrap.Seed)
	for _, r := range append(append([]BenchRatio{}, b.Ratios...), b.Pairs...) {
		fmt.Fprintf(w, "  %-14s ×req/s %s  ×p50 %s  ×p99 %s  ×p99.9 %s  ×cpu %s\n", r.Name, fmtIv(r.Throughput), fmtIv(r.P50), fmtIv(r.P99), fmtIv(r.P999), fmtIv(r.CPU))
	}
}
