//go:build callcost

// Per-call cost of system calls (not a test): run by scripts/call-cost.sh
// once per toolchain, alternating upstream/patched.
//
//	callcost MODE N  -> {"mode":..., "n":N, "ns_per_call":..., "min_ns_per_call":...,
//	                     "median_ns_per_call":...} (batches of 2000 calls)
//
// Each mode is one loop function (main.loop<Mode>, not inlined) so that
// callgrind can count only that loop (--toggle-collect=main.loop<Mode>):
// instructions per call = the loop's instructions / N (user space only).
//
// Build: go build -tags callcost -ldflags=-checklinkname=0 ./callcost (the
// tag keeps it out of `go build ./...`: its runtime linknames need the flag).
//
//	getpid     syscall.Getpid: rawSyscallNoError, no entersyscall (raw path)
//	rawgetpid  syscall.RawSyscall(SYS_GETPID): internal/runtime/syscall/linux.Syscall6
//	sysgetpid  syscall.Syscall(SYS_GETPID): entersyscall/exitsyscall + Syscall6
//	read1      syscall.Read(fd, 1 byte) from /dev/zero (Syscall path)
//	osread1    (*os.File).Read(1 byte) from /dev/zero (internal/poll + Syscall)
//	futexwake  syscall.Syscall6(SYS_FUTEX, FUTEX_WAKE_PRIVATE) with no waiter
//	rtfutex    runtime.futexwakeup (runtime·futex in sys_linux_amd64.s, on the
//	           goroutine stack), no waiter; needs -ldflags=-checklinkname=0
//	nosys      syscall.RawSyscall(0x7fff): ENOSYS from the kernel, or with
//	           LD_PRELOAD=c/fakesys.so (patched only) 0 from the layer
//	           without entering the kernel: the Go side's cost alone
//	g0nosys    nosys on the g0 stack (runtime.systemstack): the patched
//	           path without its stack switch (needs -checklinkname=0)
//	pingpong   two goroutines locked to their threads, unbuffered channel
//	           ping-pong: per round trip two futex wakes + two futex sleeps
//	           (runtime notewakeup/notesleep) plus the kernel's thread switches
package main

import (
	"encoding/json"
	"os"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

//go:linkname futexwakeup runtime.futexwakeup
func futexwakeup(addr *uint32, cnt uint32)

//go:linkname systemstack runtime.systemstack
func systemstack(fn func())

const futexWakePrivate = 1 | 128

var word uint32

//go:noinline
func loopGetpid(n int) {
	for i := 0; i < n; i++ {
		syscall.Getpid()
	}
}

//go:noinline
func loopRawgetpid(n int) {
	for i := 0; i < n; i++ {
		syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	}
}

//go:noinline
func loopSysgetpid(n int) {
	for i := 0; i < n; i++ {
		syscall.Syscall(syscall.SYS_GETPID, 0, 0, 0)
	}
}

//go:noinline
func loopRead1(n int, fd int, b []byte) {
	for i := 0; i < n; i++ {
		syscall.Read(fd, b)
	}
}

//go:noinline
func loopOsread1(n int, f *os.File, b []byte) {
	for i := 0; i < n; i++ {
		f.Read(b)
	}
}

//go:noinline
func loopFutexwake(n int) {
	p := uintptr(unsafe.Pointer(&word))
	for i := 0; i < n; i++ {
		syscall.Syscall6(syscall.SYS_FUTEX, p, futexWakePrivate, 1, 0, 0, 0)
	}
}

//go:noinline
func loopRtfutex(n int) {
	for i := 0; i < n; i++ {
		futexwakeup(&word, 1)
	}
}

//go:noinline
func loopNosys(n int) {
	for i := 0; i < n; i++ {
		syscall.RawSyscall(0x7fff, 0, 0, 0)
	}
}

var g0n int

// g0nosysBody runs on g0 (named so that callgrind's main.loop* toggle
// sees only loopG0nosys).
func g0nosysBody() {
	for i := 0; i < g0n; i++ {
		syscall.RawSyscall(0x7fff, 0, 0, 0)
	}
}

//go:noinline
func loopG0nosys(n int) {
	g0n = n
	systemstack(g0nosysBody)
}

//go:noinline
func loopPingpong(n int) {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		runtime.LockOSThread()
		for range ping {
			pong <- struct{}{}
		}
	}()
	runtime.LockOSThread()
	for i := 0; i < n; i++ {
		ping <- struct{}{}
		<-pong
	}
	close(ping)
}

func main() {
	mode := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		panic(err)
	}
	f, err := os.Open("/dev/zero")
	if err != nil {
		panic(err)
	}
	b := make([]byte, 1)
	loops := map[string]func(int){
		"getpid":    loopGetpid,
		"rawgetpid": loopRawgetpid,
		"sysgetpid": loopSysgetpid,
		"read1":     func(n int) { loopRead1(n, int(f.Fd()), b) },
		"osread1":   func(n int) { loopOsread1(n, f, b) },
		"futexwake": loopFutexwake,
		"rtfutex":   loopRtfutex,
		"nosys":     loopNosys,
		"g0nosys":   loopG0nosys,
		"pingpong":  loopPingpong,
	}
	loop, ok := loops[mode]
	if !ok {
		panic("unknown mode " + mode)
	}
	if mode == "osread1" {
		f.Read(b) // f.Fd() above made it blocking; first read outside the loop
	}
	// In batches (default 2000 calls, pingpong 20): besides the mean, the
	// fastest and the median batch. The fastest batch is the least
	// disturbed by other load on shared cores.
	batch := 2000
	if mode == "pingpong" {
		batch = 20
	}
	if batch > n {
		batch = n
	}
	var per []float64
	t := time.Now()
	for done := 0; done < n; done += batch {
		bt := time.Now()
		loop(batch)
		per = append(per, float64(time.Since(bt).Nanoseconds())/float64(batch))
	}
	el := time.Since(t)
	sort.Float64s(per)
	json.NewEncoder(os.Stdout).Encode(map[string]any{"mode": mode, "n": n, "ns_per_call": float64(el.Nanoseconds()) / float64(n),
		"min_ns_per_call": per[0], "median_ns_per_call": per[len(per)/2]})
}
