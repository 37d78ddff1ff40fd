/* Test program of the file shield (vfs.c), linked with the extension by volume-shield.int.spec.ts: what a program
 * does with files on an encrypted volume, through libc's named functions and through syscall() as the patched Go
 * runtime issues them. Every check prints nothing when it holds; the first that fails prints FAIL and exits 1.
 *   shield scenario <volume dir>        the file API on the volume ("scenario ok <n> checks")
 *   shield write <file> <text>          create/truncate, write, fsync, close ("wrote <n>")
 *   shield read <file>                  the content ("read <n> <text>"), or "error <errno>"
 *   shield rewrite <file> <text> <n>    n rounds of <text><round>: write a temp file, fsync, rename it over <file>,
 *                                       fsync the directory (the rename made durable); forever when n is 0
 *   shield many <dir> <n> exit|_exit|wait  n files f<i> holding "file <i>" and a directory d<i> each, no fsync; then
 *                                       exit(0), _exit(0), or print "made" and wait to be killed
 *   shield count <dir>                  "count <k> <m>": the files f<i> holding "file <i>", the directories d<i> */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

#ifndef RENAME_NOREPLACE /* musl 1.2.3 */
#define RENAME_NOREPLACE 1
#endif

static int checks;
/* errno's name (musl has no strerrorname_np) */
static const char *ename(int e) {
  static char other[16];
  switch (e) {
  case 0: return "0";
  case EIO: return "EIO";
  case ENOENT: return "ENOENT";
  case EBADF: return "EBADF";
  case EACCES: return "EACCES";
  case EEXIST: return "EEXIST";
  case EINVAL: return "EINVAL";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  case ENOTSUP: return "ENOTSUP";
  case EPERM: return "EPERM";
  case EXDEV: return "EXDEV";
  case ENODEV: return "ENODEV";
  default: snprintf(other, sizeof other, "errno %d", e); return other;
  }
}
#define CHECK(cond, ...) do { checks++; if (!(cond)) { printf("FAIL line %d: ", __LINE__); printf(__VA_ARGS__); printf(" (errno %s)\n", ename(errno)); exit(1); } } while (0)
#define ERRNO_IS(call, e) ((call) == -1 && errno == (e))

static char P[4096];
static const char *at(const char *dir, const char *rel) { snprintf(P, sizeof P, "%s/%s", dir, rel); return P; }

static long sc_open(const char *path, int flags, int mode) { return syscall(SYS_openat, AT_FDCWD, path, flags, mode); }

static off_t size_of(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_size : -1;
}

static int listing(const char *dir, char *out, size_t n) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[8192];
  out[0] = '\0';
  long got;
  while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
    for (long o = 0; o < got;) {
      struct dirent64 *d = (struct dirent64 *)(buf + o);
      if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
        strncat(out, d->d_name, n - strlen(out) - 2);
        strncat(out, d->d_type == DT_DIR ? "/ " : " ", n - strlen(out) - 1);
      }
      o += d->d_reclen;
    }
  }
  close(fd);
  return got < 0 ? -1 : 0;
}

/* the volume's own symlinks: made, read, followed (relative, absolute, through a directory), not followed where the
 * call says so, dangling, looping, leading out of the volume; "linktarget-b7e2" stays as a dangling link's target
 * (the int test looks for it in the host folder) */
