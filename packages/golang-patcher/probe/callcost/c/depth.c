// Cost of return addresses pending across a kernel entry (not a test).
// d0 calls syscall(NR) directly, d3 through three more nested functions;
// batches of 2000 calls, alternating d0/d3, 400 batches; prints the median
// and fastest batch of each and the median of the per-batch differences.
//   gcc -O2 -o depth depth.c && ./depth            (getpid: kernel entry)
//   LD_PRELOAD=./fakesys.so ./depth 32767          (no kernel entry)
// On the 2-core AMD EPYC VM of the go1.27 README ("Per-call cost"): +23 ns
// for the three levels with the kernel, +3.1 ns without: each return
// pending across the kernel entry is mispredicted (the kernel leaves the
// return stack buffer useless: RSB filling, SRSO safe RET).
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static long nr = SYS_getpid;
__attribute__((noinline)) static long d0(void) { return syscall(nr); }
__attribute__((noinline)) static long d1(void) { long r = d0(); __asm__ volatile("" ::: "memory"); return r + 1; }
__attribute__((noinline)) static long d2(void) { long r = d1(); __asm__ volatile("" ::: "memory"); return r + 1; }
__attribute__((noinline)) static long d3(void) { long r = d2(); __asm__ volatile("" ::: "memory"); return r + 1; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv) {
	int B = 2000, K = 400; long (*f[])(void) = {d0, d3};
	if (argc > 1) nr = atol(argv[1]);
	static double t[2][400], d[400];
	for (int k = 0; k < K; k++) for (int j = 0; j < 2; j++) {
		int w = (k & 1) ? 1 - j : j;
		double a = now(); for (int i = 0; i < B; i++) f[w](); t[w][k] = (now() - a) / B;
	}
	for (int k = 0; k < K; k++) d[k] = t[1][k] - t[0][k];
	qsort(t[0], K, sizeof(double), cmp); qsort(t[1], K, sizeof(double), cmp); qsort(d, K, sizeof(double), cmp);
	printf("d0 median %.1f min %.1f | d3 median %.1f min %.1f | d3-d0 median %.1f (q25 %.1f q75 %.1f)\n",
		t[0][K/2], t[0][0], t[1][K/2], t[1][0], d[K/2], d[K/4], d[3*K/4]);
}
