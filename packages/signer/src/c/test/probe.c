/* Test driver for the binaryfs runtime: performs one file operation per command-line pair and prints the result.
 * Used by the integration tests (linked with the extension like a confidential program would be).
 *   cat P | scat P (via syscall()) | mmap P | write P | append P | unlink P | rename P | stat P | sstat P (syscall)
 *   statx P | lstat P | fstat P | ls P | sls P (syscall getdents64) | readlink P | access P | create P | argv | env NAME
 *   fork P | sfork P (open in the parent, then in a child of fork() / syscall(SYS_fork))
 *   highfd P (copies of an open embedded file to fds 5000-5002, beyond the table of a runtime built with
 *   -DBFS_FDTAB=4096: refused; a host file's copy to 5003 allowed)
 *   tamper P (the seals of an embedded file's memfd, and a write through a read-write reopen of it) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *errname(int e) {
  switch (e) {
  case EROFS: return "EROFS"; case ENAMETOOLONG: return "ENAMETOOLONG"; case ELOOP: return "ELOOP";
  case ENOTDIR: return "ENOTDIR"; case ENOENT: return "ENOENT"; case EACCES: return "EACCES"; case EEXIST: return "EEXIST";
  case EISDIR: return "EISDIR"; case EMFILE: return "EMFILE"; case EBADF: return "EBADF"; case EINVAL: return "EINVAL"; case EPERM: return "EPERM";
  default: return strerror(e);
  }
}
static void print_errno(const char *op, const char *p) { printf("%s %s ERR %s\n", op, p, errname(errno)); }

static void cat_fd(const char *op, const char *p, int fd, int via_syscall) {
  char buf[65536];
  size_t total = 0;
  unsigned long sum = 5381;
  for (;;) {
    ssize_t r = via_syscall ? syscall(SYS_read, fd, buf, sizeof buf) : read(fd, buf, sizeof buf);
    if (r < 0) { print_errno(op, p); return; }
    if (r == 0) break;
    for (ssize_t i = 0; i < r; i++) sum = sum * 33 + (unsigned char)buf[i];
    if (total == 0) { printf("%s %s FIRST ", op, p); fwrite(buf, 1, r < 40 ? (size_t)r : 40, stdout); printf("\n"); }
    total += (size_t)r;
  }
  printf("%s %s OK size=%zu djb=%lu\n", op, p, total, sum);
}

static void list(const char *op, const char *p, int via_syscall) {
  int fd = via_syscall ? (int)syscall(SYS_openat, AT_FDCWD, p, O_RDONLY | O_DIRECTORY) : open(p, O_RDONLY | O_DIRECTORY);
  if (fd < 0) { print_errno(op, p); return; }
  char buf[4096];
  printf("%s %s OK", op, p);
  for (;;) {
    long n = via_syscall ? syscall(SYS_getdents64, fd, buf, sizeof buf) : getdents64(fd, (void *)buf, sizeof buf);
    if (n < 0) { printf(" ERR %s", errname(errno)); break; }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      unsigned short reclen = *(unsigned short *)(buf + off + 16);
      printf(" %s", buf + off + 19);
      off += reclen;
    }
  }
  printf("\n");
  close(fd);
}

/* "threads P": 8 threads each open/read/close P 300 times (half via syscall()); every read must give the same bytes */
static const char *thread_path;
static void *thread_main(void *arg) {
  long id = (long)arg, bad = 0;
  static char first[8][65536];
  char buf[65536];
  for (int i = 0; i < 300; i++) {
    int fd = (i + id) % 2 ? open(thread_path, O_RDONLY | O_CLOEXEC) : (int)syscall(SYS_openat, AT_FDCWD, thread_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { bad++; continue; }
    ssize_t n = read(fd, buf, sizeof buf);
    if (i == 0 && n > 0) memcpy(first[id], buf, (size_t)n);
    else if (n <= 0 || memcmp(first[id], buf, (size_t)n) != 0) bad++;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < n) bad++;
    close(fd);
  }
  return (void *)bad;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++) {
    const char *op = argv[i];
    if (strcmp(op, "argv") == 0) {
      printf("argv");
      for (int j = 0; j < argc; j++) printf(" [%s]", argv[j]);
      printf("\n");
      continue;
    }
    if (i + 1 >= argc) { fprintf(stderr, "probe: %s needs an argument\n", op); return 2; }
    const char *p = argv[++i];
    struct stat st;
    if (strcmp(op, "cat") == 0 || strcmp(op, "scat") == 0) {
      int s = op[0] == 's';
      int fd = s ? (int)syscall(SYS_openat, AT_FDCWD, p, O_RDONLY | O_CLOEXEC) : open(p, O_RDONLY);
      if (fd < 0) { print_errno(op, p); continue; }
      cat_fd(op, p, fd, s);
      if (s) syscall(SYS_close, fd); else close(fd);
    } else if (strcmp(op, "mmap") == 0) {
      int fd = open(p, O_RDONLY);
      if (fd < 0 || fstat(fd, &st) != 0) { print_errno(op, p); continue; }
      unsigned char *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (m == MAP_FAILED) { print_errno(op, p); close(fd); continue; }
      unsigned long sum = 5381;
      for (off_t k = 0; k < st.st_size; k++) sum = sum * 33 + m[k];
      printf("%s %s OK size=%ld djb=%lu\n", op, p, (long)st.st_size, sum);
      munmap(m, (size_t)st.st_size);
      close(fd);
    } else if (strcmp(op, "pread") == 0) {
      int fd = open(p, O_RDONLY);
      char b[8] = { 0 };
      if (fd < 0 || pread(fd, b, 4, 1) < 0) { print_errno(op, p); continue; }
      printf("%s %s OK %s off=%ld\n", op, p, b, (long)lseek(fd, 0, SEEK_CUR));
      close(fd);
    } else if (strcmp(op, "write") == 0 || strcmp(op, "append") == 0 || strcmp(op, "create") == 0) {
      int flags = op[0] == 'w' ? O_WRONLY | O_TRUNC : op[0] == 'a' ? O_WRONLY | O_APPEND : O_WRONLY | O_CREAT | O_EXCL;
      int fd = open(p, flags, 0644);
      if (fd < 0) { print_errno(op, p); continue; }
      printf("%s %s OK\n", op, p);
      close(fd);
    } else if (strcmp(op, "swrite") == 0) {
      long fd = syscall(SYS_openat, AT_FDCWD, p, O_RDWR, 0);
      if (fd < 0) { print_errno(op, p); continue; }
      printf("%s %s OK\n", op, p);
      close((int)fd);
    } else if (strcmp(op, "unlink") == 0) {
      if (unlink(p) != 0) print_errno(op, p); else printf("%s %s OK\n", op, p);
    } else if (strcmp(op, "rename") == 0) {
      char to[4200];
      snprintf(to, sizeof to, "%s.renamed", p);
      if (rename(p, to) != 0) print_errno(op, p); else printf("%s %s OK\n", op, p);
    } else if (strcmp(op, "stat") == 0 || strcmp(op, "lstat") == 0 || strcmp(op, "sstat") == 0) {
      int r = op[0] == 'l' ? lstat(p, &st) : op[0] == 's' ? (int)syscall(SYS_newfstatat, AT_FDCWD, p, &st, 0) : stat(p, &st);
      if (r != 0) { print_errno(op, p); continue; }
      printf("%s %s OK mode=%o size=%ld dev=%lx\n", op, p, st.st_mode, (long)st.st_size, (unsigned long)st.st_dev);
    } else if (strcmp(op, "fstat") == 0) {
      int fd = open(p, O_RDONLY);
      if (fd < 0 || fstat(fd, &st) != 0) { print_errno(op, p); continue; }
      printf("%s %s OK mode=%o size=%ld dev=%lx\n", op, p, st.st_mode, (long)st.st_size, (unsigned long)st.st_dev);
      close(fd);
    } else if (strcmp(op, "statx") == 0) {
      unsigned char sx[256];
      if (syscall(SYS_statx, AT_FDCWD, p, 0, 0x7ff, sx) != 0) { print_errno(op, p); continue; }
      printf("%s %s OK mode=%o size=%lu\n", op, p, *(unsigned short *)(sx + 28), *(unsigned long *)(sx + 40));
    } else if (strcmp(op, "ls") == 0 || strcmp(op, "sls") == 0) {
      list(op, p, op[0] == 's');
    } else if (strcmp(op, "readlink") == 0) {
      char b[4096];
      ssize_t n = readlink(p, b, sizeof b - 1);
      if (n < 0) { print_errno(op, p); continue; }
      b[n] = 0;
      printf("%s %s OK %s\n", op, p, b);
    } else if (strcmp(op, "access") == 0) {
      int r = access(p, R_OK), w = access(p, W_OK);
      int werr = errno;
      printf("%s %s R=%d W=%d %s\n", op, p, r, w, w ? errname(werr) : "");
    } else if (strcmp(op, "highfd") == 0) {
      struct rlimit rl = { 5100, 5100 };
      if (setrlimit(RLIMIT_NOFILE, &rl) != 0) { print_errno(op, "setrlimit"); continue; }
      int fd = open(p, O_RDONLY), host = open("/dev/null", O_RDONLY);
      if (fd < 0 || host < 0) { print_errno(op, p); continue; }
      printf("%s %s", op, p);
      int r = fcntl(fd, F_DUPFD, 5000);
      printf(" fcntl=%s", r >= 0 ? "OK" : errname(errno));
      r = dup2(fd, 5001);
      printf(" dup2=%s", r >= 0 ? "OK" : errname(errno));
      r = (int)syscall(SYS_dup3, fd, 5002, 0);
      printf(" sdup3=%s", r >= 0 ? "OK" : errname(errno));
      int left = fcntl(5000, F_GETFD) >= 0 || fcntl(5001, F_GETFD) >= 0 || fcntl(5002, F_GETFD) >= 0;
      r = dup2(host, 5003);
      printf(" left=%s host=%s\n", left ? "yes" : "none", r == 5003 ? "OK" : errname(errno));
      close(fd); close(host); close(5003);
    } else if (strcmp(op, "tamper") == 0) {
      int fd = open(p, O_RDONLY);
      if (fd < 0) { print_errno(op, p); continue; }
      int seals = fcntl(fd, F_GET_SEALS);
      char proc[64];
      snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
      int w = open(proc, O_RDWR);
      const char *res = "OK";
      if (w < 0) res = errname(errno);
      else if (write(w, "X", 1) != 1) res = errname(errno);
      printf("%s %s seals=%d write=%s\n", op, p, seals, res);
      if (w >= 0) close(w);
      close(fd);
    } else if (strcmp(op, "sendfile") == 0 || strcmp(op, "dupfd") == 0) {
      /* sendfile from the file into a pipe (how Go's net/http sends a file), or read through an F_DUPFD copy */
      int fd = open(p, O_RDONLY);
      if (fd < 0) { print_errno(op, p); continue; }
      if (op[0] == 'd') {
        int d = fcntl(fd, F_DUPFD_CLOEXEC, 100);
        close(fd);
        if (d < 0 || fstat(d, &st) != 0) { print_errno(op, p); continue; }
        printf("%s %s mode=%o size=%ld ", op, p, st.st_mode, (long)st.st_size);
        cat_fd(op, p, d, 0);
        close(d);
        continue;
      }
      int pfd[2];
      if (pipe(pfd) != 0) { print_errno(op, p); continue; }
      unsigned long sum = 5381;
      size_t total = 0;
      for (;;) {
        ssize_t n = sendfile(pfd[1], fd, NULL, 32768);
        if (n < 0) { print_errno(op, p); break; }
        if (n == 0) break;
        char b[32768];
        for (ssize_t got = 0; got < n;) {
          ssize_t m = read(pfd[0], b, (size_t)(n - got));
          if (m <= 0) break;
          for (ssize_t k = 0; k < m; k++) sum = sum * 33 + (unsigned char)b[k];
          got += m;
        }
        total += (size_t)n;
      }
      printf("%s %s OK size=%zu djb=%lu\n", op, p, total, sum);
      close(pfd[0]); close(pfd[1]); close(fd);
    } else if (strcmp(op, "goserve") == 0) {
      /* what the patched Go runtime does for net/http's ServeContent, every step through syscall():
       * openat(O_CLOEXEC) → fstat → lseek(END) → lseek(SET) → sendfile to the connection → close */
      long fd = syscall(SYS_openat, AT_FDCWD, p, O_RDONLY | O_CLOEXEC, 0);
      if (fd < 0) { print_errno(op, p); continue; }
      long size = syscall(SYS_fstat, fd, &st) == 0 ? (long)st.st_size : -1;
      long end = syscall(SYS_lseek, fd, 0, SEEK_END), set = syscall(SYS_lseek, fd, 0, SEEK_SET);
      int pfd[2];
      if (pipe(pfd) != 0) { print_errno(op, p); continue; }
      unsigned long sum = 5381;
      long total = 0;
      for (;;) {
        long n = syscall(SYS_sendfile, pfd[1], fd, 0, 32768);
        if (n <= 0) break;
        char b[32768];
        for (long got = 0; got < n;) {
          long m = syscall(SYS_read, pfd[0], b, (size_t)(n - got));
          if (m <= 0) break;
          for (long k = 0; k < m; k++) sum = sum * 33 + (unsigned char)b[k];
          got += m;
        }
        total += n;
      }
      printf("%s %s OK fstat=%ld end=%ld set=%ld sent=%ld djb=%lu mode=%o\n", op, p, size, end, set, total, sum, st.st_mode);
      syscall(SYS_close, pfd[0]); syscall(SYS_close, pfd[1]); syscall(SYS_close, fd);
    } else if (strcmp(op, "fork") == 0 || strcmp(op, "sfork") == 0) {
      /* open P in the parent, then again in a child of fork() (sfork: of a raw syscall(SYS_fork)) after the parent
       * closed and reused fd numbers: the child must read P's bytes */
      int fd = open(p, O_RDONLY);
      if (fd < 0) { print_errno(op, p); continue; }
      close(fd);
      fflush(stdout);
#ifdef SYS_fork
      long pid = op[0] == 's' ? syscall(SYS_fork) : (long)fork();
#else
      long pid = op[0] == 's' ? syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) : (long)fork();
#endif
      if (pid < 0) { print_errno(op, p); continue; }
      if (pid == 0) {
        int c = open(p, O_RDONLY);
        if (c < 0) { print_errno(op, p); _exit(1); }
        cat_fd(op, p, c, 0);
        fflush(stdout);
        _exit(0);
      }
      int status = 0;
      waitpid((pid_t)pid, &status, 0);
      printf("%s %s child exit=%d\n", op, p, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    } else if (strcmp(op, "threads") == 0) {
      pthread_t t[8];
      long bad = 0;
      thread_path = p;
      for (long k = 0; k < 8; k++) pthread_create(&t[k], NULL, thread_main, (void *)k);
      for (int k = 0; k < 8; k++) { void *r; pthread_join(t[k], &r); bad += (long)r; }
      printf("%s %s %s bad=%ld\n", op, p, bad ? "FAIL" : "OK", bad);
    } else if (strcmp(op, "env") == 0) {
      const char *v = getenv(p);
      printf("env %s %s\n", p, v ? v : "(unset)");
    } else if (strcmp(op, "pwd") == 0) {
      char b[4096];
      printf("pwd %s\n", getcwd(b, sizeof b) ? b : "?");
    } else {
      fprintf(stderr, "probe: unknown op %s\n", op);
      return 2;
    }
  }
  return 0;
}
