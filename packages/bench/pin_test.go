package bench

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestPlanPinning(t *testing.T) {
	p, err := PlanPinning("auto", []int{0, 1})
	if err != nil || !p.Pinned() || p.String() != "server CPUs 0, load generator CPUs 1" {
		t.Fatalf("auto on 2 CPUs: %v %v", p, err)
	}
	p, _ = PlanPinning("auto", []int{0, 1, 2, 3, 4})
	if p.String() != "server CPUs 0,1,2, load generator CPUs 3,4" {
		t.Fatalf("auto on 5 CPUs: %v", p)
	}
	p, _ = PlanPinning("auto", []int{3})
	if p.Pinned() || p.String() != "not pinned: 1 CPU allowed: load generator and servers share it" {
		t.Fatalf("auto on 1 CPU: %v", p)
	}
	if p, _ = PlanPinning("off", []int{0, 1}); p.Pinned() {
		t.Fatal("off pinned")
	}
	p, err = PlanPinning("server=0-1,3:client=2", []int{0, 1, 2, 3})
	if err != nil || p.String() != "server CPUs 0,1,3, load generator CPUs 2" {
		t.Fatalf("explicit: %v %v", p, err)
	}
	for spec, want := range map[string]string{
		"server=0:client=0":  "CPU 0 is both the server's and the load generator's",
		"server=0:client=7":  "CPU 7 is not allowed for this process (allowed: 0,1)",
		"server=0":           "expected both server= and client=",
		"server=x:client=1":  `"x": expected CPU numbers and ranges`,
		"cores=0:client=1":   "expected auto, off or server=<cpus>:client=<cpus>",
		"server=1-0:client=": "expected CPU numbers and ranges",
	} {
		if _, err := PlanPinning(spec, []int{0, 1}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", spec, err, want)
		}
	}
}

// The real thing: this process moves to one CPU, a child started by StartProc runs on the other (read back from
// the kernel: /proc/<pid>/status Cpus_allowed_list), this process's threads keep theirs.
func TestStartProcOnServerCPUs(t *testing.T) {
	allowed, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(allowed) < 2 {
		t.Skip("one CPU: nothing to separate")
	}
	defer PinProcess(allowed)
	pin, _ := PlanPinning("auto", allowed)
	if err := PinProcess(pin.Client); err != nil {
		t.Fatal(err)
	}
	p, err := StartProc("sleep", []string{"sleep", "5"}, "/", "", nil, pin)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	list := func(pid string) string {
		b, _ := os.ReadFile("/proc/" + pid + "/status")
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	if got, want := list(strconv.Itoa(p.cmd.Process.Pid)), cpuRanges(pin.Server); got != want {
		t.Errorf("server CPUs %q, want %q", got, want)
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		if got, want := list("self/task/"+task.Name()), cpuRanges(pin.Client); got != want {
			t.Errorf("thread %s: CPUs %q, want the load generator's %q", task.Name(), got, want)
		}
	}
}

// the kernel's list form of ascending CPUs: "0", "0-2", "1,3"
func cpuRanges(cpus []int) string {
	var parts []string
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, strconv.Itoa(cpus[i])+"-"+strconv.Itoa(cpus[j]))
		} else {
			parts = append(parts, strconv.Itoa(cpus[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
