package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// statLine is a /proc/<pid>/stat line with the given pgrp and times (the other fields as the kernel
// writes them, so the positions are the real ones).
func statLine(pid int, comm string, pgrp int, ut, st, cut, cst uint64) string {
	return fmt.Sprintf("%d (%s) S 1 %d %d 0 -1 4194560 1000 0 0 0 %d %d %d %d 20 0 9 0 12345 1234567 890 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0",
		pid, comm, pgrp, pgrp, ut, st, cut, cst)
}

type fakeProc struct{ root string }

func (f fakeProc) set(t *testing.T, pid int, line string) {
	t.Helper()
	d := filepath.Join(f.root, fmt.Sprint(pid))
	if err := os.MkdirAll(filepath.Join(d, "task", fmt.Sprint(pid)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "stat"), []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// the per-thread line repeats the numbers: it must not be counted a second time
	if err := os.WriteFile(filepath.Join(d, "task", fmt.Sprint(pid), "stat"), []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f fakeProc) remove(t *testing.T, pid int) {
	if err := os.RemoveAll(filepath.Join(f.root, fmt.Sprint(pid))); err != nil {
		t.Fatal(err)
	}
}

func TestParseProcStatWithAWeirdCommandName(t *testing.T) {
	s, err := ParseProcStat(statLine(4242, "caddy (x) y", 4240, 150, 50, 7, 3))
	if err != nil {
		t.Fatal(err)
	}
	if s.PID != 4242 || s.Comm != "caddy (x) y" || s.PGRP != 4240 || s.UTime != 150 || s.STime != 50 || s.CUTime != 7 || s.CSTime != 3 || s.Ticks() != 210 {
		t.Errorf("%+v", s)
	}
	for _, bad := range []string{"", "12 caddy S 1", "x (c) S 1 2 3", "12 (c) S 1 2 3 4 5 6 7 8 9 10 11"} {
		if _, err := ParseProcStat(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// A launcher (pid 100, group 100) and the server it started (pid 101, group 100) under test, an
// unrelated process (pid 200) and a non-numeric entry. Between two samples the server uses 3.5 s user +
// 0.5 s system, the launcher 0.1 s, a helper started in between (pid 102) 0.2 s, the unrelated one a
// lot: the group's CPU is 4.3 s at 100 ticks/s. Per-thread task lines are not counted twice.
func TestGroupCPUFromAFakeProc(t *testing.T) {
	f := fakeProc{t.TempDir()}
	os.WriteFile(filepath.Join(f.root, "self"), nil, 0o644)
	os.MkdirAll(filepath.Join(f.root, "sys"), 0o755)
	f.set(t, 100, statLine(100, "sh", 100, 5, 5, 0, 0))
	f.set(t, 101, statLine(101, "caddy", 100, 1000, 200, 0, 0))
	f.set(t, 200, statLine(200, "other", 200, 50, 50, 0, 0))
	p := ProcFS{Root: f.root, ClkTck: 100}
	a, err := p.SampleGroup(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 2 || a[100] != 10 || a[101] != 1200 {
		t.Fatalf("sample %v", a)
	}
	f.set(t, 100, statLine(100, "sh", 100, 10, 10, 0, 0))
	f.set(t, 101, statLine(101, "caddy", 100, 1350, 250, 0, 0))
	f.set(t, 102, statLine(102, "helper", 100, 15, 5, 0, 0))
	f.set(t, 200, statLine(200, "other", 200, 5000, 5000, 0, 0))
	b, err := p.SampleGroup(100)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.CPUBetween(a, b), 4300*time.Millisecond; got != want {
		t.Errorf("group CPU %v, want %v", got, want)
	}
	// the helper exits and the launcher waits for it: its time moves into the launcher's cutime/cstime
	f.remove(t, 102)
	f.set(t, 100, statLine(100, "sh", 100, 10, 10, 15, 5))
	c, _ := p.SampleGroup(100)
	if got := p.CPUBetween(b, c); got != 0 {
		t.Errorf("reaping moved %v", got)
	}
	if got := p.CPUBetween(a, c); got != 4300*time.Millisecond {
		t.Errorf("a→c %v", got)
	}
	// with another USER_HZ
	if got := (ProcFS{Root: f.root, ClkTck: 250}).CPUBetween(a, b); got != 1720*time.Millisecond {
		t.Errorf("at 250 ticks/s %v", got)
	}
	if _, err := p.SampleGroup(999); err == nil {
		t.Error("an empty group sampled")
	}
}

func TestClockTicksAndOwnCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("linux /proc")
	}
	if hz := ClockTicks(); hz < 10 || hz > 10000 {
		t.Errorf("CLK_TCK %d", hz)
	}
	p := ProcFS{Root: "/proc"}
	c0, err := p.SelfCPU()
	if err != nil {
		t.Fatal(err)
	}
	// spin until our own counter moved by 150 ms: it must, within a few seconds, and not faster than the wall clock
	t0 := time.Now()
	x := 0.0
	var c1 time.Duration
	for time.Since(t0) < 10*time.Second {
		for i := 0; i < 100000; i++ {
			x += float64(i) * 1e-9
		}
		if c1, _ = p.SelfCPU(); c1-c0 >= 150*time.Millisecond {
			break
		}
	}
	wall := time.Since(t0)
	if d := c1 - c0; d < 150*time.Millisecond || float64(wall) < 0.5*float64(d) {
		t.Errorf("own CPU moved %v in %v of spinning (x=%v)", d, wall, x)
	}
	// our own process group is found
	pg, err := p.SampleGroup(syscall.Getpgrp())
	if err != nil || len(pg) == 0 {
		t.Errorf("own group: %v %v", pg, err)
	}
}
