#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
int main(int argc, char **argv) {
  int m = memfd_create("x", MFD_CLOEXEC);
  static char buf[41344]; memset(buf, 'a', sizeof buf);
  write(m, buf, sizeof buf);
  char p[64]; snprintf(p, sizeof p, "/proc/self/fd/%d", m);
  char name[16]; snprintf(name, sizeof name, "%d", m);
  int dfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int n = 200000;
  for (int round = 0; round < 3; round++) {
    double t = cpu();
    for (int i = 0; i < n; i++) { int fd = openat(AT_FDCWD, p, O_RDONLY | O_CLOEXEC); close(fd); }
    double a = (cpu() - t) / n; t = cpu();
    for (int i = 0; i < n; i++) { int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC); close(fd); }
    double b = (cpu() - t) / n; t = cpu();
    for (int i = 0; i < n; i++) { int fd = openat(AT_FDCWD, argv[1], O_RDONLY | O_CLOEXEC); close(fd); }
    double c = (cpu() - t) / n; t = cpu();
    for (int i = 0; i < n; i++) { int fd = dup(m); close(fd); }
    double d = (cpu() - t) / n; t = cpu();
    for (int i = 0; i < n; i++) { int fd = openat(AT_FDCWD, p, O_RDONLY | O_CLOEXEC); pread(fd, buf, 32768, 0); pread(fd, buf, 8576, 32768); close(fd); }
    double e = (cpu() - t) / n; t = cpu();
    for (int i = 0; i < n; i++) { int fd = openat(AT_FDCWD, argv[1], O_RDONLY | O_CLOEXEC); pread(fd, buf, 32768, 0); pread(fd, buf, 8576, 32768); close(fd); }
    double f = (cpu() - t) / n; t = cpu();
    for (int i = 0; i < n; i++) { syscall(SYS_getppid); }
    double g = (cpu() - t) / n;
    printf("open+close ns: /proc/self/fd/N %.0f  openat(dirfd,N) %.0f  host %s %.0f  dup %.0f | open+read41k+close: memfd via proc %.0f  host %.0f | getppid %.0f\n", a, b, argv[1], c, d, e, f, g);
  }
}
