// census: a libc-level layer that sees every system call libc (and the
// dynamic loader) issue on behalf of the program, counted by number.
//
// How: when loaded (LD_PRELOAD=census.so for glibc; linked into a static musl
// binary as census.o) its constructor rewrites each SYSCALL instruction (0f 05)
// of libc and ld.so — listed by objdump in $CENSUS_SITES, see sites.sh — into
// CALL *%rax (ff d0), the same length. Page 0 holds a slide of one-byte NOPs
// ending in a jump to census_entry, so the call lands at the address equal to
// the system-call number, slides into the entry, which counts the number and
// issues the system call itself (zpoline's idea; written here from scratch).
// Each site is checked to hold 0f 05 before it is rewritten.
//
// What it cannot see: system calls issued before its constructor runs (the
// dynamic loader's start-up, libc's own initialisation) and calls the kernel
// re-runs by itself after a signal (ERESTARTSYS, restart_syscall). Page 0 must be mappable:
// vm.mmap_min_addr=0 (compare.sh sets it for the run when root).
//
// Counts are atomics; they are appended as "name count" lines to
// $CENSUS_OUT.<pid> right before exit_group, exit, execve and execveat, by code that
// uses no libc and no SSE registers (it runs in the middle of libc's code).
// After a fork-like clone the child's inherited counts are reset. The census's
// own system calls (its set-up and its dumps) are written as
// "census_self:<name>" so compare.sh can take them out of strace's numbers.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <fcntl.h>

#define MAXNR 512
// code that runs inside census_entry: no libc, no SSE registers (the
// interrupted libc code may hold values in them)
#define NOREG __attribute__((target("general-regs-only")))
#define ENTRY_CALLED __attribute__((target("general-regs-only"), used, visibility("hidden")))

unsigned long census_counts[MAXNR] __attribute__((visibility("hidden")));
static unsigned long self_counts[MAXNR];
static char out_path[4000];
static char flush_lock;
// set when exit_group is about to be flushed: other threads still run until
// the kernel stops them; their calls from then on go through census_flush
int census_exiting __attribute__((visibility("hidden")));

#include "sysnames.h" /* static const char *sysnames[MAXNR] */

// The census's own system calls: never rewritten (census code is not listed
// in the sites), counted apart.
static inline NOREG long census_raw(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
	long r;
	register long r10 __asm__("r10") = a4, r8 __asm__("r8") = a5, r9 __asm__("r9") = a6;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	self_counts[nr]++;
	return r;
}

static NOREG size_t put(char *b, size_t n, size_t cap, const char *s) {
	while (*s && n < cap) b[n++] = *s++;
	return n;
}

static NOREG size_t putnum(char *b, size_t n, size_t cap, unsigned long v) {
	char t[24];
	int i = 0;
	do { t[i++] = (char)('0' + v % 10); v /= 10; } while (v);
	while (i && n < cap) b[n++] = t[--i];
	return n;
}

static NOREG size_t putline(char *b, size_t n, size_t cap, const char *prefix, int nr, unsigned long c) {
	n = put(b, n, cap, prefix);
	if (sysnames[nr]) n = put(b, n, cap, sysnames[nr]);
	else { n = put(b, n, cap, "syscall_"); n = putnum(b, n, cap, (unsigned long)nr); }
	n = put(b, n, cap, " ");
	n = putnum(b, n, cap, c);
	return put(b, n, cap, "\n");
}

// Called by census_entry right before exit_group/exit/execve/execveat, and
// for each call other threads make after exit_group was announced. The flush
// before exit_group keeps the lock: threads arriving later wait on it until
// the kernel stops them, so every call strace sees was counted in a flush
// that was written in full.
void ENTRY_CALLED census_flush(long final) {
	static char buf[MAXNR * 64];
	char path[sizeof out_path + 24];
	size_t n = 0, p;
	long fd;
	int i;
	if (!out_path[0]) return;
	while (__atomic_test_and_set(&flush_lock, __ATOMIC_ACQUIRE)) {}
	p = put(path, 0, sizeof path - 1, out_path);
	p = put(path, p, sizeof path - 1, ".");
	p = putnum(path, p, sizeof path - 1, (unsigned long)census_raw(SYS_getpid, 0, 0, 0, 0, 0, 0));
	path[p] = 0;
	// about to happen: in this flush's lines
	self_counts[SYS_open]++; self_counts[SYS_write]++; self_counts[SYS_close]++;
	for (i = 0; i < MAXNR; i++) {
		unsigned long c = __atomic_exchange_n(&census_counts[i], 0, __ATOMIC_RELAXED);
		if (c) n = putline(buf, n, sizeof buf, "", i, c);
	}
	for (i = 0; i < MAXNR; i++) {
		unsigned long c = self_counts[i];
		self_counts[i] = 0;
		if (c) n = putline(buf, n, sizeof buf, "census_self:", i, c);
	}
	fd = census_raw(SYS_open, (long)path, O_WRONLY | O_CREAT | O_APPEND, 0644, 0, 0, 0);
	if (fd >= 0) {
		census_raw(SYS_write, fd, (long)buf, (long)n, 0, 0, 0);
		census_raw(SYS_close, fd, 0, 0, 0, 0, 0);
	}
	// already in the lines written
	self_counts[SYS_open] = self_counts[SYS_write] = self_counts[SYS_close] = 0;
	if (!final) __atomic_clear(&flush_lock, __ATOMIC_RELEASE);
}