static void symlinks(const char *dir) {
  char p[4096], q[4096], t[4096], buf[64];
  struct stat st;
  int fd;
#define J(out, rel) snprintf(out, sizeof out, "%s/%s", dir, rel)
  J(p, "sub/target.txt");
  fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  CHECK(fd >= 0 && write(fd, "linked!", 7) == 7 && close(fd) == 0, "the link target");
  J(q, "sub/rel-link");
  CHECK(symlink("target.txt", q) == 0, "symlink (relative target)");
  CHECK(ERRNO_IS(symlink("other", q), EEXIST), "symlink over a name: EEXIST");
  ssize_t n = readlink(q, t, sizeof t);
  CHECK(n == 10 && memcmp(t, "target.txt", 10) == 0, "readlink: %.*s", (int)(n > 0 ? n : 0), t);
  CHECK(lstat(q, &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 10, "lstat: a link of 10 bytes");
  CHECK(stat(q, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 7, "stat follows it");
  fd = open(q, O_RDONLY);
  CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 7 && memcmp(buf, "linked!", 7) == 0 && close(fd) == 0, "open follows it");
  CHECK(ERRNO_IS(open(q, O_RDONLY | O_NOFOLLOW), ELOOP), "O_NOFOLLOW: ELOOP");
  fd = (int)sc_open(q, O_PATH | O_NOFOLLOW, 0);
  CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode) && syscall(SYS_readlinkat, fd, "", t, sizeof t) == 10 && close(fd) == 0, "O_PATH|O_NOFOLLOW: the link itself");
  CHECK(syscall(SYS_newfstatat, AT_FDCWD, q, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode), "fstatat AT_SYMLINK_NOFOLLOW");
  J(q, "abs-link");
  CHECK(syscall(SYS_symlinkat, p, AT_FDCWD, q) == 0 && stat(q, &st) == 0 && st.st_size == 7, "SYS_symlinkat (absolute target in the volume)");
  J(q, "dir-link");
  J(t, "dir-link/target.txt");
  CHECK(symlink("sub", q) == 0 && size_of(t) == 7, "a directory link on the way");
  J(q, "dir-link/../sub/target.txt");
  CHECK(size_of(q) == 7, "dir-link/../");
  J(p, "sub/inner");
  J(q, "in-link");
  CHECK(mkdir(p, 0700) == 0 && symlink("sub/inner", q) == 0, "a link to sub/inner");
  J(q, "in-link/../target.txt");
  CHECK(size_of(q) == 7, "in-link/../ is sub/, the link target's parent, as the kernel resolves it (not the root)");
  J(q, "nothing/../sub/target.txt");
  CHECK(ERRNO_IS(stat(q, &st), ENOENT), "nothing/../: ENOENT");
  J(q, "sub/target.txt/../target.txt");
  CHECK(ERRNO_IS(stat(q, &st), ENOTDIR), "file/../: ENOTDIR");
  J(q, "sub/fs-link");
  CHECK(symlink("target.txt/", q) == 0 && ERRNO_IS(open(q, O_RDONLY), ENOTDIR) && unlink(q) == 0, "a link to \"file/\": ENOTDIR");
  J(q, "sub/inner/.");
  CHECK(ERRNO_IS(rmdir(q), EINVAL) && ERRNO_IS(unlink(q), EISDIR) && ERRNO_IS(rename(q, p), EBUSY), "rmdir, unlink, rename of \"dir/.\": EINVAL, EISDIR, EBUSY");
  J(q, "in-link/");
  CHECK(ERRNO_IS(rmdir(q), ENOTDIR) && stat(q, &st) == 0 && S_ISDIR(st.st_mode), "rmdir \"link/\" does not follow the link (ENOTDIR); stat does");
  J(q, "in-link");
  CHECK(unlink(q) == 0 && rmdir(p) == 0, "in-link and sub/inner removed");
  char list[4096];
  CHECK(listing(dir, list, sizeof list) == 0 && strstr(list, "dir-link ") && strstr(list, "abs-link "), "getdents64 lists links: %s", list);
  J(q, "sub/dangling");
  J(t, "sub/linktarget-b7e2");
  CHECK(symlink("linktarget-b7e2", q) == 0 && ERRNO_IS(stat(q, &st), ENOENT) && lstat(q, &st) == 0, "a dangling link");
  CHECK(ERRNO_IS(open(q, O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST), "O_CREAT|O_EXCL on a dangling link: EEXIST");
  J(p, "sub/dangling/");
  CHECK(ERRNO_IS(mkdir(p, 0700), EEXIST) && ERRNO_IS(stat(t, &st), ENOENT), "mkdir \"dangling/\": EEXIST, its target not made");
  fd = open(q, O_CREAT | O_WRONLY, 0600);
  CHECK(fd >= 0 && close(fd) == 0 && size_of(t) == 0 && unlink(t) == 0, "O_CREAT through a dangling link creates its target");
  J(p, "loop1");
  J(q, "loop2");
  CHECK(symlink("loop2", p) == 0 && symlink("loop1", q) == 0 && ERRNO_IS(stat(p, &st), ELOOP), "a loop: ELOOP");
  CHECK(unlink(p) == 0 && unlink(q) == 0, "unlink removes the links");
  J(p, "escape");
  CHECK(symlink("/etc/hostname", p) == 0 && ERRNO_IS(stat(p, &st), EXDEV) && lstat(p, &st) == 0 && unlink(p) == 0, "a link out of the volume: EXDEV when followed");
  J(p, "abs-link");
  J(q, "sub/renamed-link");
  CHECK(rename(p, q) == 0 && lstat(q, &st) == 0 && S_ISLNK(st.st_mode) && size_of(q) == 7 && unlink(q) == 0, "rename moves the link");
  J(p, "sub/target.txt");
  CHECK(size_of(p) == 7, "the target stays");
  J(q, "dir-link");
  J(p, "sub/rel-link");
  CHECK(unlink(q) == 0 && unlink(p) == 0, "links removed");
#undef J
}

/* a volume's subdirectory as the working directory (chdir, fchdir): getcwd names it, relative paths start there,
 * ".." leads back to the root and out to the host; it follows its directory's rename */
