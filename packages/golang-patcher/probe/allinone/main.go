// Probe: exercises the system-call paths of the Go runtime and standard
// library (files, pipes, sockets, HTTP, signals, exec, timers, goroutines,
// raw syscall.Syscall, crypto/rand). Prints one JSON line
// {"passed":N,"failed":M,"results":{...}}; exit status 1 if anything failed.
// Run as "probe child" it is the exec target (prints its pid).
package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		fmt.Println(os.Getpid())
		return
	}
	results := map[string]string{}
	run := func(name string, f func() error) {
		if err := f(); err != nil {
			results[name] = "FAIL: " + err.Error()
		} else {
			results[name] = "ok"
		}
	}
	run("files", files)
	run("pipe", pipe)
	run("tcp", tcp)
	run("http", httpRoundTrips)
	run("signals", signals)
	run("exec", execSelf)
	run("timers", timers)
	run("goroutines", goroutines)
	run("raw_getpid", rawGetpid)
	run("rand", randBytes)
	run("gc", gc)
	passed, failed := 0, 0
	for _, v := range results {
		if v == "ok" {
			passed++
		} else {
			failed++
		}
	}
	b, _ := json.Marshal(map[string]any{"passed": passed, "failed": failed, "results": results})
	fmt.Println(string(b))
	if failed > 0 {
		os.Exit(1)
	}
}

func files() error {
	dir, err := os.MkdirTemp("", "probe")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for i := 0; i < 50; i++ {
		p := filepath.Join(dir, "f"+strconv.Itoa(i))
		want := strings.Repeat("x", i*100)
		if err := os.WriteFile(p, []byte(want), 0o600); err != nil {
			return err
		}
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if string(got) != want {
			return fmt.Errorf("content mismatch %s", p)
		}
		if _, err := os.Stat(p); err != nil {
			return err
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 50 {
		return fmt.Errorf("readdir: %v %d", err, len(ents))
	}
	if err := os.Rename(filepath.Join(dir, "f1"), filepath.Join(dir, "g1")); err != nil {
		return err
	}
	_, err = os.Stat(filepath.Join(dir, "nonexistent"))
	if !os.IsNotExist(err) {
		return fmt.Errorf("want ENOENT, got %v", err)
	}
	return nil
}

func pipe() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	go func() { w.Write([]byte("hello")); w.Close() }()
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "hello" {
		return fmt.Errorf("pipe: %q %v", b, err)
	}
	return r.Close()
}

func tcp() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		msg := []byte("ping " + strconv.Itoa(i))
		c.Write(msg)
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != string(msg) {
			return fmt.Errorf("echo: %q %v", buf, err)
		}
		c.Close()
	}
	// UDP too
	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer u.Close()
	c, err := net.Dial("udp", u.LocalAddr().String())
	if err != nil {
		return err
	}
	c.Write([]byte("dgram"))
	buf := make([]byte, 16)
	u.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := u.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "dgram" {
		return fmt.Errorf("udp: %v", err)
	}
	return c.Close()
}

func httpRoundTrips() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 25; j++ {
				resp, err := http.Get(fmt.Sprintf("http://%s/%d/%d", ln.Addr(), i, j))
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != fmt.Sprintf("hello /%d/%d", i, j) {
					errs <- fmt.Errorf("body %q", b)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func signals() error {
	c := make(chan os.Signal, 4)
	signal.Notify(c, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(c)
	for _, s := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2} {
		if err := syscall.Kill(os.Getpid(), s); err != nil {
			return err
		}
		select {
		case got := <-c:
			if got != s {
				return fmt.Errorf("got %v want %v", got, s)
			}
		case <-time.After(5 * time.Second):
			return fmt.Errorf("signal %v not delivered", s)
		}
	}
	return nil
}

func execSelf() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		out, err := exec.Command(self, "child").Output()
		if err != nil {
			return err
		}
		if _, err := strconv.Atoi(strings.TrimSpace(string(out))); err != nil {
			return fmt.Errorf("child output %q", out)
		}
	}
	// a failing exec must report the error from the child
	if err := exec.Command("/nonexistent/binary").Run(); err == nil {
		return fmt.Errorf("exec of a missing binary succeeded")
	}
	return nil
}

func timers() error {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	if d := time.Since(start); d < 20*time.Millisecond {
		return fmt.Errorf("sleep too short: %v", d)
	}
	t := time.NewTicker(5 * time.Millisecond)
	for i := 0; i < 5; i++ {
		<-t.C
	}
	t.Stop()
	select {
	case <-time.After(10 * time.Millisecond):
	case <-time.After(time.Second):
		return fmt.Errorf("wrong timer fired")
	}
	if time.Now().Year() < 2020 {
		return fmt.Errorf("wall clock broken: %v", time.Now())
	}
	return nil
}

func goroutines() error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	sum := 0
	ch := make(chan int)
	for i := 0; i < 2000; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%100 == 0 {
				time.Sleep(time.Millisecond)
			}
			runtime.Gosched()
			mu.Lock()
			sum += i
			mu.Unlock()
			if i%2 == 0 {
				ch <- 1
			}
		}(i)
	}
	n := 0
	go func() { wg.Wait(); close(ch) }()
	for v := range ch {
		n += v
	}
	if sum != 2000*1999/2 || n != 1000 {
		return fmt.Errorf("sum %d n %d", sum, n)
	}
	return nil
}

func rawGetpid() error {
	pid, _, errno := syscall.Syscall(syscall.SYS_GETPID, 0, 0, 0)
	if errno != 0 || int(pid) != os.Getpid() {
		return fmt.Errorf("getpid: %d %v (want %d)", pid, errno, os.Getpid())
	}
	rpid, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	if int(rpid) != os.Getpid() {
		return fmt.Errorf("raw getpid %d", rpid)
	}
	// an error must come back as an Errno
	_, _, errno = syscall.Syscall(syscall.SYS_CLOSE, 99999, 0, 0)
	if errno != syscall.EBADF {
		return fmt.Errorf("close(99999): %v, want EBADF", errno)
	}
	return nil
}

func randBytes() error {
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	return nil
}

func gc() error {
	var keep [][]byte
	for i := 0; i < 200; i++ {
		keep = append(keep, make([]byte, 1<<16))
		if len(keep) > 50 {
			keep = keep[1:]
		}
	}
	runtime.GC()
	return nil
}
