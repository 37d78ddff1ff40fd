// census: a libc-level layer that sees every system call libc (and the
// dynamic loader) issue on behalf of the program, counted by number.
//
// How: each SYSCALL instruction (0f 05) of libc and ld.so — listed by objdump
// in $CENSUS_SITES, see sites.sh — is rewritten into CALL *%rax (ff d0), the
// same length. Page 0 holds a slide of one-byte NOPs ending in a jump to
// census_entry, so the call lands at the address equal to the system-call
// number, slides into the entry, which counts the number and issues the
// system call itself (zpoline's idea; written here from scratch). Each site is
// checked to hold 0f 05 before it is rewritten. Libraries mapped later
// (dlopen, or ld.so loading libc under census-ld) are rewritten when their
// executable segment is mapped: the entry follows open/openat/close to know
// which file a descriptor is, and mmap with PROT_EXEC of a listed file
// rewrites the sites (by file offset) inside the new mapping.
//
// Three ways in:
// - census-ld.c (glibc, dynamic): the program's ELF interpreter; it maps the
//   real ld.so, rewrites it and the program before ld.so's first instruction,
//   so the loader's start-up and libc's initialisation are seen too.
// - LD_PRELOAD=census.so, or linked into a static musl binary as census.o:
//   the constructor below rewrites what is mapped; what ran before it (ld.so's
//   start-up, libc's initialisation) is not seen.
// Neither sees calls the kernel re-runs by itself after a signal (ERESTARTSYS,
// restart_syscall). Page 0 must be mappable: vm.mmap_min_addr=0 (compare.sh
// sets it for the run when root).
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
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <fcntl.h>

#define MAXNR 512
// code that runs inside census_entry: no libc, no SSE registers (the
// interrupted libc code may hold values in them), no loop turned into a libc
// call (strlen, memset)
#define NOREG __attribute__((target("general-regs-only"), optimize("no-tree-loop-distribute-patterns")))
#define ENTRY_CALLED NOREG __attribute__((used, visibility("hidden")))

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
static inline NOREG long raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
	long r;
	register long r10 __asm__("r10") = a4, r8 __asm__("r8") = a5, r9 __asm__("r9") = a6;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return r;
}

static inline NOREG long census_raw(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
	self_counts[nr]++;
	return raw_syscall(nr, a1, a2, a3, a4, a5, a6);
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
        " cmp $2,%rax\n je .Lc_hook\n"
        " cmp $257,%rax\n je .Lc_hook\n"
        " cmp $3,%rax\n je .Lc_hook\n"
        " cmp $9,%rax\n je .Lc_hook\n"
        " syscall\n ret\n"
        // open/openat/close/mmap: census_hook makes the call; its result goes
        // back through the saved %rax
        ".Lc_hook:\n" SAVE " lea 8(%rbx),%rdi\n call census_hook\n" RESTORE " ret\n"
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

// ---- sites: "<object> <hex vaddr> [<hex file offset>]" lines; <object> is a
// basename ("libc.so.6") or MAIN (the program). No libc below: the hook runs
// inside libc's code, the interpreter before any libc exists.
static const char *sites;

static NOREG int obj_is(const char *line, const char *obj, size_t olen) {
	size_t i;
	for (i = 0; i < olen; i++)
		if (line[i] != obj[i]) return 0;
	return line[olen] == ' ';
}

static NOREG const char *next_line(const char *p) {
	while (*p && *p != '\n') p++;
	return *p ? p + 1 : p;
}

// parses hex at *p (after spaces); 0 when there is none
static NOREG int hex(const char **p, unsigned long *v) {
	const char *s = *p;
	int any = 0;
	while (*s == ' ') s++;
	for (*v = 0;; s++, any = 1) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
		if (d < 0) break;
		*v = *v << 4 | (unsigned long)d;
	}
	*p = s;
	return any;
}

// Rewrites the sites of obj whose key (column col: 1 = vaddr, 2 = file
// offset) lies in [lo, hi); the instruction is at key + delta, in a mapping
// whose protection is prot. Returns how many; *bad counts listed sites that
// do not hold a SYSCALL.
static NOREG long rewrite_sites(const char *obj, size_t olen, int col, unsigned long lo, unsigned long hi, long delta,
                                long prot, long *bad) {
	unsigned long plo = (lo + (unsigned long)delta) & ~4095UL, phi = (hi + (unsigned long)delta + 4095) & ~4095UL;
	const char *line;
	long n = 0;
	int writable = 0;
	for (line = sites; line && *line; line = next_line(line)) {
		const char *p = line + olen;
		unsigned long key;
		unsigned char *at;
		if (!obj_is(line, obj, olen) || !hex(&p, &key) || (col == 2 && !hex(&p, &key))) continue;
		if (key < lo || key + 2 > hi) continue;
		if (!writable && census_raw(SYS_mprotect, (long)plo, (long)(phi - plo), PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0) != 0)
			return n;
		writable = 1;
		at = (unsigned char *)(key + (unsigned long)delta);
		if (at[0] == 0x0f && at[1] == 0x05) { at[0] = 0xff; at[1] = 0xd0; n++; }
		else (*bad)++;
	}
	if (writable) census_raw(SYS_mprotect, (long)plo, (long)(phi - plo), prot, 0, 0, 0);
	return n;
}

// ---- the hook: which listed file a descriptor is, and its executable mappings
#define MAXFD 4096
static const char *fd_obj[MAXFD]; // the first site line of the file's object

