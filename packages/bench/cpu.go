package bench

// CPU accounting of the server under test from /proc.
//
// /proc/<pid>/stat fields 14–17 are utime, stime (all threads of the process) and cutime, cstime
// (children it has waited for), in clock ticks. A server under test runs in its own process group
// (StartProc sets Setpgid), so the server's CPU time is the sum over every process whose field 5
// (pgrp) is that group: a launcher and the server it started both count. Threads are included by the
// kernel in their process's line (the per-thread lines under /proc/<pid>/task are not read, so nothing
// is counted twice).

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ProcStat is the part of /proc/<pid>/stat we use.
type ProcStat struct {
	PID    int
	Comm   string
	PGRP   int
	UTime  uint64 // ticks
	STime  uint64
	CUTime uint64
	CSTime uint64
}

// Ticks is the process's own CPU time plus that of its waited-for children.
func (s ProcStat) Ticks() uint64 { return s.UTime + s.STime + s.CUTime + s.CSTime }

// ParseProcStat parses one /proc/<pid>/stat line. The command name (field 2) is in parentheses and
// may itself contain spaces and ')', so the fields are counted after the last ')'.
func ParseProcStat(line string) (ProcStat, error) {
	open := strings.IndexByte(line, '(')
	closing := strings.LastIndexByte(line, ')')
	if open < 0 || closing < open {
		return ProcStat{}, fmt.Errorf("stat: no (comm) in %q", line)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return ProcStat{}, fmt.Errorf("stat: pid: %w", err)
	}
	f := strings.Fields(line[closing+1:]) // f[0] is field 3 (state)
	if len(f) < 15 {
		return ProcStat{}, fmt.Errorf("stat: %d fields after comm, want ≥ 15", len(f))
	}
	num := func(field int) (uint64, error) { return strconv.ParseUint(f[field-3], 10, 64) }
	s := ProcStat{PID: pid, Comm: line[open+1 : closing]}
	pg, err := strconv.Atoi(f[5-3])
	if err != nil {
		return ProcStat{}, fmt.Errorf("stat: pgrp: %w", err)
	}
	s.PGRP = pg
	for i, dst := range []*uint64{&s.UTime, &s.STime, &s.CUTime, &s.CSTime} {
		v, err := num(14 + i)
		if err != nil {
			return ProcStat{}, fmt.Errorf("stat: field %d: %w", 14+i, err)
		}
		*dst = v
	}
	return s, nil
}

// ProcFS reads process statistics below a /proc root ("/proc", or a fake tree in tests).
type ProcFS struct {
	Root   string
	ClkTck int // ticks per second (sysconf(_SC_CLK_TCK)); 0 → ClockTicks()
}

func (p ProcFS) tck() float64 {
	if p.ClkTck > 0 {
		return float64(p.ClkTck)
	}
	return float64(ClockTicks())
}

// Stat reads /proc/<pid>/stat.
func (p ProcFS) Stat(pid int) (ProcStat, error) {
	b, err := os.ReadFile(filepath.Join(p.Root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return ProcStat{}, err
	}
	return ParseProcStat(string(bytes.TrimSpace(b)))
}

// Group returns the stat of every process in process group pgid (processes that vanish while the
// directory is read are skipped).
func (p ProcFS) Group(pgid int) ([]ProcStat, error) {
	ents, err := os.ReadDir(p.Root)
	if err != nil {
		return nil, err
	}
	var out []ProcStat
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		s, err := p.Stat(pid)
		if err != nil {
			continue // exited meanwhile, or not readable
		}
		if s.PGRP == pgid {
			out = append(out, s)
		}
	}
	return out, nil
}

// GroupSample is the CPU ticks per process of a group at one moment.
type GroupSample map[int]uint64

func (p ProcFS) SampleGroup(pgid int) (GroupSample, error) {
	ps, err := p.Group(pgid)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("no process in group %d under %s", pgid, p.Root)
	}
	s := GroupSample{}
	for _, st := range ps {
		s[st.PID] = st.Ticks()
	}
	return s, nil
}

// CPUBetween is the group's CPU time between two samples: the group's total ticks at b minus its total
// at a. Each total counts a member's own time plus that of the children it has waited for, so a
// process that starts in between counts from its start, and one that exits in between and is waited
// for by a member (the normal fork/wait structure of a server and its helpers) moves its whole time
// into that member's cutime/cstime without being counted twice. Only a member that exits and is
// reaped outside the group (reparented to init) loses its time since a; the result is never negative.
func (p ProcFS) CPUBetween(a, b GroupSample) time.Duration {
	var ta, tb uint64
	for _, t := range a {
		ta += t
	}
	for _, t := range b {
		tb += t
	}
	if tb <= ta {
		return 0
	}
	return time.Duration(float64(tb-ta) / p.tck() * float64(time.Second))
}

// SelfCPU is this process's own CPU time (the load generator's), from /proc/self/stat.
func (p ProcFS) SelfCPU() (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(p.Root, "self", "stat"))
	if err != nil {
		return 0, err
	}
	s, err := ParseProcStat(string(bytes.TrimSpace(b)))
	if err != nil {
		return 0, err
	}
	return time.Duration(float64(s.UTime+s.STime) / p.tck() * float64(time.Second)), nil
}

var clockTicks int

// ClockTicks is the kernel's USER_HZ (sysconf(_SC_CLK_TCK)) read from the auxiliary vector
// (/proc/self/auxv, AT_CLKTCK = 17) without cgo; 100 when unreadable (the value on every Linux
// architecture we run on).
func ClockTicks() int {
	if clockTicks > 0 {
		return clockTicks
	}
	clockTicks = 100
	if b, err := os.ReadFile("/proc/self/auxv"); err == nil {
		if v, ok := auxvValue(b, 17); ok && v > 0 && v < 1_000_000 {
			clockTicks = int(v)
		}
	}
	return clockTicks
}

// auxvValue finds key in a native-endian auxv (pairs of machine words).
func auxvValue(b []byte, key uint64) (uint64, bool) {
	w := strconv.IntSize / 8
	word := func(p []byte) uint64 {
		if w == 4 {
			return uint64(binary.NativeEndian.Uint32(p))
		}
		return binary.NativeEndian.Uint64(p)
	}
	for i := 0; i+2*w <= len(b); i += 2 * w {
		k := word(b[i:])
		v := word(b[i+w:])
		if k == 0 {
			break
		}
		if k == key {
			return v, true
		}
	}
	return 0, false
}
