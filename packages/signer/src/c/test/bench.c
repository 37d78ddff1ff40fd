/* Micro-benchmark of the interposer: ns per call for open+read+close of a file, for syscall(SYS_getppid) and for
 * read(2) of a pipe-less fd (/dev/zero). Run natively and as a signed binary (sim) and compare:  bench FILE */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec * 1e9 + (double)t.tv_nsec; }

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: bench FILE\n"); return 2; }
  char buf[65536];
  int n = 20000;
  double t = now();
  for (int i = 0; i < n; i++) {
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) { perror("open"); return 1; }
    while (read(fd, buf, sizeof buf) > 0) {}
    close(fd);
  }
  printf("open+read+close %s: %.0f ns\n", argv[1], (now() - t) / n);
  n = 1000000;
  t = now();
  for (int i = 0; i < n; i++) syscall(SYS_getppid);
  printf("syscall(SYS_getppid): %.1f ns\n", (now() - t) / n);
  int z = open("/dev/zero", O_RDONLY);
  t = now();
  for (int i = 0; i < n; i++) if (read(z, buf, 64) != 64) return 1;
  printf("read(/dev/zero, 64): %.1f ns\n", (now() - t) / n);
  return 0;
}