static void workdir(const char *dir) {
  char cwd[4096], got[4096], wd[4096], deeper[4096], parent[4096];
  struct stat st;
  snprintf(wd, sizeof wd, "%s/wd", dir);
  snprintf(deeper, sizeof deeper, "%s/wd/deeper", dir);
  snprintf(parent, sizeof parent, "%s", dir);
  *strrchr(parent, '/') = '\0';
  CHECK(getcwd(cwd, sizeof cwd) && mkdir(wd, 0700) == 0 && mkdir(deeper, 0700) == 0, "mkdir wd/deeper");
  CHECK(chdir(wd) == 0 && getcwd(got, sizeof got) && strcmp(got, wd) == 0, "chdir into a volume subdirectory, getcwd: %s", got);
  CHECK(syscall(SYS_getcwd, got, sizeof got) == (long)strlen(wd) + 1 && strcmp(got, wd) == 0, "SYS_getcwd");
  char *dup = getcwd(NULL, 0);
  CHECK(dup && strcmp(dup, wd) == 0, "getcwd(NULL, 0)");
  free(dup);
  struct stat host;
  int hfd0 = open("../..", O_RDONLY | O_DIRECTORY);
  CHECK(stat(parent, &host) == 0 && stat("../..", &st) == 0 && st.st_ino == host.st_ino && st.st_dev == host.st_dev &&
        hfd0 >= 0 && fstat(hfd0, &st) == 0 && st.st_ino == host.st_ino && close(hfd0) == 0, "../.. from a volume subdirectory: the host folder above the volume (stat, open)");
  CHECK(getcwd(got, 4) == NULL && errno == ERANGE, "getcwd into a short buffer: ERANGE");
  int fd = open("here.txt", O_CREAT | O_WRONLY | O_TRUNC, 0600);
  CHECK(fd >= 0 && write(fd, "wd", 2) == 2 && close(fd) == 0 && size_of(at(dir, "wd/here.txt")) == 2, "a relative create lands in wd");
  CHECK(stat("deeper", &st) == 0 && S_ISDIR(st.st_mode), "a relative stat");
  CHECK(ERRNO_IS(chdir("here.txt"), ENOTDIR) && ERRNO_IS(chdir("nothing"), ENOENT), "chdir to a file: ENOTDIR, to nothing: ENOENT");
  CHECK(chdir("deeper") == 0 && getcwd(got, sizeof got) && strcmp(got, deeper) == 0, "a relative chdir: %s", got);
  CHECK(size_of("../here.txt") == 2, "../ from a volume directory");
  CHECK(chdir("../..") == 0 && getcwd(got, sizeof got) && strcmp(got, dir) == 0, "chdir ../.. to the volume root: %s", got);
  CHECK(chdir("..") == 0 && getcwd(got, sizeof got) && strcmp(got, parent) == 0, "chdir .. out to the host: %s", got);
  int dfd = open(wd, O_RDONLY | O_DIRECTORY);
  CHECK(dfd >= 0 && fchdir(dfd) == 0 && size_of("here.txt") == 2, "fchdir into a volume subdirectory");
  CHECK(rename(wd, at(dir, "wd2")) == 0 && getcwd(got, sizeof got) && strcmp(got, at(dir, "wd2")) == 0, "the working directory follows its rename: %s", got);
  CHECK(rename(at(dir, "wd2"), wd) == 0 && size_of("here.txt") == 2, "renamed back");
  CHECK(chdir(cwd) == 0 && getcwd(got, sizeof got) && strcmp(got, cwd) == 0 && ERRNO_IS(stat("here.txt", &st), ENOENT), "chdir back to the host");
  CHECK(fchdir(dfd) == 0 && close(dfd) == 0 && unlink("here.txt") == 0 && rmdir("deeper") == 0, "relative unlink and rmdir in wd");
  int hfd = open(cwd, O_RDONLY | O_DIRECTORY);
  CHECK(hfd >= 0 && fchdir(hfd) == 0 && close(hfd) == 0 && getcwd(got, sizeof got) && strcmp(got, cwd) == 0, "fchdir back to the host");
  CHECK(rmdir(wd) == 0, "rmdir wd");
}

/* hard links: link, linkat (named and through syscall()): one inode, data written through one name read through the
 * other, the data kept until the last name goes; a directory is EPERM, a link out of the volume EXDEV */
static void hardlinks(const char *dir) {
  char a[4096], b[4096], buf[16];
  struct stat sa, sb;
  snprintf(a, sizeof a, "%s/hl-a", dir);
  snprintf(b, sizeof b, "%s/sub/hl-b", dir);
  int fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  CHECK(fd >= 0 && write(fd, "first", 5) == 5 && close(fd) == 0, "hl-a");
  CHECK(link(a, b) == 0 && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sb.st_nlink == 2, "link: one inode, st_nlink 2");
  char d[4096], e[4096];
  snprintf(d, sizeof d, "%s/sub", dir);
  snprintf(e, sizeof e, "%s/sub-link", dir);
  CHECK(ERRNO_IS(link(a, b), EEXIST) && ERRNO_IS(link(d, e), EPERM), "link errors: EEXIST, EPERM (a directory)");
  CHECK(ERRNO_IS(link(a, "/tmp/hl-out"), EXDEV), "a link out of the volume: EXDEV");
  fd = open(b, O_WRONLY | O_APPEND);
  CHECK(fd >= 0 && write(fd, "+second", 7) == 7 && close(fd) == 0, "append through sub/hl-b");
  fd = open(a, O_RDONLY);
  CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 12 && memcmp(buf, "first+second", 12) == 0, "hl-a reads what hl-b appended");
  CHECK(unlink(a) == 0 && stat(b, &sb) == 0 && sb.st_nlink == 1 && size_of(b) == 12, "unlink hl-a: hl-b stays, st_nlink 1");
  CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "first", 5) == 0 && close(fd) == 0, "the open hl-a reads on");
  CHECK(syscall(SYS_linkat, AT_FDCWD, b, AT_FDCWD, a, 0) == 0 && size_of(a) == 12, "SYS_linkat back to hl-a");
  CHECK(unlink(a) == 0 && unlink(b) == 0 && ERRNO_IS(stat(b, &sb), ENOENT), "both names removed");
}