// what follows a path's last '/', as the sites name an object
static NOREG const char *base_name(const char *path) {
	const char *b = path;
	for (; *path; path++)
		if (*path == '/') b = path + 1;
	return b;
}

static NOREG size_t c_strlen(const char *s) {
	size_t n = 0;
	while (s[n]) n++;
	return n;
}

static NOREG const char *find_obj(const char *path) {
	const char *b = base_name(path), *line;
	size_t n = c_strlen(b);
	for (line = sites; line && *line; line = next_line(line))
		if (obj_is(line, b, n)) return line;
	return NULL;
}

static NOREG size_t obj_len(const char *line) {
	size_t n = 0;
	while (line[n] != ' ') n++;
	return n;
}

// f: the saved r9 r8 r10 rdx rsi rdi rax of census_entry (args 6..1, number)
long ENTRY_CALLED census_hook(long *f) {
	long nr = f[6], r = raw_syscall(nr, f[5], f[4], f[3], f[2], f[1], f[0]);
	if (sites && (nr == SYS_open || nr == SYS_openat) && r >= 0 && r < MAXFD)
		fd_obj[r] = find_obj((const char *)(nr == SYS_open ? f[5] : f[4]));
	else if (nr == SYS_close && r == 0 && f[5] >= 0 && f[5] < MAXFD)
		fd_obj[f[5]] = NULL;
	else if (nr == SYS_mmap && (unsigned long)r < -4096UL && (f[3] & PROT_EXEC) && f[1] >= 0 && f[1] < MAXFD && fd_obj[f[1]]) {
		// maps file bytes [off, off + len) at r
		const char *obj = fd_obj[f[1]];
		long bad = 0;
		rewrite_sites(obj, obj_len(obj), 2, (unsigned long)f[0], (unsigned long)(f[0] + f[4]), r - f[0], f[3], &bad);
	}
	f[6] = r;
	return r;
}

static void census_fail(const char *msg) {
	census_raw(SYS_write, 2, (long)"census: ", 8, 0, 0, 0);
	census_raw(SYS_write, 2, (long)msg, (long)c_strlen(msg), 0, 0, 0);
	census_raw(SYS_exit_group, 97, 0, 0, 0, 0, 0);
}

// Reads $CENSUS_SITES (its open is compare.sh's "census is set up" mark) and
// maps the trampoline at page 0.
static void census_setup(const char *out, const char *sites_file) {
	static char text[1 << 20];
	long fd, n, got = 0, i;
	unsigned char *page;
	unsigned long e = (unsigned long)&census_entry;
	if (c_strlen(out) >= sizeof out_path) census_fail("CENSUS_OUT too long\n");
	fd = census_raw(SYS_open, (long)sites_file, O_RDONLY | O_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0) census_fail("cannot open $CENSUS_SITES\n");
	while ((n = census_raw(SYS_read, fd, (long)(text + got), (long)(sizeof text - 1 - got), 0, 0, 0)) > 0) got += n;
	census_raw(SYS_close, fd, 0, 0, 0, 0, 0);
	text[got] = 0;
	page = (unsigned char *)census_raw(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (page != NULL) census_fail("cannot map page 0 for the trampoline (needs vm.mmap_min_addr=0)\n");
	for (i = 0; i < MAXNR; i++) page[i] = 0x90;
	page[MAXNR] = 0x49; page[MAXNR + 1] = 0xbb; // movabs $census_entry,%r11
	for (i = 0; i < 8; i++) page[MAXNR + 2 + i] = (unsigned char)(e >> (8 * i));
	page[MAXNR + 10] = 0x41; page[MAXNR + 11] = 0xff; page[MAXNR + 12] = 0xe3; // jmp *%r11
	census_raw(SYS_mprotect, 0, 4096, PROT_READ | PROT_EXEC, 0, 0, 0);
	for (i = 0; out[i]; i++) out_path[i] = out[i];
	sites = text;
}

// Rewrites obj's sites inside the executable PT_LOADs of an object mapped at
// bias; fails when a listed site holds something else.
static long rewrite_object(const char *obj, const ElfW(Phdr) *ph, int phnum, unsigned long bias) {
	long n = 0, bad = 0;
	int i;
	for (i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X))
			n += rewrite_sites(obj, c_strlen(obj), 1, ph[i].p_vaddr, ph[i].p_vaddr + ph[i].p_memsz, (long)bias,
			                   PROT_READ | PROT_EXEC, &bad);
	if (bad) census_fail("a listed site does not hold a SYSCALL instruction (stale $CENSUS_SITES?)\n");
	return n;
}

#ifndef CENSUS_LD
#include <stdlib.h>

static int census_rewrite(struct dl_phdr_info *info, size_t size, void *data) {
	// the program comes first (glibc names it "", static musl "/proc/self/exe")
	long *stats = data;
	const char *obj = stats[1]++ == 0 ? "MAIN" : info->dlpi_name ? base_name(info->dlpi_name) : "";
	(void)size;
	stats[0] += rewrite_object(obj, info->dlpi_phdr, info->dlpi_phnum, info->dlpi_addr);
	return 0;
}

// LD_PRELOAD / linked: rewrite everything mapped so far
__attribute__((constructor)) static void census_init(void) {
	const char *out = getenv("CENSUS_OUT"), *sf = getenv("CENSUS_SITES");
	long stats[2] = {0, 0}; // rewritten, objects seen
	if (!out || !sf) return;
	census_setup(out, sf);
	dl_iterate_phdr(census_rewrite, stats);
	if (!stats[0]) census_fail("no SYSCALL site rewritten (empty $CENSUS_SITES?)\n");
}
#endif
