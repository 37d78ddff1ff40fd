// Benchmark driver (not a test): run by scripts/bench.sh once per toolchain.
//
//	bench getpid N        N raw getpid system calls        -> ns/op
//	bench readzero N      N read(2) of 4 KiB from /dev/zero -> ns/op
//	bench file N          N times open, read, close a 1 MiB file -> MB/s
//	bench serve ADDR      HTTP hello server (exit 0 on SIGTERM); scripts/bench.sh loads it with the
//	                      project's load generator and bench method (packages/bench: confidential-bench)
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
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
		go func() {
			check(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })))
		}()
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		return
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
