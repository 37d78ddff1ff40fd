// Command scanner reports SYSCALL/SYSENTER/INT $0x80 instructions that lie
// inside Go functions of an ELF binary. Go functions are those of the Go
// pclntab (debug/gosym), so C code linked in (libc, runtime/cgo's C part,
// static musl) is excluded by construction. Candidate instructions come
// from objdump on stdin: lines "ADDR SYMBOL INSN".
//
// usage: objdump ... | scanner BINARY   (see scan-syscalls.sh)
package main

import (
	"bufio"
	"debug/elf"
	"debug/gosym"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

type site struct {
	Addr   string `json:"addr"`
	Func   string `json:"func"`
	Insn   string `json:"insn"`
	ElfSym string `json:"elf_symbol"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: scanner BINARY < candidates")
		os.Exit(2)
	}
	bin := os.Args[1]
	f, err := elf.Open(bin)
	check(err)
	pcln := f.Section(".gopclntab")
	text := f.Section(".text")
	if pcln == nil || text == nil {
		check(fmt.Errorf("%s: no .gopclntab/.text (not a Go binary?)", bin))
	}
	data, err := pcln.Data()
	check(err)
	// Function addresses in the pclntab are relative to runtime.text, which an
	// external link may place after C code in .text (static libc: far after).
	textStart := text.Addr
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			if s.Name == "runtime.text" {
				textStart = s.Value
				break
			}
		}
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, textStart))
	check(err)
	sites := []site{}
	other := 0
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fs := strings.SplitN(sc.Text(), " ", 3)
		if len(fs) != 3 {
			continue
		}
		pc, err := strconv.ParseUint(fs[0], 16, 64)
		check(err)
		fn := tab.PCToFunc(pc)
		if fn == nil || pc < fn.Entry || pc >= fn.End {
			other++
			continue
		}
		sites = append(sites, site{Addr: "0x" + fs[0], Func: fn.Name, Insn: fs[2], ElfSym: fs[1]})
	}
	check(sc.Err())
	out := map[string]any{"binary": bin, "raw_sites": len(sites), "sites": sites, "non_go_sites": other, "go_funcs": len(tab.Funcs)}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "scanner:", err)
		os.Exit(1)
	}
}
