// Instructions per call of libc's named wrappers vs syscall(2), as the
// patched runtime would call them (not a test; scripts/call-cost.sh runs it
// under callgrind: --toggle-collect=loop_*). A second thread exists, as in
// every Go program: glibc's cancellation points (read, write, epoll_pwait)
// then take their multi-threaded path.
//   named MODE N   MODE: sys_getpid getpid sys_read read sys_write write
//                        sys_epoll_pwait epoll_pwait sys_futex sys_nosys
//   -> {"mode":..., "ns_per_call":..., "min_ns_per_call":...} on stdout
//      (min: the fastest batch of 2000 calls)
// sys_nosys: syscall(0x7fff), for LD_PRELOAD=fakesys.so (no kernel entry).
#define _GNU_SOURCE
#include <fcntl.h>
#ifndef FUTEX_WAKE_PRIVATE
#define FUTEX_WAKE_PRIVATE 129 // linux/futex.h (not in musl-gcc's include path)
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int zfd, nfd, efd;
static char buf[1];
static int word;
static struct epoll_event ev[1];

#define LOOP(name, call) \
	static void __attribute__((noinline)) loop_##name(long n) { for (long i = 0; i < n; i++) { call; } }
LOOP(sys_getpid, syscall(SYS_getpid))
LOOP(getpid, getpid())
LOOP(sys_read, syscall(SYS_read, zfd, buf, 1))
LOOP(read, read(zfd, buf, 1))
LOOP(sys_write, syscall(SYS_write, nfd, buf, 1))
LOOP(write, write(nfd, buf, 1))
LOOP(sys_epoll_pwait, syscall(SYS_epoll_pwait, efd, ev, 1, 0, NULL, 8))
LOOP(epoll_pwait, epoll_pwait(efd, ev, 1, 0, NULL))
LOOP(sys_futex, syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0))
LOOP(sys_nosys, syscall(0x7fff, 0, 0, 0))

static void *idle(void *p) { pause(); return p; }

int main(int argc, char **argv) {
	pthread_t t;
	long n = argc > 2 ? atol(argv[2]) : 100000;
	pthread_create(&t, NULL, idle, NULL);
	zfd = open("/dev/zero", O_RDONLY);
	nfd = open("/dev/null", O_WRONLY);
	efd = epoll_create1(0);
#define RUN(name) if (strcmp(argv[1], #name) == 0) { \
		double best = 1e30; struct timespec a, b, s, e; \
		clock_gettime(CLOCK_MONOTONIC, &s); \
		for (long done = 0; done < n; done += 2000) { \
			clock_gettime(CLOCK_MONOTONIC, &a); loop_##name(n - done < 2000 ? n - done : 2000); \
			clock_gettime(CLOCK_MONOTONIC, &b); \
			double t = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (n - done < 2000 ? n - done : 2000); \
			if (t < best) best = t; \
		} \
		clock_gettime(CLOCK_MONOTONIC, &e); \
		printf("{\"mode\":\"%s\",\"n\":%ld,\"ns_per_call\":%.3f,\"min_ns_per_call\":%.3f}\n", argv[1], n, \
			((e.tv_sec - s.tv_sec) * 1e9 + (e.tv_nsec - s.tv_nsec)) / n, best); \
		return 0; }
	RUN(sys_getpid) RUN(getpid) RUN(sys_read) RUN(read) RUN(sys_write) RUN(write)
	RUN(sys_epoll_pwait) RUN(epoll_pwait) RUN(sys_futex) RUN(sys_nosys)
	fprintf(stderr, "unknown mode\n");
	return 2;
}