// Called in the child of a fork-like clone (no shared memory): what it
// inherited was counted by the parent.
void ENTRY_CALLED census_forked(void) {
	volatile unsigned long *c = census_counts, *s = self_counts; // volatile: no memset call
	int i;
	for (i = 0; i < MAXNR; i++) c[i] = s[i] = 0;
	flush_lock = 0;
}

// census_entry: reached from CALL *%rax at a rewritten site through the NOP
// slide: %rax = number, (%rsp) = the site's next instruction. The caller's
// red zone already lost its top 8 bytes to that return address; paths that
// need more stack first step 128 bytes down.
#define SAVE "lea -128(%rsp),%rsp\n push %rax\n push %rdi\n push %rsi\n push %rdx\n push %r10\n push %r8\n push %r9\n" \
             "push %rbx\n mov %rsp,%rbx\n and $-16,%rsp\n"
#define RESTORE "mov %rbx,%rsp\n pop %rbx\n pop %r9\n pop %r8\n pop %r10\n pop %rdx\n pop %rsi\n pop %rdi\n pop %rax\n" \
                "lea 128(%rsp),%rsp\n"
__asm__(".text\n"
        ".globl census_entry\n .hidden census_entry\n .type census_entry,@function\n"
        "census_entry:\n"
        " cmp $" "512" ",%rax\n jae 1f\n"
        " lea census_counts(%rip),%r11\n lock incq (%r11,%rax,8)\n"
        " cmpl $0,census_exiting(%rip)\n jne .Lc_late\n"
        "1:\n"
        " cmp $15,%rax\n je .Lc_sigreturn\n"
        " cmp $59,%rax\n je .Lc_flush\n"
        " cmp $60,%rax\n je .Lc_flush\n"
        " cmp $231,%rax\n je .Lc_flush\n"
        " cmp $322,%rax\n je .Lc_flush\n"
        " cmp $56,%rax\n je .Lc_clone\n"
        " cmp $435,%rax\n je .Lc_clone3\n"
        " cmp $57,%rax\n je .Lc_fork\n"
        " cmp $58,%rax\n je .Lc_shared\n"
        " syscall\n ret\n"
        // rt_sigreturn reads the signal frame at %rsp: drop the return address
        ".Lc_sigreturn:\n add $8,%rsp\n syscall\n ud2\n"
        ".Lc_flush:\n" SAVE " xor %edi,%edi\n cmp $231,%rax\n jne 4f\n"
        " movl $1,census_exiting(%rip)\n mov $1,%edi\n4:\n call census_flush\n" RESTORE " syscall\n ret\n"
        ".Lc_late:\n" SAVE " xor %edi,%edi\n call census_flush\n" RESTORE " jmp 1b\n"
        // clone(flags=%rdi, stack=%rsi, ...)
        ".Lc_clone:\n test %rsi,%rsi\n jnz .Lc_newstack\n test $0x100,%edi\n jnz .Lc_shared\n jmp .Lc_fork\n"
        // clone3(args=%rdi, size): args->stack at 40, args->flags at 0
        ".Lc_clone3:\n cmpq $0,40(%rdi)\n jne .Lc_newstack\n testq $0x100,(%rdi)\n jnz .Lc_shared\n jmp .Lc_fork\n"
        // own copy of the stack: both return normally; the child resets
        ".Lc_fork:\n syscall\n test %rax,%rax\n jnz 2f\n" SAVE " call census_forked\n" RESTORE "2:\n ret\n"
        // stack shared with a child that runs first (vfork, CLONE_VM without
        // a stack): nothing may stay on it across the call
        ".Lc_shared:\n pop %r9\n syscall\n jmp *%r9\n"
        // a thread on its own stack: it finds the return address in %r12
        // (never used by libc's clone wrappers in the child, which then call
        // the thread function and exit); the parent gets %r12 back
        ".Lc_newstack:\n lea -128(%rsp),%rsp\n push %r12\n mov 136(%rsp),%r12\n syscall\n test %rax,%rax\n jz 3f\n"
        " pop %r12\n lea 128(%rsp),%rsp\n ret\n"
        "3:\n jmp *%r12\n"
        ".size census_entry,.-census_entry\n");
