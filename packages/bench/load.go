package bench

// The load generator: a constant request rate, open model, like wrk2.
//
// Why our own tool: wrk2 (Gil Tene's constant-throughput fork of wrk) is not packaged in Debian,
// and the image build is offline. Debian's `wrk` is closed-loop: each connection sends its next
// request only when the previous response arrived, so when the server stalls the generator
// silently stops sending; the stalled period is represented by one slow sample instead of all
// the requests that should have been sent during it ("coordinated omission"), and the high
// percentiles come out far too optimistic. Here every request has an intended send time on a
// fixed schedule and its latency is measured from that intended time, so a stall shows up in
// the latency of every request that was due during it.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Schedule is one connection's share of a constant-rate schedule: with rate R over N connections,
// connection c sends at start + c/R + k·N/R, so the union of all connections is one request every
// 1/R, evenly interleaved.
type Schedule struct {
	Start    time.Time
	Offset   time.Duration
	Interval time.Duration
}

func NewSchedule(start time.Time, rate float64, conns, conn int) Schedule {
	perReq := time.Duration(float64(time.Second) / rate)
	return Schedule{
		Start:    start,
		Offset:   time.Duration(float64(time.Second) * float64(conn) / rate),
		Interval: perReq * time.Duration(conns),
	}
}

// At is the intended send time of this connection's k-th request.
func (s Schedule) At(k int) time.Time {
	return s.Start.Add(s.Offset + time.Duration(k)*s.Interval)
}

// Count is how many of this connection's requests are due strictly before start+d.
func (s Schedule) Count(d time.Duration) int {
	if d <= s.Offset {
		return 0
	}
	return int((d-s.Offset-1)/s.Interval) + 1
}

type LoadOptions struct {
	URL         string
	Connections int
	Rate        float64 // requests per second, all connections together
	Duration    time.Duration
	Timeout     time.Duration // per request
	TLS         *tls.Config   // nil: default verification
	NoWarmup    bool          // skip the unrecorded warm-up request per connection
	// OnScheduleStart and OnScheduleEnd, if set, are called just before the first scheduled slot (after
	// the connection warm-up) and right after the last response: bench samples the server's CPU there.
	OnScheduleStart func()
	OnScheduleEnd   func()
}

type LatencySummary struct {
	MinMs   float64 `json:"min"`
	MeanMs  float64 `json:"mean"`
	StdevMs float64 `json:"stdev"`
	P50     float64 `json:"p50"`
	P75     float64 `json:"p75"`
	P90     float64 `json:"p90"`
	P99     float64 `json:"p99"`
	P999    float64 `json:"p999"`
	MaxMs   float64 `json:"max"`
}

type LoadResult struct {
	URL             string          `json:"url"`
	Connections     int             `json:"connections"`
	TargetRate      float64         `json:"targetRate"`
	DurationSeconds float64         `json:"durationSeconds"`
	ElapsedSeconds  float64         `json:"elapsedSeconds"`
	Scheduled       int             `json:"scheduled"`
	Completed       int             `json:"completed"` // responses received (any status)
	Errors          int             `json:"errors"`    // transport errors + non-2xx responses
	Unsent          int             `json:"unsent"`    // due before the end but not sent by then (generator/server fell behind)
	Throughput      float64         `json:"throughput"`
	Bytes           int64           `json:"bytes"`
	Status          map[string]int  `json:"status"`
	ErrorSamples    map[string]int  `json:"errorSamples"`
	LatencyMs       LatencySummary  `json:"latencyMs"`
	Spectrum        []SpectrumPoint `json:"spectrum"`
	hist            *Histogram
}

type connStats struct {
	hist      *Histogram
	completed int
	errors    int
	unsent    int
	bytes     int64
	status    map[int]int
	errs      map[string]int
}

func newTransport(tlsConf *tls.Config) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // never a proxy: we measure the server
		TLSClientConfig:     tlsConf,
		MaxIdleConns:        1,
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1, // one keep-alive connection per worker
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		// a non-nil empty map disables HTTP/2: HTTP/1.1 keep-alive like wrk2
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
}

