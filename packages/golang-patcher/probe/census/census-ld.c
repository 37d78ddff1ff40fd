// census-ld: the census as the program's ELF interpreter, so that it exists
// before the dynamic loader's first instruction (see census.c).
//
// The program's PT_INTERP names this file (compare.sh edits a copy of the
// binary). The kernel maps the program and census-ld and starts census-ld;
// census-ld sets up the census (sites, page 0), maps the real dynamic loader
// itself (CENSUS_REAL_INTERP, default /lib64/ld-linux-x86-64.so.2), rewrites
// the SYSCALL sites of the loader and of the program, points AT_BASE at the
// loader and jumps to the loader's entry with the untouched initial stack. The
// loader then maps libc & co. through the census, which rewrites each
// executable mapping of a listed file (census_hook). Without $CENSUS_OUT and
// $CENSUS_SITES it only chains to the loader.
//
// Freestanding: no libc (there is none yet), no TLS, no stack protector; it
// applies its own R_X86_64_RELATIVE relocations first.
// build: gcc -O2 -nostdlib -static-pie -fPIE -fno-stack-protector -o census-ld census-ld.c
#define CENSUS_LD 1
#include "census.c"
#include <elf.h>

#ifndef CENSUS_REAL_INTERP
#define CENSUS_REAL_INTERP "/lib64/ld-linux-x86-64.so.2"
#endif

// the compiler may call these for loops and copies (NOREG: never for their own loops)
NOREG void *memset(void *d, int c, size_t n) {
	unsigned char *p = d;
	while (n--) *p++ = (unsigned char)c;
	return d;
}

NOREG void *memcpy(void *d, const void *s, size_t n) {
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--) *p++ = *q++;
	return d;
}

extern Elf64_Dyn _DYNAMIC[] __attribute__((visibility("hidden")));

// before anything reads a pointer from data (sysnames)
static void relocate(unsigned long base) {
	Elf64_Rela *rela = NULL;
	unsigned long size = 0, i;
	Elf64_Dyn *d;
	for (d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_RELA) rela = (Elf64_Rela *)(base + d->d_un.d_ptr);
		if (d->d_tag == DT_RELASZ) size = d->d_un.d_val;
	}
	for (i = 0; rela && i < size / sizeof *rela; i++)
		if (ELF64_R_TYPE(rela[i].r_info) == R_X86_64_RELATIVE)
			*(unsigned long *)(base + rela[i].r_offset) = base + (unsigned long)rela[i].r_addend;
}

// name includes the '='
static const char *getenv_in(char **envp, const char *name) {
	size_t n = c_strlen(name), i;
	for (; *envp; envp++) {
		for (i = 0; i < n && (*envp)[i] == name[i]; i++) {}
		if (i == n) return *envp + n;
	}
	return NULL;
}