void census_entry(void);

// "<object> <hex vaddr>" lines; <object> is a basename ("libc.so.6") or MAIN
static char *sites;

static int census_rewrite(struct dl_phdr_info *info, size_t size, void *data) {
	// the program comes first (glibc names it "", static musl "/proc/self/exe")
	unsigned long *stats = data;
	const char *name = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
	const char *obj = stats[2]++ == 0 ? "MAIN" : name ? name + 1 : info->dlpi_name;
	size_t olen = strlen(obj);
	char *line;
	int i;
	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		unsigned long lo, hi;
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
		lo = (info->dlpi_addr + ph->p_vaddr) & ~4095UL;
		hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + 4095) & ~4095UL;
		if (census_raw(SYS_mprotect, (long)lo, (long)(hi - lo), PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0) != 0) continue;
		for (line = sites; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
			unsigned long va, at;
			unsigned char *p;
			if (strncmp(line, obj, olen) != 0 || line[olen] != ' ') continue;
			va = strtoul(line + olen + 1, NULL, 16);
			if (va < ph->p_vaddr || va + 2 > ph->p_vaddr + ph->p_memsz) continue;
			at = info->dlpi_addr + va;
			p = (unsigned char *)at;
			if (p[0] == 0x0f && p[1] == 0x05) { p[0] = 0xff; p[1] = 0xd0; stats[0]++; }
			else stats[1]++;
		}
		census_raw(SYS_mprotect, (long)lo, (long)(hi - lo), PROT_READ | PROT_EXEC, 0, 0, 0);
	}
	return 0;
}

static void census_fail(const char *msg) {
	census_raw(SYS_write, 2, (long)"census: ", 8, 0, 0, 0);
	census_raw(SYS_write, 2, (long)msg, (long)strlen(msg), 0, 0, 0);
	census_raw(SYS_exit_group, 97, 0, 0, 0, 0, 0);
}

__attribute__((constructor)) static void census_init(void) {
	static char text[1 << 20];
	const char *out = getenv("CENSUS_OUT"), *sf = getenv("CENSUS_SITES");
	unsigned long stats[3] = {0, 0, 0}; // rewritten, not a SYSCALL, objects seen
	unsigned char *page;
	long fd, n, got = 0;
	if (!out || !sf) return;
	if (strlen(out) >= sizeof out_path) census_fail("CENSUS_OUT too long\n");
	strcpy(out_path, out);
	fd = census_raw(SYS_open, (long)sf, O_RDONLY, 0, 0, 0, 0);
	if (fd < 0) census_fail("cannot open $CENSUS_SITES\n");
	while ((n = census_raw(SYS_read, fd, (long)(text + got), (long)(sizeof text - 1 - got), 0, 0, 0)) > 0) got += n;
	census_raw(SYS_close, fd, 0, 0, 0, 0, 0);
	text[got] = 0;
	sites = text;
	page = (unsigned char *)census_raw(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (page != NULL) census_fail("cannot map page 0 for the trampoline (needs vm.mmap_min_addr=0)\n");
	memset(page, 0x90, MAXNR);
	page[MAXNR] = 0x49; page[MAXNR + 1] = 0xbb; // movabs $census_entry,%r11
	{ unsigned long e = (unsigned long)&census_entry; memcpy(page + MAXNR + 2, &e, 8); }
	page[MAXNR + 10] = 0x41; page[MAXNR + 11] = 0xff; page[MAXNR + 12] = 0xe3; // jmp *%r11
	census_raw(SYS_mprotect, 0, 4096, PROT_READ | PROT_EXEC, 0, 0, 0);
	dl_iterate_phdr(census_rewrite, stats);
	if (stats[1]) census_fail("a listed site does not hold a SYSCALL instruction (stale $CENSUS_SITES?)\n");
	if (!stats[0]) census_fail("no SYSCALL site rewritten (empty $CENSUS_SITES?)\n");
}
