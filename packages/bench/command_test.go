package bench

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tg, err := ParseTarget("upstream=/usr/local/bin/caddy.upstream file-server --domain localhost")
	if err != nil || tg.Name != "upstream" || len(tg.Command) != 4 || tg.Command[3] != "localhost" {
		t.Fatalf("%+v %v", tg, err)
	}
	for _, bad := range []string{"nocommand", "=cmd", "x="} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A device or FIFO given as --out (--out /dev/null) is written in place: a rename over
// it would replace the node with a regular file (it did, for /dev/null, through a chroot
// that bind-mounted the host's /dev).
func TestWriteJSONKeepsANonRegularTarget(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	if err := WriteJSON(fifo, map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("%s is no longer a FIFO: %v", fifo, err)
	}
	var v map[string]int
	if b := <-got; json.Unmarshal(b, &v) != nil || v["n"] != 1 {
		t.Fatalf("the reader got %q", b)
	}
	if _, err := os.Stat(fifo + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("a temporary file was left: %v", err)
	}

	file := filepath.Join(dir, "sub", "res.json")
	if err := WriteJSON(file, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "[\n  1,\n  2\n]\n" {
		t.Fatalf("%q %v", b, err)
	}
	if _, err := os.Stat(file + ".tmp"); !os.IsNotExist(err) {
		t.Fatalf("a temporary file was left: %v", err)
	}
}