static int prot_of(unsigned flags) {
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

// Maps the ELF file at path like the kernel maps an interpreter; returns its
// bias, sets *entry, *ph (a copy of its program headers) and *phnum.
static unsigned long map_elf(const char *path, unsigned long *entry, const Elf64_Phdr **ph, int *phnum) {
	static unsigned char hdr[4096];
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)hdr;
	const Elf64_Phdr *p;
	unsigned long lo = ~0UL, hi = 0, bias;
	long fd = census_raw(SYS_open, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0, 0), r;
	int i;
	if (fd < 0) census_fail("cannot open the dynamic loader\n");
	r = census_raw(SYS_pread64, fd, (long)hdr, sizeof hdr, 0, 0, 0);
	if (r < (long)sizeof *eh || hdr[0] != 0x7f || hdr[1] != 'E' || hdr[2] != 'L' || hdr[3] != 'F' ||
	    eh->e_phoff + eh->e_phnum * sizeof *p > (unsigned long)r)
		census_fail("the dynamic loader is not an ELF file with its program headers in its first page\n");
	p = (const Elf64_Phdr *)(hdr + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (p[i].p_type != PT_LOAD) continue;
		if ((p[i].p_vaddr & ~4095UL) < lo) lo = p[i].p_vaddr & ~4095UL;
		if (((p[i].p_vaddr + p[i].p_memsz + 4095) & ~4095UL) > hi) hi = (p[i].p_vaddr + p[i].p_memsz + 4095) & ~4095UL;
	}
	r = census_raw(SYS_mmap, 0, (long)(hi - lo), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if ((unsigned long)r > -4096UL) census_fail("cannot reserve memory for the dynamic loader\n");
	bias = (unsigned long)r - lo;
	for (i = 0; i < eh->e_phnum; i++) {
		unsigned long start, fend, fpage, mend;
		int prot = prot_of(p[i].p_flags);
		if (p[i].p_type != PT_LOAD) continue;
		start = bias + (p[i].p_vaddr & ~4095UL);
		fend = bias + p[i].p_vaddr + p[i].p_filesz;
		fpage = (fend + 4095) & ~4095UL;
		mend = (bias + p[i].p_vaddr + p[i].p_memsz + 4095) & ~4095UL;
		if (census_raw(SYS_mmap, (long)start, (long)(fpage - start), prot | (p[i].p_memsz > p[i].p_filesz ? PROT_WRITE : 0),
		               MAP_PRIVATE | MAP_FIXED, fd, (long)(p[i].p_offset & ~4095UL)) != (long)start)
			census_fail("cannot map the dynamic loader\n");
		if (p[i].p_memsz > p[i].p_filesz) { // .bss: the file page's tail, then anonymous pages
			memset((void *)fend, 0, fpage - fend);
			if (mend > fpage &&
			    census_raw(SYS_mmap, (long)fpage, (long)(mend - fpage), prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) != (long)fpage)
				census_fail("cannot map the dynamic loader's bss\n");
		}
		if (!(prot & PROT_WRITE)) census_raw(SYS_mprotect, (long)start, (long)(fpage - start), prot, 0, 0, 0);
	}
	census_raw(SYS_close, fd, 0, 0, 0, 0, 0);
	*entry = bias + eh->e_entry;
	*ph = p;
	*phnum = eh->e_phnum;
	return bias;
}

// sp: the initial stack (argc, argv, envp, auxv); returns the loader's entry
unsigned long census_ld_main(unsigned long *sp) {
	char **argv = (char **)(sp + 1), **envp = argv + sp[0] + 1, **e = envp;
	Elf64_auxv_t *av, *at_base = NULL;
	const Elf64_Phdr *prog_ph = NULL, *ld_ph;
	const char *out, *sf;
	unsigned long prog_phnum = 0, bias, entry, i;
	int ld_phnum;
	while (*e) e++;
	av = (Elf64_auxv_t *)(e + 1);
	for (; av->a_type != AT_NULL; av++) {
		if (av->a_type == AT_BASE) at_base = av;
		if (av->a_type == AT_PHDR) prog_ph = (const Elf64_Phdr *)av->a_un.a_val;
		if (av->a_type == AT_PHNUM) prog_phnum = av->a_un.a_val;
	}
	if (!at_base) census_fail("no AT_BASE: census-ld must run as a program's interpreter\n");
	relocate(at_base->a_un.a_val);
	out = getenv_in(envp, "CENSUS_OUT=");
	sf = getenv_in(envp, "CENSUS_SITES=");
	if (out && sf) census_setup(out, sf); // first: its open ends start-up for compare.sh
	bias = map_elf(CENSUS_REAL_INTERP, &entry, &ld_ph, &ld_phnum);
	at_base->a_un.a_val = bias;
	if (!sites) return entry;
	if (!rewrite_object(base_name(CENSUS_REAL_INTERP), ld_ph, ld_phnum, bias)) census_fail("no SYSCALL site of the dynamic loader rewritten\n");
	for (i = 0; prog_ph && i < prog_phnum; i++) // the program's bias from its PT_PHDR
		if (prog_ph[i].p_type == PT_PHDR)
			rewrite_object("MAIN", prog_ph, (int)prog_phnum, (unsigned long)prog_ph - prog_ph[i].p_vaddr);
	return entry;
}

__asm__(".text\n .globl _start\n .type _start,@function\n_start:\n"
        " mov %rsp,%rbx\n mov %rsp,%rdi\n and $-16,%rsp\n call census_ld_main\n"
        " mov %rbx,%rsp\n xor %edx,%edx\n jmp *%rax\n");