// RunLoad runs the constant-rate load and returns its result. ctx cancels it early.
func RunLoad(ctx context.Context, o LoadOptions) (*LoadResult, error) {
	if o.Connections < 1 || o.Rate <= 0 || o.Duration <= 0 {
		return nil, fmt.Errorf("load: connections ≥ 1, rate > 0 and duration > 0 required")
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	req0, err := http.NewRequest(http.MethodGet, o.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("load: url %q: %w", o.URL, err)
	}
	// One client (one keep-alive connection) per worker. Like wrk2, connections are opened before the
	// schedule starts: each worker sends one unrecorded warm-up request, so the TLS handshakes do not
	// land in the first scheduled slots.
	clients := make([]*http.Client, o.Connections)
	for c := range clients {
		clients[c] = &http.Client{Transport: newTransport(o.TLS), Timeout: o.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	defer func() {
		for _, cl := range clients {
			cl.Transport.(*http.Transport).CloseIdleConnections()
		}
	}()
	if !o.NoWarmup {
		var wwg sync.WaitGroup
		for _, cl := range clients {
			wwg.Add(1)
			go func() {
				defer wwg.Done()
				if resp, err := cl.Do(req0.Clone(ctx)); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wwg.Wait()
	}
	if o.OnScheduleStart != nil {
		o.OnScheduleStart()
	}
	start := time.Now().Add(20 * time.Millisecond) // let all workers reach their first slot
	end := start.Add(o.Duration)
	stats := make([]*connStats, o.Connections)
	var wg sync.WaitGroup
	for c := 0; c < o.Connections; c++ {
		st := &connStats{hist: NewHistogram(), status: map[int]int{}, errs: map[string]int{}}
		stats[c] = st
		sched := NewSchedule(start, o.Rate, o.Connections, c)
		n := sched.Count(o.Duration)
		client := clients[c]
		wg.Add(1)
		go func() {
			defer wg.Done()
			timer := time.NewTimer(time.Hour)
			defer timer.Stop()
			for k := 0; k < n; k++ {
				due := sched.At(k)
				now := time.Now()
				if now.After(end) || ctx.Err() != nil {
					st.unsent += n - k
					return
				}
				if wait := due.Sub(now); wait > 0 {
					timer.Reset(wait)
					select {
					case <-timer.C:
					case <-ctx.Done():
						st.unsent += n - k
						return
					}
				}
				req := req0.Clone(ctx)
				resp, err := client.Do(req)
				if err != nil {
					st.errors++
					st.errs[trimErr(err)]++
					continue
				}
				nb, rerr := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat := time.Since(due) // from the intended send time: coordinated-omission corrected
				st.bytes += nb
				st.completed++
				st.status[resp.StatusCode]++
				st.hist.Record(lat)
				if rerr != nil {
					st.errors++
					st.errs[trimErr(rerr)]++
				} else if resp.StatusCode < 200 || resp.StatusCode > 299 {
					st.errors++
					st.errs["status "+strconv.Itoa(resp.StatusCode)]++
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if o.OnScheduleEnd != nil {
		o.OnScheduleEnd()
	}
	if elapsed < o.Duration {
		elapsed = o.Duration
	}
	res := &LoadResult{URL: o.URL, Connections: o.Connections, TargetRate: o.Rate,
		DurationSeconds: o.Duration.Seconds(), ElapsedSeconds: Round(elapsed.Seconds(), 3),
		Status: map[string]int{}, ErrorSamples: map[string]int{}, hist: NewHistogram()}
	for c, st := range stats {
		res.Scheduled += NewSchedule(start, o.Rate, o.Connections, c).Count(o.Duration)
		res.Completed += st.completed
		res.Errors += st.errors
		res.Unsent += st.unsent
		res.Bytes += st.bytes
		res.hist.Merge(st.hist)
		for code, n := range st.status {
			res.Status[strconv.Itoa(code)] += n
		}
		for e, n := range st.errs {
			if len(res.ErrorSamples) < 20 || res.ErrorSamples[e] > 0 {
				res.ErrorSamples[e] += n
			}
		}
	}
	res.Throughput = Round(float64(res.Completed-countNon2xx(res.Status))/elapsed.Seconds(), 2)
	res.summarizeLatency()
	return res, ctx.Err()
}

// summarizeLatency fills LatencyMs and Spectrum from the result's histogram (one run's, or pooled slices').
func (r *LoadResult) summarizeLatency() {
	h := r.hist
	r.LatencyMs = LatencySummary{MinMs: ms(h.Min()), MeanMs: ms(h.Mean()), StdevMs: ms(h.Stdev()),
		P50: ms(h.ValueAt(50)), P75: ms(h.ValueAt(75)), P90: ms(h.ValueAt(90)), P99: ms(h.ValueAt(99)),
		P999: ms(h.ValueAt(99.9)), MaxMs: ms(h.Max())}
	r.Spectrum = h.Spectrum(5)
	if r.Spectrum == nil {
		r.Spectrum = []SpectrumPoint{}
	}
}

func countNon2xx(status map[string]int) int {
	n := 0
	for code, c := range status {
		if len(code) != 3 || code[0] != '2' {
			n += c
		}
	}
	return n
}

func trimErr(err error) string {
	s := err.Error()
	if len(s) > 160 {
		s = s[:160]
	}
	return s
}

// Summary is the human-readable result block (wrk2-like).
func (r *LoadResult) Summary() string {
	l := r.LatencyMs
	s := fmt.Sprintf("  %d connections, target %.0f req/s for %.1fs → %.1f req/s achieved (%d completed, %d errors, %d unsent)\n",
		r.Connections, r.TargetRate, r.DurationSeconds, r.Throughput, r.Completed, r.Errors, r.Unsent)
	s += fmt.Sprintf("  latency ms (from intended send time): p50 %.3f  p75 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n",
		l.P50, l.P75, l.P90, l.P99, l.P999, l.MaxMs, l.MeanMs)
	if len(r.ErrorSamples) > 0 {
		keys := make([]string, 0, len(r.ErrorSamples))
		for k := range r.ErrorSamples {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s += fmt.Sprintf("  error ×%d: %s\n", r.ErrorSamples[k], k)
		}
	}
	return s
}

// TLSConfigWithCA trusts exactly the PEM certificates in caFile (e.g. caddy's local root).
func TLSConfigWithCA(caPEM []byte, serverName string) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no PEM certificate found in the CA file")
	}
	return &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}, nil
}
