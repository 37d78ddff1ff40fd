// LD_PRELOAD layer for scripts/call-cost.sh (not a test): syscall(2) with
// the unused number FAKE_NR (0x7fff) returns 0 at once, without entering the
// kernel; every other number goes to libc's syscall. With it, the patched
// runtime's path for that number (callcost mode nosys) is pure user space:
// its ns per call, minus a C program's own syscall(FAKE_NR) loop (named
// sys_nosys), is the cost of the Go side of the path without kernel noise.
// gcc -O2 -fPIC -shared -o fakesys.so fakesys.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>

#define FAKE_NR 0x7fff

long
syscall(long nr, ...)
{
	static long (*real)(long, ...);
	va_list ap;
	long a1, a2, a3, a4, a5, a6;

	if (nr == FAKE_NR)
		return 0;
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	va_start(ap, nr);
	a1 = va_arg(ap, long); a2 = va_arg(ap, long); a3 = va_arg(ap, long);
	a4 = va_arg(ap, long); a5 = va_arg(ap, long); a6 = va_arg(ap, long);
	va_end(ap);
	return real(nr, a1, a2, a3, a4, a5, a6);
}