/* a FIFO in the volume: mkfifo, stat and getdents say so, a blocking open on each end from two threads meets (the
 * shield does not hold its lock while an open waits), the bytes pass, unlink removes it */
static const char *fifo_path;
static void *fifo_writer(void *arg) {
  (void)arg;
  int fd = open(fifo_path, O_WRONLY);
  long ok = fd >= 0 && write(fd, "through the fifo", 16) == 16 && close(fd) == 0;
  return (void *)ok;
}
static void fifos(const char *dir) {
  char p[4096], list[4096], buf[32];
  struct stat st;
  snprintf(p, sizeof p, "%s/sub/pipe", dir);
  CHECK(mkfifo(p, 0600) == 0 && stat(p, &st) == 0 && S_ISFIFO(st.st_mode), "mkfifo: stat says S_IFIFO");
  CHECK(ERRNO_IS(mkfifo(p, 0600), EEXIST) && ERRNO_IS(mknod(at(dir, "sub/dev"), S_IFCHR | 0600, makedev(1, 3)), EPERM), "mkfifo again: EEXIST; a device node: EPERM");
  CHECK(listing(at(dir, "sub"), list, sizeof list) == 0 && strstr(list, "pipe "), "getdents64 lists the fifo: %s", list);
  fifo_path = p;
  pthread_t t;
  CHECK(pthread_create(&t, NULL, fifo_writer, NULL) == 0, "writer thread");
  int fd = open(p, O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
  void *ok = NULL;
  CHECK(pthread_join(t, &ok) == 0 && ok, "the writer's open, write and close");
  CHECK(n == 16 && memcmp(buf, "through the fifo", 16) == 0 && close(fd) == 0, "read what the other thread wrote: %zd", n);
  CHECK(unlink(p) == 0 && ERRNO_IS(stat(p, &st), ENOENT), "unlink the fifo");
}

/* a path longer than PATH_MAX in the volume, reached relative to a deep working directory (as Go's getwd and RemoveAll
 * tests do): mkdir and chdir 25 levels of 200 bytes, a file at the bottom, getcwd ENAMETOOLONG past 4095 bytes (the
 * kernel's answer), then back up and remove it all */
static void longpaths(const char *dir) {
  char cwd[4096], name[201], got[64];
  struct stat st;
  memset(name, 'd', 200);
  name[200] = '\0';
  CHECK(getcwd(cwd, sizeof cwd) && chdir(dir) == 0, "chdir to the volume");
  for (int i = 0; i < 25; i++) CHECK(mkdir(name, 0700) == 0 && chdir(name) == 0, "mkdir and chdir at depth %d", i);
  int fd = open("deep.txt", O_CREAT | O_WRONLY, 0600);
  CHECK(fd >= 0 && write(fd, "deep", 4) == 4 && close(fd) == 0 && stat("deep.txt", &st) == 0 && st.st_size == 4, "a file 5000 bytes deep");
  CHECK(syscall(SYS_getcwd, got, sizeof got) == -1 && errno == ENAMETOOLONG, "getcwd of a working directory over 4095 bytes: ENAMETOOLONG");
  CHECK(unlink("deep.txt") == 0, "unlink it");
  for (int i = 0; i < 25; i++) CHECK(chdir("..") == 0 && rmdir(name) == 0, "back up and rmdir at depth %d", 24 - i);
  CHECK(chdir(cwd) == 0 && ERRNO_IS(stat(at(dir, name), &st), ENOENT), "all of it removed");
}

static void scenario(const char *dir) {
  char buf[20000], pat[10000];
  for (size_t i = 0; i < sizeof pat; i++) pat[i] = (char)('a' + i % 26);
  struct stat st;

  /* directories, named and through syscall() */
  CHECK(mkdir(at(dir, "sub"), 0700) == 0, "mkdir sub");
  CHECK(syscall(SYS_mkdirat, AT_FDCWD, at(dir, "sub2"), 0755) == 0, "SYS_mkdirat sub2");
  CHECK(ERRNO_IS(mkdir(at(dir, "sub"), 0700), EEXIST), "mkdir again: EEXIST");
  CHECK(ERRNO_IS(mkdir(at(dir, "no/such"), 0700), ENOENT), "mkdir without parent: ENOENT");
  CHECK(stat(at(dir, "sub"), &st) == 0 && S_ISDIR(st.st_mode), "stat sub is a directory");
  CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), "stat the volume root");

  /* create, write, pwrite, pread, lseek, fstat */
  const char *f = at(dir, "sub/file.bin");
  char fpath[4096];
  strcpy(fpath, f);
  int fd = (int)sc_open(fpath, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
  CHECK(fd >= 0, "SYS_openat O_CREAT|O_EXCL");
  CHECK(write(fd, pat, sizeof pat) == (ssize_t)sizeof pat, "write 10000");
  CHECK(syscall(SYS_pwrite64, fd, "XYZ", 3, 5000) == 3, "SYS_pwrite64 at 5000");
  CHECK(pread(fd, buf, 10, 4998) == 10 && buf[0] == pat[4998] && memcmp(buf + 2, "XYZ", 3) == 0 && buf[5] == pat[5003], "pread around the pwrite: %.10s", buf);
  CHECK(lseek(fd, 0, SEEK_CUR) == 10000, "offset after write");
  CHECK(syscall(SYS_lseek, fd, 0, SEEK_END) == 10000, "SYS_lseek SEEK_END");
  CHECK(lseek(fd, 4096, SEEK_SET) == 4096 && read(fd, buf, 5) == 5 && memcmp(buf, pat + 4096, 5) == 0, "read at a chunk boundary");
  CHECK(fstat(fd, &st) == 0 && st.st_size == 10000 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600, "fstat size and mode");
  CHECK(syscall(SYS_fsync, fd) == 0, "SYS_fsync");
  CHECK(ERRNO_IS(sc_open(fpath, O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST), "O_EXCL on an existing file: EEXIST");
  /* dup shares the offset */
  int fd2 = dup(fd);
  CHECK(fd2 >= 0 && lseek(fd, 100, SEEK_SET) == 100 && lseek(fd2, 0, SEEK_CUR) == 100, "dup shares the offset");
  int fd3 = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 50);
  CHECK(fd3 >= 50 && read(fd3, buf, 3) == 3 && memcmp(buf, pat + 100, 3) == 0, "F_DUPFD_CLOEXEC reads the volume file");
  CHECK(close(fd2) == 0 && close(fd3) == 0, "close the dups");
  CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "F_GETFL");
  CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0 && flock(fd, LOCK_UN) == 0, "flock");
  struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  CHECK(fcntl(fd, F_SETLK, &lk) == 0, "F_SETLK");
  /* refused, never bypassed */
  int null = open("/dev/null", O_WRONLY);
  off_t off0 = 0;
  CHECK(ERRNO_IS(sendfile(null, fd, &off0, 10), EINVAL), "sendfile from a volume file: EINVAL");
  CHECK(ERRNO_IS(syscall(SYS_copy_file_range, fd, NULL, null, NULL, 10, 0), EINVAL), "copy_file_range: EINVAL");
  CHECK(ERRNO_IS(syscall(SYS_splice, fd, NULL, null, NULL, 10, 0), EINVAL), "splice to a non-pipe: EINVAL");
  /* splice with a pipe is served through the shield (Go's io.Copy from a socket to a file: socket → pipe → file) */
  int pp[2];
  CHECK(pipe(pp) == 0 && write(pp[1], "spliced!", 8) == 8, "pipe");
  int sfd = open(at(dir, "spliced"), O_CREAT | O_RDWR | O_TRUNC, 0600);
  CHECK(sfd >= 0 && syscall(SYS_splice, pp[0], NULL, sfd, NULL, 8, 0) == 8 && size_of(at(dir, "spliced")) == 8, "splice pipe → volume file");
  CHECK(lseek(sfd, 0, SEEK_SET) == 0 && syscall(SYS_splice, sfd, NULL, pp[1], NULL, 8, 0) == 8 && read(pp[0], buf, 8) == 8 && memcmp(buf, "spliced!", 8) == 0,
        "splice volume file → pipe");
  CHECK(close(sfd) == 0 && unlink(at(dir, "spliced")) == 0 && close(pp[0]) == 0 && close(pp[1]) == 0, "splice cleanup");
  CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == ENODEV, "mmap: ENODEV");
  CHECK(ERRNO_IS(syscall(SYS_fallocate, fd, 0, 0, 100), EOPNOTSUPP), "fallocate: EOPNOTSUPP");
  close(null);
  /* ftruncate: shrink, then grow with zeros */
  CHECK(ftruncate(fd, 3000) == 0 && fstat(fd, &st) == 0 && st.st_size == 3000, "ftruncate shrink");
  CHECK(syscall(SYS_ftruncate, fd, 9000) == 0 && size_of(fpath) == 9000, "SYS_ftruncate grow");
  CHECK(pread(fd, buf, 10, 2995) == 10 && memcmp(buf, pat + 2995, 5) == 0 && memcmp(buf + 5, "\0\0\0\0\0", 5) == 0, "zeros past the old end");
  CHECK(close(fd) == 0, "close (commits)");

  /* O_APPEND, O_TRUNC, readv/writev, read-only and write-only fds */
  fd = open(fpath, O_WRONLY | O_APPEND);
  CHECK(fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, "tail", 4) == 4 && size_of(fpath) == 9004, "O_APPEND writes at the end");
  CHECK(ERRNO_IS(read(fd, buf, 1), EBADF), "read on a write-only fd: EBADF");
  close(fd);
  fd = open(fpath, O_RDONLY);
  CHECK(fd >= 0 && ERRNO_IS(write(fd, "x", 1), EBADF), "write on a read-only fd: EBADF");
  close(fd);
  fd = (int)sc_open(fpath, O_RDWR | O_TRUNC, 0);
  CHECK(fd >= 0 && size_of(fpath) == 0, "O_TRUNC");
  struct iovec iov[3] = { { "one ", 4 }, { "two ", 4 }, { "three", 5 } };
  CHECK(syscall(SYS_writev, fd, iov, 3) == 13, "SYS_writev");
  char a[4], b[9];
  struct iovec riov[2] = { { a, 4 }, { b, 9 } };
  CHECK(syscall(SYS_preadv, fd, riov, 2, 0, 0) == 13 && memcmp(a, "one ", 4) == 0 && memcmp(b, "two three", 9) == 0, "SYS_preadv");
  CHECK(fdatasync(fd) == 0 && close(fd) == 0, "fdatasync");

  /* write-temp-then-rename, renameat2, rename across the volume's boundary */
  char tmp[4096], fin[4096];
  strcpy(tmp, at(dir, "sub/cert.pem.tmp"));
  strcpy(fin, at(dir, "sub/cert.pem"));
  for (int round = 0; round < 2; round++) {
    fd = open(tmp, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
    char txt[32];
    int n = snprintf(txt, sizeof txt, "certificate v%d\n", round);
    CHECK(fd >= 0 && write(fd, txt, (size_t)n) == n && fsync(fd) == 0 && close(fd) == 0, "write the temp file");
    CHECK(syscall(SYS_renameat, AT_FDCWD, tmp, AT_FDCWD, fin) == 0, "SYS_renameat over the target (round %d)", round);
    fd = open(fin, O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == n && memcmp(buf, txt, (size_t)n) == 0, "the renamed content");
    close(fd);
    CHECK(ERRNO_IS(stat(tmp, &st), ENOENT), "the temp name is gone");
  }
  CHECK(syscall(SYS_renameat2, AT_FDCWD, fpath, AT_FDCWD, fin, RENAME_NOREPLACE) == -1 && errno == EEXIST, "RENAME_NOREPLACE: EEXIST");
  CHECK(ERRNO_IS(rename(fin, "/tmp/shield-escape"), EXDEV), "rename out of the volume: EXDEV");
  symlinks(dir);
  hardlinks(dir);
  fifos(dir);
  longpaths(dir);
  workdir(dir);

  /* listings */
  char list[4096];
  CHECK(listing(at(dir, "sub"), list, sizeof list) == 0 && strstr(list, "file.bin ") && strstr(list, "cert.pem ") && !strstr(list, "tmp"), "getdents64 of sub: %s", list);
  CHECK(listing(dir, list, sizeof list) == 0 && strstr(list, "sub/ ") && strstr(list, "sub2/ ") && !strstr(list, ".cgv"), "getdents64 of the root: %s", list);
  /* libc-internal opens (stdio, opendir) are not served: refused rather than let through to the ciphertext folder */
  CHECK(fopen(fin, "r") == NULL && errno == ENOTSUP && opendir(at(dir, "sub")) == NULL && errno == ENOTSUP, "fopen, opendir: ENOTSUP");

  /* the host's storage is not reachable through the volume's path */
  CHECK(ERRNO_IS(open(at(dir, ".cgv/manifest"), O_RDONLY), ENOENT), ".cgv is not visible in the volume");
  CHECK(ERRNO_IS(open(at(dir, "sub/file.bin/"), O_RDONLY), ENOTDIR), "file/: ENOTDIR");
  CHECK(ERRNO_IS(stat(at(dir, "sub/file.bin/."), &st), ENOTDIR) && ERRNO_IS(chmod(at(dir, "sub/file.bin/"), 0600), ENOTDIR), "file/. and chmod file/: ENOTDIR");
  CHECK(ERRNO_IS(rename(at(dir, "sub/file.bin/"), at(dir, "x")), ENOTDIR) && ERRNO_IS(rename(fin, at(dir, "new/")), ENOTDIR), "rename file/ or to new/: ENOTDIR");
  CHECK(ERRNO_IS(unlink(at(dir, "sub/file.bin/")), ENOTDIR) && stat(at(dir, "sub/."), &st) == 0 && S_ISDIR(st.st_mode), "unlink file/: ENOTDIR; dir/. is the directory");
  CHECK(chown(fin, geteuid(), getegid()) == 0 && lchown(fin, (uid_t)-1, getegid()) == 0 && syscall(SYS_fchownat, AT_FDCWD, fin, -1, -1, 0) == 0, "chown to the process's own uid/gid: nothing to change");
  CHECK(ERRNO_IS(chown(fin, geteuid() + 1, (gid_t)-1), EPERM) && ERRNO_IS(chown(at(dir, "nothing"), (uid_t)-1, (gid_t)-1), ENOENT), "chown to another owner: EPERM; of nothing: ENOENT");
  CHECK(ERRNO_IS(open(at(dir, "sub/file.bin/x"), O_RDONLY), ENOTDIR) && ERRNO_IS(stat(at(dir, "sub/file.bin/x/y"), &st), ENOTDIR), "a file as a directory on the way: ENOTDIR");
  CHECK(syscall(SYS_fchmodat2, AT_FDCWD, at(dir, "sub/file.bin"), 0640, AT_SYMLINK_NOFOLLOW) == 0 && stat(at(dir, "sub/file.bin"), &st) == 0 && (st.st_mode & 0777) == 0640, "SYS_fchmodat2");
  CHECK(ERRNO_IS(open(at(dir, "sub"), O_RDWR), EISDIR), "a directory for writing: EISDIR");
  CHECK(ERRNO_IS(open(fin, O_RDONLY | O_DIRECTORY), ENOTDIR), "a file as a directory: ENOTDIR");

  /* metadata */
  CHECK(ERRNO_IS(access(fin, X_OK), EACCES) && access(fin, R_OK | W_OK) == 0, "access");
  CHECK(chmod(fin, 0700) == 0 && access(fin, X_OK) == 0 && stat(fin, &st) == 0 && (st.st_mode & 0777) == 0700, "chmod");
  struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000000000, 5 } };
  CHECK(utimensat(AT_FDCWD, fin, ts, 0) == 0 && stat(fin, &st) == 0 && st.st_mtim.tv_sec == 1000000000 && st.st_mtim.tv_nsec == 5, "utimensat mtime");
  time_t atime_before = st.st_atim.tv_sec;
  struct timespec ta[2] = { { 900000000, 7 }, { 0, UTIME_OMIT } };
  CHECK(atime_before != 900000000 && utimensat(AT_FDCWD, fin, ta, 0) == 0 && stat(fin, &st) == 0 && st.st_atim.tv_sec == 900000000 && st.st_atim.tv_nsec == 7 &&
        st.st_mtim.tv_sec == 1000000000, "utimensat atime, the mtime kept");
  struct stat st2;
  CHECK(stat(fpath, &st2) == 0 && st2.st_ino != st.st_ino && st2.st_dev == st.st_dev, "distinct inode numbers");
