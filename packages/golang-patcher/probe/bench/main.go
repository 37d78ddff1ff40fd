// Benchmark driver (not a test): run by scripts/bench.sh once per toolchain.
//
//	bench getpid N        N raw getpid system calls        -> ns/op
//	bench readzero N      N read(2) of 4 KiB from /dev/zero -> ns/op
//	bench file N          N times read a 1 MiB file         -> MB/s
//	bench serve ADDR      HTTP hello server
//	bench load URL RATE D open-loop constant-rate load for D -> req/s, p50, p99
package main

import (
	"encoding/json"
	"fmt"
	"io"
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
		t := time.Now()
		for i := 0; i < n; i++ {
			_, err := os.ReadFile(p)
			check(err)
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
		tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
		c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
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
			go func(at time.Time) { // latency from the scheduled time (no coordinated omission)
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
		el := time.Since(start)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		pct := func(p float64) float64 {
			if len(lat) == 0 {
				return 0
			}
			return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
		}
		out["req_per_s"] = float64(len(lat)) / el.Seconds()
		out["p50_ms"], out["p99_ms"], out["errors"] = pct(0.5), pct(0.99), errs
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}

func mustAtoi(s string) int { n, err := strconv.Atoi(s); check(err); return n }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
