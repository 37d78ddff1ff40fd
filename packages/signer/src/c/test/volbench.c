/* The file shield's benchmark program (signer:bench-volume): the same file work on a plain folder and, signed with
 * the extension, on an encrypted volume. One measurement per run, on stdout: "<mode> <value> <unit>".
 *   volbench seqwrite <file> <MiB>    create, write in 64 KiB writes, fsync, close: MB/s
 *   volbench seqread <file>           read the whole file in 64 KiB reads: MB/s
 *   volbench randread <file> <n>      n preads of 4 KiB at random 4 KiB-aligned offsets: reads/s
 *   volbench meta <file> <n>          n times: create <file>.tmp, write 100 bytes, close, rename it over <file>,
 *                                     mkdir and rmdir <file>.d (no fsync: what a program's temp files do): rounds/s */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv) {
  static char buf[65536];
  if (argc < 3) { fprintf(stderr, "usage: volbench seqwrite|seqread|randread|meta <file> [MiB|n]\n"); return 2; }
  const char *mode = argv[1], *path = argv[2];
  if (strcmp(mode, "seqwrite") == 0 && argc == 4) {
    long mib = atol(argv[3]);
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)(i * 131 + 7);
    double t0 = now();
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) die("open");
    for (long i = 0; i < mib * 16; i++)
      if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) die("write");
    if (fsync(fd) != 0 || close(fd) != 0) die("fsync");
    printf("seqwrite %.1f MB/s\n", (double)mib * 1048576 / 1e6 / (now() - t0));
  } else if (strcmp(mode, "seqread") == 0) {
    double t0 = now();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open");
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
    if (n < 0) die("read");
    close(fd);
    printf("seqread %.1f MB/s\n", (double)total / 1e6 / (now() - t0));
  } else if (strcmp(mode, "randread") == 0 && argc == 4) {
    long reads = atol(argv[3]);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open");
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 4096) die("fstat");
    long chunks = st.st_size / 4096;
    unsigned seed = 12345;
    double t0 = now();
    for (long i = 0; i < reads; i++)
      if (pread(fd, buf, 4096, (off_t)(rand_r(&seed) % chunks) * 4096) != 4096) die("pread");
    printf("randread %.0f reads/s\n", (double)reads / (now() - t0));
    close(fd);
  } else if (strcmp(mode, "meta") == 0 && argc == 4) {
    long n = atol(argv[3]);
    char tmp[4096], dir[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(dir, sizeof dir, "%s.d", path);
    double t0 = now();
    for (long i = 0; i < n; i++) {
      int fd = open(tmp, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) die("open");
      if (write(fd, buf, 100) != 100) die("write");
      if (close(fd) != 0) die("close");
      if (rename(tmp, path) != 0) die("rename");
      if (mkdir(dir, 0700) != 0) die("mkdir");
      if (rmdir(dir) != 0) die("rmdir");
    }
    printf("meta %.0f rounds/s\n", (double)n / (now() - t0));
    if (unlink(path) != 0) die("unlink");
  } else {
    fprintf(stderr, "usage: volbench seqwrite|seqread|randread|meta <file> [MiB|n]\n");
    return 2;
  }
  return 0;
}
