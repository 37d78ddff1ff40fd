// Benchmark driver (not a test): run by scripts/bench.sh once per toolchain.
//
//	bench getpid N        N raw getpid system calls        -> ns/op
//	bench readzero N      N read(2) of 4 KiB from /dev/zero -> ns/op
//	bench file N          N times open, read, close a 1 MiB file -> MB/s
//	bench serve ADDR      HTTP hello server
//	bench load URL RATE D open-loop constant-rate load for D -> req/s, p50, p99
//	bench abload URL_A URL_B RATE SLICE PAIRS  A and B alternating in slices
//	                      -> both sides' req/s, p50, p99, p99 ratio B/A + 95% CI
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	out := map[string]any{"mode": os.Args[1]}
	switch os.Args[1] {
	case "getpid":
		n, _ := strconv.Atoi(os.Args[2])
		t := time.Now()
		for i := 0; i < n; i++ {
			syscall.Getpid()
		}
		out["ns_per_op"] = float64(time.Since(t).Nanoseconds()) / float64(n)
	case "readzero":
		n, _ := strconv.Atoi(os.Args[2])
		f, err := os.Open("/dev/zero")
		check(err)
		buf := make([]byte, 4096)
		t := time.Now()
		for i := 0; i < n; i++ {
			f.Read(buf)
		}
		out["ns_per_op"] = float64(time.Since(t).Nanoseconds()) / float64(n)
	case "file":
		n, _ := strconv.Atoi(os.Args[2])
		p := filepath.Join(os.TempDir(), fmt.Sprintf("bench-%d", os.Getpid()))
		check(os.WriteFile(p, make([]byte, 1<<20), 0o600))
		defer os.Remove(p)
		buf := make([]byte, 1<<20)
		t := time.Now()
		for i := 0; i < n; i++ { // open, read, close: no allocation, no GC in the loop
			f, err := os.Open(p)
			check(err)
			_, err = io.ReadFull(f, buf)
			check(err)
			f.Close()
		}
		out["mb_per_s"] = float64(n) / time.Since(t).Seconds()
	case "serve":
		ln, err := net.Listen("tcp", os.Args[2])
		check(err)
		fmt.Println("listening", ln.Addr())
		check(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })))
		return
	case "load":
		url, rate := os.Args[2], mustAtoi(os.Args[3])
		d, err := time.ParseDuration(os.Args[4])
		check(err)
		lat, errs, el := load(newClient(), url, rate, d)
		sortDur(lat)
		out["req_per_s"] = float64(len(lat)) / el.Seconds()
		out["p50_ms"], out["p99_ms"], out["errors"] = pct(lat, 0.5), pct(lat, 0.99), errs
	case "abload":
		// A and B alternate in short slices under the same constant rate
		// (A,B then B,A), so both see the same machine noise; percentiles are
		// taken over all of a side's requests, and the p99 ratio B/A gets a
		// 95% interval by resampling the slice pairs.
		urls, rate := os.Args[2:4], mustAtoi(os.Args[4])
		slice, err := time.ParseDuration(os.Args[5])
		check(err)
		pairs := mustAtoi(os.Args[6])
		c := newClient()
		for _, u := range urls { // warm-up: connections, server heaps
			load(c, u, rate, slice)
		}
		per := [2][][]time.Duration{}
		var errs [2]int
		var busy [2]time.Duration
		for i := 0; i < pairs; i++ {
			for _, side := range [][]int{{0, 1}, {1, 0}}[i%2] { // order alternates too
				lat, e, el := load(c, urls[side], rate, slice)
				per[side] = append(per[side], lat)
				errs[side] += e
				busy[side] += el
			}
			fmt.Fprintf(os.Stderr, "\rabload: %d/%d slice pairs", i+1, pairs)
		}
		fmt.Fprintln(os.Stderr)
		pool := func(side int, idx []int) []time.Duration {
			var all []time.Duration
			for _, i := range idx {
				all = append(all, per[side][i]...)
			}
			sortDur(all)
			return all
		}
		every := make([]int, pairs)
		for i := range every {
			every[i] = i
		}
		var rps [2]float64
		all := [2][]time.Duration{pool(0, every), pool(1, every)}
		for side, name := range []string{"a", "b"} {
			rps[side] = float64(len(all[side])) / busy[side].Seconds()
			out[name] = map[string]any{"req_per_s": rps[side], "p50_ms": pct(all[side], 0.5), "p99_ms": pct(all[side], 0.99),
				"errors": errs[side], "requests": len(all[side])}
		}
		out["p99_ratio_b_a"] = pct(all[1], 0.99) / pct(all[0], 0.99)
		out["p50_ratio_b_a"] = pct(all[1], 0.5) / pct(all[0], 0.5)
		out["req_ratio_b_a"] = rps[1] / rps[0]
		rng := rand.New(rand.NewPCG(1, 2))
		var ratios []float64
		for k := 0; k < 1000; k++ {
			idx := make([]int, pairs)
			for i := range idx {
				idx[i] = rng.IntN(pairs)
			}
			ratios = append(ratios, pct(pool(1, idx), 0.99)/pct(pool(0, idx), 0.99))
		}
		sort.Float64s(ratios)
		out["p99_ratio_ci95"] = []float64{ratios[25], ratios[974]}
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}

func newClient() *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// load sends RATE requests per second for D, open loop: each request's latency
// counts from its scheduled time (no coordinated omission).
func load(c *http.Client, url string, rate int, d time.Duration) ([]time.Duration, int, time.Duration) {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if at.Sub(start) >= d {
			break
		}
		time.Sleep(time.Until(at))
		wg.Add(1)
		go func(at time.Time) {
			defer wg.Done()
			resp, err := c.Get(url)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			mu.Lock()
			if err != nil {
				errs++
			} else {
				lat = append(lat, time.Since(at))
			}
			mu.Unlock()
		}(at)
	}
	wg.Wait()
	return lat, errs, time.Since(start)
}

func sortDur(l []time.Duration) { sort.Slice(l, func(i, j int) bool { return l[i] < l[j] }) }

// pct of sorted latencies, in ms
func pct(l []time.Duration, p float64) float64 {
	if len(l) == 0 {
		return 0
	}
	return float64(l[int(p*float64(len(l)-1))].Microseconds()) / 1000
}

func mustAtoi(s string) int { n, err := strconv.Atoi(s); check(err); return n }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
