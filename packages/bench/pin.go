package bench

// Pinning: the load generator and the servers under test on disjoint CPUs, so that a server's latency and
// saturation are not the load generator's scheduling. The servers inherit their CPUs at fork: the thread that
// starts a target switches to the server CPUs for the fork only (affinity is per thread and a child inherits the
// forking thread's), every other thread of this process keeps the load generator's.

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// BenchPinning is what bench.json says of the CPUs: Server and Client empty when not pinned (Note says why).
type BenchPinning struct {
	Server []int  `json:"server"`
	Client []int  `json:"client"`
	Note   string `json:"note"`
}

func (p BenchPinning) pinned() bool { return len(p.Server) > 0 && len(p.Client) > 0 }

// Pinned reports whether the plan separates server and load generator.
func (p *BenchPinning) Pinned() bool { return p != nil && p.pinned() }

// String: "server CPUs 0, load generator CPUs 1" or the note.
func (p BenchPinning) String() string {
	if !p.pinned() {
		return "not pinned: " + p.Note
	}
	return fmt.Sprintf("server CPUs %s, load generator CPUs %s", cpuList(p.Server), cpuList(p.Client))
}

// MarshalJSON writes the fields and "text" (String), which the report and the summary print as they are.
func (p BenchPinning) MarshalJSON() ([]byte, error) {
	type plain BenchPinning
	return json.Marshal(struct {
		plain
		Text string `json:"text"`
	}{plain(p), p.String()})
}

func cpuList(cpus []int) string {
	parts := make([]string, len(cpus))
	for i, c := range cpus {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}

type cpuMask [16]uint64 // 1024 CPUs

func maskOf(cpus []int) cpuMask {
	var m cpuMask
	for _, c := range cpus {
		m[c/64] |= 1 << (uint(c) % 64)
	}
	return m
}

func setAffinity(tid int, cpus []int) error {
	m := maskOf(cpus)
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m)))
	if e != 0 {
		return e
	}
	return nil
}

// AllowedCPUs are the CPUs this process may run on (sched_getaffinity), ascending.
func AllowedCPUs() ([]int, error) {
	var m cpuMask
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m)))
	if e != 0 {
		return nil, e
	}
	var cpus []int
	for i := 0; i < len(m)*64; i++ {
		if m[i/64]&(1<<(uint(i)%64)) != 0 {
			cpus = append(cpus, i)
		}
	}
	return cpus, nil
}

func parseCPUs(s string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b >= len(cpuMask{})*64 {
			return nil, fmt.Errorf("%q: expected CPU numbers and ranges such as 0 or 0-1,3", s)
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// PlanPinning reads --pin: "auto" (the allowed CPUs split in two, the first half for the servers; none with one
// CPU), "off", or "server=<cpus>:client=<cpus>" (disjoint, within the allowed ones).
func PlanPinning(spec string, allowed []int) (*BenchPinning, error) {
	switch spec {
	case "off":
		return &BenchPinning{Note: "--pin off"}, nil
	case "", "auto":
		if len(allowed) < 2 {
			return &BenchPinning{Note: fmt.Sprintf("%d CPU allowed: load generator and servers share it", len(allowed))}, nil
		}
		half := (len(allowed) + 1) / 2
		return &BenchPinning{Server: append([]int(nil), allowed[:half]...), Client: append([]int(nil), allowed[half:]...)}, nil
	}
	var p BenchPinning
	for _, part := range strings.Split(spec, ":") {
		key, value, _ := strings.Cut(part, "=")
		cpus, err := parseCPUs(value)
		if err != nil {
			return nil, fmt.Errorf("--pin %s", err)
		}
		switch key {
		case "server":
			p.Server = cpus
		case "client":
			p.Client = cpus
		default:
			return nil, fmt.Errorf("--pin %q: expected auto, off or server=<cpus>:client=<cpus>", spec)
		}
	}
	if len(p.Server) == 0 || len(p.Client) == 0 {
		return nil, fmt.Errorf("--pin %q: expected both server= and client=", spec)
	}
	ok := map[int]bool{}
	for _, c := range allowed {
		ok[c] = true
	}
	for _, c := range append(append([]int(nil), p.Server...), p.Client...) {
		if !ok[c] {
			return nil, fmt.Errorf("--pin %q: CPU %d is not allowed for this process (allowed: %s)", spec, c, cpuList(allowed))
		}
	}
	for _, s := range p.Server {
		for _, c := range p.Client {
			if s == c {
				return nil, fmt.Errorf("--pin %q: CPU %d is both the server's and the load generator's", spec, s)
			}
		}
	}
	return &p, nil
}

// PinProcess moves every thread of this process to cpus (threads started later inherit it from their creator).
func PinProcess(cpus []int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("pin the load generator: %w", err)
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := setAffinity(tid, cpus); err != nil && err != syscall.ESRCH {
			return fmt.Errorf("pin the load generator (thread %d) to CPUs %s: %w", tid, cpuList(cpus), err)
		}
	}
	return nil
}

// onCPUs runs start (a fork) on a thread switched to cpus for the time of the call, then back to restore.
func onCPUs(cpus, restore []int, start func() error) error {
	if len(cpus) == 0 {
		return start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := setAffinity(0, cpus); err != nil {
		return fmt.Errorf("pin the server to CPUs %s: %w", cpuList(cpus), err)
	}
	err := start()
	if rerr := setAffinity(0, restore); rerr != nil && err == nil {
		err = fmt.Errorf("restore the load generator's CPUs %s: %w", cpuList(restore), rerr)
	}
	return err
}
