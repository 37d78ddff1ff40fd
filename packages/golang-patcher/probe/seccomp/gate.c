// seccomp gate: LD_PRELOAD=gate.so. A constructor finds the executable
// segments of libc, the dynamic loader and the vDSO (dl_iterate_phdr) and
// installs a seccomp filter that allows a system call only when its
// instruction pointer lies inside one of them; any other system call (e.g. a
// SYSCALL instruction in Go code) raises SIGSYS (SECCOMP_RET_TRAP), which the
// Go runtime reports as "SIGSYS: bad system call" with the PC.
// The filter is inherited across fork/execve: run under `setarch -R` (no
// ASLR) so that re-executed copies of the same binary map libc, ld.so and the
// vDSO at the same addresses.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <link.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define MAXR 16
static uintptr_t lo[MAXR], hi[MAXR];
static int nr;

static int cb(struct dl_phdr_info *info, size_t size, void *data) {
	const char *n = info->dlpi_name;
	int i;
	(void)size; (void)data;
	if (!(strstr(n, "libc.so") || strstr(n, "ld-linux") || strstr(n, "linux-vdso") || strstr(n, "ld-musl"))) return 0;
	for (i = 0; i < info->dlpi_phnum && nr < MAXR; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		if (p->p_type == PT_LOAD && (p->p_flags & PF_X)) {
			lo[nr] = info->dlpi_addr + p->p_vaddr;
			hi[nr] = lo[nr] + p->p_memsz;
			nr++;
		}
	}
	return 0;
}

#define IPLO offsetof(struct seccomp_data, instruction_pointer)
#define IPHI (offsetof(struct seccomp_data, instruction_pointer) + 4)

__attribute__((constructor)) static void gate(void) {
	struct sock_filter f[4 + MAXR * 5 + 2];
	struct sock_fprog prog;
	int k = 0, i;
	dl_iterate_phdr(cb, NULL);
	if (nr == 0) { fprintf(stderr, "gate: no libc segment found\n"); abort(); }
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	for (i = 0; i < nr; i++) {
		if ((lo[i] >> 32) != ((hi[i] - 1) >> 32)) { fprintf(stderr, "gate: segment crosses 4 GiB\n"); abort(); }
		// if ip.hi == lo.hi && ip.lo >= lo.lo && ip.lo < hi.lo: allow; else next range (5 insns)
		f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IPHI);
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(lo[i] >> 32), 0, 3);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IPLO);
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)lo[i], 0, 1);
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)hi[i], 0, (uint8_t)(5 * (nr - i - 1) + 1));
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		perror("gate: seccomp");
		abort();
	}
	if (getenv("GATE_VERBOSE")) {
		for (i = 0; i < nr; i++) fprintf(stderr, "gate: allow %#lx-%#lx\n", (unsigned long)lo[i], (unsigned long)hi[i]);
	}
}
