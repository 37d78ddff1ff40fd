package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// lineLog collects a process's output: everything to an optional file, the last lines in memory,
// and remembers whether a marker line (e.g. "shutdown complete") was seen.
type lineLog struct {
	mu      sync.Mutex
	file    io.Writer
	partial []byte
	tail    []string
	keep    int
	markers map[string]bool
	echo    io.Writer
	prefix  string
}

func newLineLog(file io.Writer, keep int, echo io.Writer, prefix string, markers ...string) *lineLog {
	m := map[string]bool{}
	for _, s := range markers {
		m[s] = false
	}
	return &lineLog{file: file, keep: keep, markers: m, echo: echo, prefix: prefix}
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		l.file.Write(p)
	}
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *lineLog) line(s string) {
	s = strings.TrimRight(s, "\r")
	l.tail = append(l.tail, s)
	if len(l.tail) > l.keep {
		l.tail = l.tail[len(l.tail)-l.keep:]
	}
	for m := range l.markers {
		if strings.Contains(s, m) {
			l.markers[m] = true
		}
	}
	if l.echo != nil {
		fmt.Fprintf(l.echo, "%s%s\n", l.prefix, s)
	}
}

func (l *lineLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.line(string(l.partial))
		l.partial = nil
	}
}

func (l *lineLog) Tail(n int) []string {
	l.flush()
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.tail
	if len(t) > n {
		t = t[len(t)-n:]
	}
	return append([]string(nil), t...)
}

func (l *lineLog) Seen(marker string) bool {
	l.flush()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.markers[marker]
}

// Proc is a server process under test.
type Proc struct {
	Name    string
	Argv    []string
	cmd     *exec.Cmd
	Log     *lineLog
	done    chan struct{}
	waitErr error
	logFile *os.File
}

// StartProc starts argv with its output captured; logPath "" keeps the log in memory only. Log.Seen
// answers for the markers (e.g. a server's "shutdown complete"). A pinned plan starts it on the server CPUs.
func StartProc(name string, argv []string, dir, logPath string, echo io.Writer, pin *BenchPinning, markers ...string) (*Proc, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	p := &Proc{Name: name, Argv: argv, done: make(chan struct{})}
	var file io.Writer
	if logPath != "" {
		f, err := os.Create(logPath)
		if err != nil {
			return nil, fmt.Errorf("log file: %w", err)
		}
		p.logFile, file = f, f
	}
	prefix := ""
	if echo != nil {
		prefix = "[" + name + "] "
	}
	p.Log = newLineLog(file, 200, echo, prefix, markers...)
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p.Log, p.Log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var server, client []int
	if pin.Pinned() {
		server, client = pin.Server, pin.Client
	}
	if err := onCPUs(server, client, p.cmd.Start); err != nil {
		if p.logFile != nil {
			p.logFile.Close()
		}
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		if p.logFile != nil {
			p.logFile.Close()
		}
		close(p.done)
	}()
	return p, nil
}

func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitCode is the exit code after exit (-1 when killed by a signal or still running).
func (p *Proc) ExitCode() int {
	if !p.Exited() || p.cmd.ProcessState == nil {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *Proc) ExitDescription() string {
	if !p.Exited() {
		return "running"
	}
	if p.cmd.ProcessState == nil {
		return fmt.Sprint(p.waitErr)
	}
	return p.cmd.ProcessState.String()
}

// Stop sends SIGTERM and waits up to grace; then SIGKILLs the process group. Returns whether it
// exited by itself within grace.
func (p *Proc) Stop(grace time.Duration) bool {
	if p.Exited() {
		return true
	}
	// to the process group: a launcher/wrapper and the server it started both get it
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
		return true
	case <-time.After(grace):
	}
	p.Kill()
	return false
}

// Kill kills the process group at once and waits for the exit.
func (p *Proc) Kill() {
	if p.Exited() {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// WaitPort waits until addr accepts TCP connections, the process exits, or timeout/ctx ends.
func WaitPort(ctx context.Context, addr string, timeout time.Duration, p *Proc) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if p != nil && p.Exited() {
			return fmt.Errorf("%s exited before %s opened (%s)", p.Name, addr, p.ExitDescription())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not open after %s", addr, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// PortFree reports an error when something already listens on addr (we'd measure the wrong server).
func PortFree(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return nil
	}
	c.Close()
	return fmt.Errorf("%s is already in use by another process", addr)
}

// WaitPortFree waits until nothing listens on addr.
func WaitPortFree(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := PortFree(addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