#ifdef STATX_TYPE /* musl 1.2.3 has no struct statx */
  struct statx sx;
  CHECK(syscall(SYS_statx, AT_FDCWD, fpath, 0, STATX_BASIC_STATS, &sx) == 0 && sx.stx_size == 13 && S_ISREG(sx.stx_mode), "SYS_statx");
#endif

  /* relative to a directory fd and to the working directory */
  int dfd = open(at(dir, "sub2"), O_RDONLY | O_DIRECTORY);
  CHECK(dfd >= 0, "open sub2");
  fd = openat(dfd, "rel.txt", O_CREAT | O_WRONLY, 0644);
  CHECK(fd >= 0 && write(fd, "rel", 3) == 3 && close(fd) == 0 && size_of(at(dir, "sub2/rel.txt")) == 3, "openat(dirfd) in the volume");
  CHECK(fstatat(dfd, "rel.txt", &st, 0) == 0 && st.st_size == 3, "fstatat(dirfd)");
  CHECK(unlinkat(dfd, "rel.txt", 0) == 0 && ERRNO_IS(stat(at(dir, "sub2/rel.txt"), &st), ENOENT), "unlinkat(dirfd)");
  /* an open directory keeps working after its rename */
  char sub2[4096], sub3[4096];
  snprintf(sub2, sizeof sub2, "%s/sub2", dir);
  snprintf(sub3, sizeof sub3, "%s/sub3", dir);
  CHECK(rename(sub2, sub3) == 0, "rename an open directory");
  fd = openat(dfd, "moved.txt", O_CREAT | O_WRONLY, 0600);
  CHECK(fd >= 0 && close(fd) == 0 && size_of(at(dir, "sub3/moved.txt")) == 0, "openat(dirfd) after the directory's rename");
  CHECK(unlink(at(dir, "sub3/moved.txt")) == 0 && rename(sub3, sub2) == 0, "rename back");
  close(dfd);
  CHECK(ERRNO_IS(open(at(dir, "sub2"), O_RDONLY | O_CREAT, 0600), EISDIR), "O_CREAT on a directory: EISDIR");
  /* a path relative to a host directory fd that leads into the volume is the volume's */
  char parent[4096];
  snprintf(parent, sizeof parent, "%s", dir);
  char *slash = strrchr(parent, '/');
  *slash = '\0';
  int hfd = open(parent, O_RDONLY | O_DIRECTORY);
  char rel[4096];
  snprintf(rel, sizeof rel, "%s/hostfd.txt", slash + 1);
  fd = openat(hfd, rel, O_CREAT | O_WRONLY, 0600);
  CHECK(hfd >= 0 && fd >= 0 && write(fd, "h", 1) == 1 && close(fd) == 0 && size_of(at(dir, "hostfd.txt")) == 1 && unlink(at(dir, "hostfd.txt")) == 0,
        "openat(host dirfd, \"<volume>/file\") is served by the volume");
  close(hfd);
  char cwd[4096];
  CHECK(getcwd(cwd, sizeof cwd) && chdir(dir) == 0, "chdir to the volume root");
  fd = open("cwd.txt", O_CREAT | O_WRONLY | O_TRUNC, 0600);
  CHECK(fd >= 0 && write(fd, "cwd", 3) == 3 && close(fd) == 0 && size_of(at(dir, "cwd.txt")) == 3, "a relative path from the volume root");
  CHECK(unlink("cwd.txt") == 0 && chdir(cwd) == 0, "unlink relative");

  /* removal; an open file stays readable after its unlink */
  fd = open(fpath, O_RDONLY);
  CHECK(fd >= 0 && unlink(fpath) == 0 && ERRNO_IS(stat(fpath, &st), ENOENT), "unlink");
  CHECK(pread(fd, buf, 13, 0) == 13 && memcmp(buf, "one two three", 13) == 0 && close(fd) == 0, "read after unlink");
  CHECK(ERRNO_IS(rmdir(at(dir, "sub")), ENOTEMPTY), "rmdir non-empty: ENOTEMPTY");
  CHECK(syscall(SYS_unlinkat, AT_FDCWD, at(dir, "sub2"), AT_REMOVEDIR) == 0, "SYS_unlinkat AT_REMOVEDIR");
  CHECK(ERRNO_IS(rmdir(dir), EBUSY), "rmdir the volume root: EBUSY");
  printf("scenario ok %d checks\n", checks);
}

