/* binaryfs runtime, bottom layer: libc's own functions (and the lexical path normalisation the layers share). The interposer defines open, read, syscall … itself, so
 * every layer reaches the real ones through REAL(fn), found with dlsym(RTLD_NEXT) (the next object after this
 * extension: libc). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "bfs.h"

struct bfs_libc bfs_libc;

void *bfs_libc_get(void **slot, const char *name) {
  void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (p) return p;
  p = dlsym(RTLD_NEXT, name);
  if (!p) {
    static const char msg[] = "binaryfs: cannot resolve a libc function with dlsym(RTLD_NEXT)\n";
    long (*w)(long, ...) = (long (*)(long, ...))dlsym(RTLD_DEFAULT, "syscall");
    if (w) w(SYS_write, 2, msg, sizeof msg - 1);
    _exit(127);
  }
  __atomic_store_n(slot, p, __ATOMIC_RELEASE);
  return p;
}

void bfs_libc_resolve(void) {
#define PRE(fn) (void)REAL(fn)
  PRE(syscall); PRE(openat); PRE(open); PRE(creat); PRE(read); PRE(write); PRE(pread); PRE(close); PRE(dup);
  PRE(dup2); PRE(dup3); PRE(stat); PRE(lstat); PRE(fstat); PRE(fstatat); PRE(readlink); PRE(readlinkat); PRE(access);
  PRE(faccessat); PRE(unlink); PRE(unlinkat); PRE(rmdir); PRE(rename); PRE(renameat); PRE(mkdir); PRE(mkdirat); PRE(mknodat);
  PRE(truncate); PRE(chmod); PRE(fchmodat); PRE(getcwd); PRE(fcntl); PRE(chdir); PRE(pwrite); PRE(lseek); PRE(fsync);
  PRE(fdatasync); PRE(ftruncate); PRE(flock); PRE(fchmod); PRE(fchdir); PRE(fopen); PRE(opendir); PRE(mmap);
  PRE(_exit);
#undef PRE
}


long bfs_normalize(char *buf, size_t len, const char *path) {
  for (const char *p = path; *p;) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *s = p;
    while (*p && *p != '/') p++;
    size_t n = (size_t)(p - s);
    if (n == 1 && s[0] == '.') continue;
    if (n == 2 && s[0] == '.' && s[1] == '.') {
      while (len > 1 && buf[len - 1] != '/') len--;
      if (len > 1) len--;
      continue;
    }
    if (len + 1 + n + 1 > BFS_PATH_MAX) return -1;
    if (len > 1) buf[len++] = '/';
    memcpy(buf + len, s, n);
    len += n;
  }
  buf[len] = '\0';
  return (long)len;
}

int bfs_fd_path(int fd, char *out, size_t n) {
  char proc[40] = "/proc/self/fd/";
  char digits[16];
  int k = 0;
  unsigned v = (unsigned)fd;
  do { digits[k++] = (char)('0' + v % 10); v /= 10; } while (v && k < 15);
  size_t l = strlen(proc);
  while (k) proc[l++] = digits[--k];
  proc[l] = '\0';
  ssize_t r = REAL(readlink)(proc, out, n - 1);
  if (r <= 0 || out[0] != '/') return -1;
  out[r] = '\0';
  return 0;
}

void bfs_stat_to_statx(const struct stat *st, struct statx *sx) {
  memset(sx, 0, sizeof *sx);
  sx->stx_mask = STATX_BASIC_STATS;
  sx->stx_blksize = (uint32_t)st->st_blksize;
  sx->stx_nlink = (uint32_t)st->st_nlink;
  sx->stx_uid = st->st_uid;
  sx->stx_gid = st->st_gid;
  sx->stx_mode = (uint16_t)st->st_mode;
  sx->stx_ino = (uint64_t)st->st_ino;
  sx->stx_size = (uint64_t)st->st_size;
  sx->stx_blocks = (uint64_t)st->st_blocks;
  sx->stx_atime.tv_sec = sx->stx_mtime.tv_sec = sx->stx_ctime.tv_sec = sx->stx_btime.tv_sec = st->st_mtim.tv_sec;
  sx->stx_atime.tv_nsec = sx->stx_mtime.tv_nsec = sx->stx_ctime.tv_nsec = sx->stx_btime.tv_nsec = (uint32_t)st->st_mtim.tv_nsec;
  sx->stx_dev_minor = (uint32_t)st->st_dev;
}

void bfs_die(const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg - 1, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n > sizeof msg - 2) n = (int)sizeof msg - 2;
  msg[n++] = '\n';
  REAL(write)(2, "confidential-sim: ", 18);
  REAL(write)(2, msg, (size_t)n);
  REAL(_exit)(78); /* libc's: a program stopped here commits nothing more (the wrapper in interpose.c would) */
  __builtin_unreachable();
}