static int write_file(const char *path, const char *text, size_t n) {
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (write(fd, text, n) != (ssize_t)n || fsync(fd) != 0) { close(fd); return -1; }
  return close(fd);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc >= 3 && strcmp(argv[1], "scenario") == 0) scenario(argv[2]);
  else if (argc >= 4 && strcmp(argv[1], "write") == 0) {
    CHECK(write_file(argv[2], argv[3], strlen(argv[3])) == 0, "write %s", argv[2]);
    printf("wrote %zu\n", strlen(argv[3]));
  } else if (argc >= 3 && strcmp(argv[1], "read") == 0) {
    char buf[65536];
    int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (n < 0) { printf("error %s\n", ename(errno)); return 0; }
    buf[n] = '\0';
    printf("read %zd %s\n", n, buf);
  } else if (argc >= 5 && strcmp(argv[1], "rewrite") == 0) {
    long rounds = atol(argv[4]);
    char tmp[4200], text[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", argv[2]);
    *strrchr(dir, '/') = '\0';
    for (long i = 0; rounds == 0 || i < rounds; i++) {
      int n = snprintf(text, sizeof text, "%s%ld", argv[3], i);
      CHECK(write_file(tmp, text, (size_t)n) == 0 && rename(tmp, argv[2]) == 0, "rewrite round %ld", i);
      int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      CHECK(dfd >= 0 && fsync(dfd) == 0 && close(dfd) == 0, "fsync the directory, round %ld", i);
      printf("round %ld\n", i);
    }
  } else if (argc >= 5 && strcmp(argv[1], "many") == 0) {
    long n = atol(argv[3]);
    char p[4200], text[64];
    for (long i = 0; i < n; i++) {
      int k = snprintf(text, sizeof text, "file %ld", i);
      snprintf(p, sizeof p, "%s/f%ld", argv[2], i);
      int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
      CHECK(fd >= 0 && write(fd, text, (size_t)k) == k && close(fd) == 0, "make %s", p);
      snprintf(p, sizeof p, "%s/d%ld", argv[2], i);
      CHECK(mkdir(p, 0700) == 0, "mkdir %s", p);
    }
    if (strcmp(argv[4], "_exit") == 0) _exit(0);
    if (strcmp(argv[4], "wait") == 0) {
      printf("made\n");
      for (;;) pause();
    }
  } else if (argc >= 3 && strcmp(argv[1], "count") == 0) {
    long files = 0, dirs = 0;
    char p[4200], buf[64], want[64];
    struct stat st;
    for (long i = 0; i < 100000; i++) {
      snprintf(p, sizeof p, "%s/f%ld", argv[2], i);
      int fd = open(p, O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      ssize_t k = read(fd, buf, sizeof buf);
      close(fd);
      if (k != snprintf(want, sizeof want, "file %ld", i) || memcmp(buf, want, (size_t)k) != 0) break;
      files++;
    }
    for (long i = 0; i < 100000; i++) {
      snprintf(p, sizeof p, "%s/d%ld", argv[2], i);
      if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) break;
      dirs++;
    }
    printf("count %ld %ld\n", files, dirs);
  } else {
    fprintf(stderr, "usage: shield scenario <dir> | write <file> <text> | read <file> | rewrite <file> <text> <n> | many <dir> <n> exit|_exit|wait | count <dir>\n");
    return 2;
  }
  return 0;
}
