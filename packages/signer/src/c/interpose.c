/* binaryfs runtime: libc-level interposer serving the embedded files of __binaryfs_header and the policy's injected
 * files read-only. Named libc file functions and the generic syscall(number, ...) are both intercepted: the patched
 * Go runtime issues its system calls through either. Embedded regular files are served from sealed memfds (one per
 * file, created on first open, reopened per open through /proc/self/fd so each open has its own offset); read,
 * pread, lseek, mmap and sendfile then work natively on them. Directories are emulated (getdents64). Injected files
 * (bfs_inject, from the launch answer) are sealed memfds made at start, found by their absolute path (lexically
 * normalised; they do not appear in directory listings) and take precedence over the tree and the host. Everything
 * else, and every path under a host path, goes to the real libc function (libc.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <stdio.h>
#include <dirent.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bfs.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1u
#define MFD_ALLOW_SEALING 2u
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif


#define H (&__binaryfs_header)
#define PASS BFS_PASS
#define BFS_DEV 0xbf5
#define FDTAB BFS_FDTAB

#define sys bfs_sys
static long fail(int err) { errno = err; return -1; }

/* ---- fd table: fd -> entry index + 1 ---- */
static int32_t fdtab[FDTAB];
static int tracked(int fd) { return fd >= 0 && fd < FDTAB ? __atomic_load_n(&fdtab[fd], __ATOMIC_ACQUIRE) - 1 : -1; }
static void track(int fd, int idx) { if (fd >= 0 && fd < FDTAB) __atomic_store_n(&fdtab[fd], idx + 1, __ATOMIC_RELEASE); }
static void untrack(int fd) { if (fd >= 0 && fd < FDTAB) __atomic_store_n(&fdtab[fd], 0, __ATOMIC_RELEASE); }

/* ---- lookup ---- */
/* indices below H->n_entries are embedded entries, the ones above the injected files */
static struct bfs_entry *inj;
static int32_t *inj_memfd;
static uint32_t n_inj;
static const struct bfs_entry *E(int i) { return (uint64_t)i < H->n_entries ? &H->entries[i] : &inj[(uint64_t)i - H->n_entries]; }
static int is_dir(int i) { return S_ISDIR(E(i)->mode); }
static int is_lnk(int i) { return S_ISLNK(E(i)->mode); }

static int find(const char *p, size_t n) {
  long lo = 0, hi = (long)H->n_entries - 1;
  while (lo <= hi) {
    long mid = (lo + hi) / 2;
    const struct bfs_entry *e = E((int)mid);
    size_t m = e->path_len < n ? e->path_len : n;
    int c = memcmp(e->path, p, m);
    if (c == 0) c = e->path_len < n ? -1 : e->path_len > n ? 1 : 0;
    if (c == 0) return (int)mid;
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

static int under_host_path(const char *p, size_t n) {
  for (uint64_t i = 0; i < H->n_host_paths; i++) {
    const struct bfs_string *h = &H->host_paths[i];
    if (h->len == 1 && h->s[0] == '/') return 1;
    if (n >= h->len && memcmp(p, h->s, h->len) == 0 && (n == h->len || p[h->len] == '/')) return 1;
  }
  return 0;
}

enum { R_PASS, R_PASS_RESOLVED, R_EMBEDDED, R_ERROR };
struct res {
  int kind;
  int idx;            /* R_EMBEDDED */
  int err;            /* R_ERROR */
  int parent_owned;   /* the path does not exist but its parent is an embedded directory an include glob matched */
  char path[BFS_PATH_MAX];
};

static int base_of(int dirfd, char *base, size_t n) {
  if (dirfd == AT_FDCWD) return REAL(getcwd)(base, n) ? 0 : -1;
  int idx = tracked(dirfd);
  if (idx >= 0) {
    if (!is_dir(idx)) { errno = ENOTDIR; return -2; }
    if (E(idx)->path_len + 1 > n) return -1;
    memcpy(base, E(idx)->path, E(idx)->path_len + 1);
    return 0;
  }
  return bfs_fd_path(dirfd, base, n);
}

/* ---- injected files ---- */
/* the entry index of the injected file at (dirfd, path), lexically normalised ("." / ".." / "//"), or -1 */
static int inj_find(int dirfd, const char *path) {
  if (!n_inj || !path || !path[0]) return -1;
  size_t plen = strlen(path);
  if (plen >= BFS_PATH_MAX || path[plen - 1] == '/') return -1; /* "file/" is no file */
  if (path[0] == '/') { /* already normal (no "//", "." or ".." component): compared as it is, no copy */
    int clean = 1;
    for (size_t k = 0; k + 1 < plen && clean; k++)
      if (path[k] == '/' && (path[k + 1] == '/' || (path[k + 1] == '.' && (k + 2 == plen || path[k + 2] == '/' ||
                                                                          (path[k + 2] == '.' && (k + 3 == plen || path[k + 3] == '/'))))))
        clean = 0;
    if (clean) {
      for (uint32_t j = 0; j < n_inj; j++)
        if (inj[j].path_len == plen && memcmp(inj[j].path, path, plen) == 0) return (int)(H->n_entries + j);
      return -1;
    }
  }
  char buf[BFS_PATH_MAX];
  buf[0] = '/', buf[1] = '\0';
  if (path[0] != '/' && base_of(dirfd, buf, sizeof buf) != 0) return -1;
  long n = bfs_normalize(buf, strlen(buf), path);
  if (n < 0) return -1;
  size_t len = (size_t)n;
  for (uint32_t j = 0; j < n_inj; j++)
    if (inj[j].path_len == len && memcmp(inj[j].path, buf, len) == 0) return (int)(H->n_entries + j);
  return -1;
}

/* Resolves (dirfd, path) against the embedded tree component by component, as the kernel would: "." and ".." and a
 * trailing "/" need a directory, embedded symlinks are substituted where they occur (the last one only with follow),
 * 40 of them at most. A name missing from the tree hands the path to the host (original path, or the resolved one
 * when an embedded symlink was followed). */
static void resolve_path(int dirfd, const char *path, int follow, struct res *r) {
  r->kind = R_PASS; r->idx = -1; r->err = 0; r->parent_owned = 0;
  int injected = inj_find(dirfd, path);
  if (injected >= 0) { r->kind = R_EMBEDDED; r->idx = injected; return; }
  if (!path || H->n_entries == 0) return;
  if (path[0] == '\0') return; /* AT_EMPTY_PATH and ENOENT handled by the callers / kernel */
  size_t plen = strlen(path);
  if (plen >= BFS_PATH_MAX) return; /* the kernel answers ENAMETOOLONG */
  char pend[BFS_PATH_MAX];
  memcpy(pend, path, plen + 1);
  if (path[0] == '/') {
    strcpy(r->path, "/");
  } else {
    int b = base_of(dirfd, r->path, sizeof r->path);
    if (b == -2) { r->kind = R_ERROR; r->err = ENOTDIR; return; }
    if (b < 0) return;
  }
  size_t len = strlen(r->path);
  int cur = find(r->path, len);
  int traversed = 0, links = 0;
  size_t pi = 0;
  for (;;) {
    while (pend[pi] == '/') {
      pi++;
      if (pend[pi] == '\0' && cur >= 0 && !is_dir(cur)) { r->kind = R_ERROR; r->err = ENOTDIR; return; } /* "file/" */
    }
    if (pend[pi] == '\0') break;
    size_t s = pi;
    while (pend[pi] && pend[pi] != '/') pi++;
    size_t n = pi - s;
    int last = 1;
    for (size_t k = pi; pend[k]; k++) if (pend[k] != '/') { last = 0; break; }
    if (cur >= 0 && !is_dir(cur)) { r->kind = R_ERROR; r->err = ENOTDIR; return; }
    if (n == 1 && pend[s] == '.') continue;
    if (n == 2 && pend[s] == '.' && pend[s + 1] == '.') {
      while (len > 1 && r->path[len - 1] != '/') len--;
      if (len > 1) len--;
      r->path[len] = '\0';
      cur = find(r->path, len);
      continue;
    }
    if (n > 255) { r->kind = R_ERROR; r->err = ENAMETOOLONG; return; }
    if (len + 1 + n + 1 > sizeof r->path) { r->kind = R_ERROR; r->err = ENAMETOOLONG; return; }
    int parent = cur;
    if (len > 1) r->path[len++] = '/';
    memcpy(r->path + len, pend + s, n);
    len += n;
    r->path[len] = '\0';
    cur = find(r->path, len);
    if (cur < 0 && parent >= 0) {
      /* not in the tree: the host decides (and a new name in an explicitly embedded directory is read-only) */
      r->parent_owned = last && is_dir(parent) && !(E(parent)->flags & BFS_FLAG_IMPLICIT_DIR) && !under_host_path(r->path, len);
      if (traversed) {
        size_t rest = strlen(pend + pi);
        if (len + rest + 1 > sizeof r->path) { r->kind = R_ERROR; r->err = ENAMETOOLONG; return; }
        memcpy(r->path + len, pend + pi, rest + 1);
        r->kind = R_PASS_RESOLVED;
      }
      return;
    }
    /* a trailing slash makes the kernel follow even a last symlink (lstat("link/")) */
    if (cur >= 0 && is_lnk(cur) && (!last || follow || pend[pi] == '/')) {
      if (++links > 40) { r->kind = R_ERROR; r->err = ELOOP; return; }
      const char *target = (const char *)E(cur)->data;
      size_t tl = E(cur)->size, rest = strlen(pend + pi);
      if (tl == 0 || tl + rest + 1 > sizeof pend) { r->kind = R_ERROR; r->err = tl ? ENAMETOOLONG : ENOENT; return; }
      char tmp[BFS_PATH_MAX];
      memcpy(tmp, target, tl);
      memcpy(tmp + tl, pend + pi, rest + 1); /* the rest starts with '/' or is empty */
      memcpy(pend, tmp, tl + rest + 1);
      pi = 0;
      /* drop the link's own name; an absolute target restarts at the root */
      if (target[0] == '/') len = 1;
      else { while (len > 1 && r->path[len - 1] != '/') len--; if (len > 1) len--; }
      r->path[len] = '\0';
      cur = find(r->path, len);
      traversed = 1;
      continue;
    }
  }
  if (under_host_path(r->path, len) || cur < 0) { r->kind = traversed ? R_PASS_RESOLVED : R_PASS; return; }
  if (is_dir(cur) && (E(cur)->flags & BFS_FLAG_IMPLICIT_DIR)) {
    struct stat st;
    if (REAL(stat)(r->path, &st) == 0) { r->kind = traversed ? R_PASS_RESOLVED : R_PASS; return; }
  }
  r->kind = R_EMBEDDED; r->idx = cur;
}

/* ---- stat ---- */
static void fill_stat(int idx, struct stat *st) {
  const struct bfs_entry *e = E(idx);
  memset(st, 0, sizeof *st);
  st->st_dev = BFS_DEV;
  st->st_ino = (ino_t)idx + 2;
  st->st_mode = e->mode;
  st->st_nlink = is_dir(idx) ? 2 + 0 : 1;
  st->st_size = is_dir(idx) ? 4096 : (off_t)e->size;
  st->st_blksize = 4096;
  st->st_blocks = (blkcnt_t)((st->st_size + 511) / 512);
  st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t)H->mtime;
}

static void fill_statx(int idx, struct statx *sx) {
  struct stat st;
  fill_stat(idx, &st);
  bfs_stat_to_statx(&st, sx);
}

/* ---- opening ---- */
static int sealed_memfd(const char *name, const unsigned char *p, uint64_t left) {
  int fd = (int)sys(SYS_memfd_create, (long)name, MFD_CLOEXEC | MFD_ALLOW_SEALING, 0, 0, 0, 0);
  if (fd < 0) return -1;
  while (left) {
    ssize_t w = REAL(write)(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { REAL(close)(fd); return -1; }
    p += w; left -= (uint64_t)w;
  }
  /* the read-only guarantee rests on the seals: a kernel that refuses them gets no file (fail closed) */
  if (sys(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL, 0, 0, 0) < 0) {
    int err = errno;
    REAL(close)(fd);
    errno = err;
    return -1;
  }
  return fd;
}

static int memfd_of(int idx) {
  if ((uint64_t)idx >= H->n_entries) return inj_memfd[(uint64_t)idx - H->n_entries];
  int cur = __atomic_load_n(&H->memfds[idx], __ATOMIC_ACQUIRE);
  if (cur > 0) return cur - 1;
  int fd = sealed_memfd("binaryfs", E(idx)->data, E(idx)->size);
  if (fd < 0) return -1;
  int expected = 0;
  if (!__atomic_compare_exchange_n(&H->memfds[idx], &expected, fd + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    REAL(close)(fd);
    return expected - 1;
  }
  return fd;
}

int bfs_inject(const char *path, uint32_t mode, const unsigned char *data, size_t size) {
  size_t len = strlen(path);
  if (path[0] != '/' || len >= BFS_PATH_MAX || (len > 1 && path[len - 1] == '/')) { errno = EINVAL; return -1; }
  for (uint32_t j = 0; j < n_inj; j++)
    if (inj[j].path_len == len && memcmp(inj[j].path, path, len) == 0) { errno = EEXIST; return -1; }
  char *copy = strdup(path);
  struct bfs_entry *grown = realloc(inj, (n_inj + 1) * sizeof *inj);
  if (grown) inj = grown;
  int32_t *fds = realloc(inj_memfd, (n_inj + 1) * sizeof *inj_memfd);
  if (fds) inj_memfd = fds;
  if (!copy || !grown || !fds) { free(copy); errno = ENOMEM; return -1; }
  int fd = sealed_memfd("binaryfs-injected", data, size);
  if (fd < 0) { free(copy); return -1; }
  memset(&inj[n_inj], 0, sizeof inj[n_inj]);
  inj[n_inj].path = copy;
  inj[n_inj].path_len = len;
  inj[n_inj].size = size;
  inj[n_inj].mode = S_IFREG | (mode & 07777);
  inj[n_inj].parent = -1;
  inj_memfd[n_inj] = fd;
  n_inj++;
  return 0;
}

/* A memfd reopened as a new open file (its own offset): openat(<O_PATH fd of /proc/self/fd>, "N") where it can,
 * which skips the lookup of /proc and of the /proc/self link (5.6 -> 4.4 us per open + close on the bench machine),
 * else through the path /proc/self/fd/N. The directory fd is opened once and dropped in a child (pthread_atfork, or
 * a fork/clone without CLONE_VM through syscall()): it names the fd directory of the process that opened it. A
 * program that closes it or dup2()s over it drops it too (close, dup2/dup3, SYS_close through syscall()). */
static int procfd = -1;
static void procfd_drop_in_child(int close_it) {
  int d = __atomic_exchange_n(&procfd, -1, __ATOMIC_ACQ_REL);
  if (d >= 0 && close_it) sys(SYS_close, d, 0, 0, 0, 0, 0);
}
static void procfd_atfork_child(void) { procfd_drop_in_child(1); }
static void procfd_forget(int fd) {
  int d = fd;
  if (fd >= 0 && __atomic_load_n(&procfd, __ATOMIC_ACQUIRE) == fd) __atomic_compare_exchange_n(&procfd, &d, -1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
static int proc_fd_dir(void) {
  int d = __atomic_load_n(&procfd, __ATOMIC_ACQUIRE);
  if (d >= 0) return d;
  static int registered;
  if (!__atomic_exchange_n(&registered, 1, __ATOMIC_ACQ_REL)) pthread_atfork(NULL, NULL, procfd_atfork_child);
  d = REAL(openat)(AT_FDCWD, "/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return -1;
  int expected = -1;
  if (!__atomic_compare_exchange_n(&procfd, &expected, d, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    REAL(close)(d);
    return expected;
  }
  return d;
}
static int reopen_memfd(int m, int flags) {
  char proc[40] = "/proc/self/fd/";
  char digits[16]; int k = 0; unsigned v = (unsigned)m;
  do { digits[k++] = (char)('0' + v % 10); v /= 10; } while (v && k < 15);
  size_t l = 14; /* strlen("/proc/self/fd/") */
  while (k) proc[l++] = digits[--k];
  proc[l] = '\0';
  int d = proc_fd_dir();
  if (d >= 0) {
    int fd = REAL(openat)(d, proc + 14, flags);
    if (fd >= 0) return fd;
  }
  return REAL(openat)(AT_FDCWD, proc, flags);
}

static long open_embedded(int idx, int flags) {
  int acc = flags & O_ACCMODE;
  if ((flags & O_CREAT) && (flags & O_EXCL)) return fail(EEXIST);
  if (acc != O_RDONLY || (flags & O_TRUNC)) return fail(is_dir(idx) && acc != O_RDONLY ? EISDIR : EROFS);
  if (is_lnk(idx)) return fail(ELOOP); /* O_NOFOLLOW on an embedded symlink */
  int cloexec = (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0;
  int fd;
  if (is_dir(idx)) {
    fd = (int)sys(SYS_memfd_create, (long)"binaryfs-dir", cloexec, 0, 0, 0, 0);
  } else {
    if (flags & O_DIRECTORY) return fail(ENOTDIR);
    int m = memfd_of(idx);
    if (m < 0) return -1;
    fd = reopen_memfd(m, O_RDONLY | (flags & (O_CLOEXEC | O_NONBLOCK)));
  }
  if (fd < 0) return -1;
  if (fd >= FDTAB) { REAL(close)(fd); return fail(EMFILE); } /* an fd the table cannot track is never handed out */
  track(fd, idx);
  return fd;
}

static long bfs_openat(int dirfd, const char *path, int flags, mode_t mode) {
  struct res r;
  resolve_path(dirfd, path, !(flags & O_NOFOLLOW), &r);
  switch (r.kind) {
  case R_ERROR: return fail(r.err);
  case R_EMBEDDED: return open_embedded(r.idx, flags);
  case R_PASS_RESOLVED:
    if (r.parent_owned && (flags & O_CREAT)) return fail(EROFS);
    return REAL(openat)(AT_FDCWD, r.path, flags, mode);
  default:
    if (r.parent_owned && (flags & O_CREAT)) return fail(EROFS);
    return PASS;
  }
}

/* ---- stat family ---- */
static long bfs_fstat(int fd, struct stat *st) {
  int idx = tracked(fd);
  if (idx < 0) return PASS;
  fill_stat(idx, st);
  return 0;
}

static long bfs_fstatat(int dirfd, const char *path, struct stat *st, int flags) {
  if (path && path[0] == '\0' && (flags & AT_EMPTY_PATH)) return bfs_fstat(dirfd, st);
  struct res r;
  resolve_path(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), &r);
  if (r.kind == R_ERROR) return fail(r.err);
  if (r.kind == R_EMBEDDED) { fill_stat(r.idx, st); return 0; }
  if (r.kind == R_PASS_RESOLVED) return REAL(fstatat)(AT_FDCWD, r.path, st, flags & ~AT_EMPTY_PATH);
  return PASS;
}

static long bfs_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *sx) {
  (void)mask;
  if (path && path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
    int idx = tracked(dirfd);
    if (idx < 0) return PASS;
    fill_statx(idx, sx);
    return 0;
  }
  struct res r;
  resolve_path(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), &r);
  if (r.kind == R_ERROR) return fail(r.err);
  if (r.kind == R_EMBEDDED) { fill_statx(r.idx, sx); return 0; }
  if (r.kind == R_PASS_RESOLVED) return sys(SYS_statx, AT_FDCWD, (long)r.path, flags & ~AT_EMPTY_PATH, mask, (long)sx, 0);
  return PASS;
}

/* ---- directories ---- */
struct dirent64_k { uint64_t d_ino; int64_t d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; };

static long bfs_getdents64(int fd, void *buf, size_t len) {
  int idx = tracked(fd);
  if (idx < 0) return PASS;
  if (!is_dir(idx)) return fail(ENOTDIR);
  const struct bfs_entry *d = E(idx);
  long pos = (long)sys(SYS_lseek, fd, 0, SEEK_CUR, 0, 0, 0);
  if (pos < 0) return -1;
  size_t out = 0;
  long total = 2 + (long)d->n_children;
  while (pos < total) {
    const char *name; size_t nl; uint64_t ino; unsigned char type;
    if (pos == 0) { name = "."; nl = 1; ino = (uint64_t)idx + 2; type = 4; }
    else if (pos == 1) { name = ".."; nl = 2; ino = d->parent >= 0 ? (uint64_t)d->parent + 2 : (uint64_t)idx + 2; type = 4; }
    else {
      int c = (int)H->children[d->first_child + (uint32_t)(pos - 2)];
      const struct bfs_entry *ce = E(c);
      const char *slash = ce->path + ce->path_len;
      while (slash > ce->path && slash[-1] != '/') slash--;
      name = slash; nl = (size_t)(ce->path + ce->path_len - slash);
      ino = (uint64_t)c + 2;
      type = S_ISDIR(ce->mode) ? 4 : S_ISLNK(ce->mode) ? 10 : 8;
    }
    size_t rec = (offsetof(struct dirent64_k, d_name) + nl + 1 + 7) & ~(size_t)7;
    if (out + rec > len) break;
    struct dirent64_k *de = (struct dirent64_k *)((char *)buf + out);
    memset(de, 0, rec);
    de->d_ino = ino; de->d_off = pos + 1; de->d_reclen = (unsigned short)rec; de->d_type = type;
    memcpy(de->d_name, name, nl);
    out += rec;
    pos++;
  }
  if (out == 0 && pos < total) return fail(EINVAL);
  if (sys(SYS_lseek, fd, pos, SEEK_SET, 0, 0, 0) < 0) return -1; /* the position is the listing's only state */
  return (long)out;
}

static long bfs_read_check(int fd) {
  int idx = tracked(fd);
  if (idx >= 0 && is_dir(idx)) return fail(EISDIR);
  return PASS;
}

static long bfs_readlinkat(int dirfd, const char *path, char *buf, size_t n) {
  struct res r;
  resolve_path(dirfd, path, 0, &r);
  if (r.kind == R_ERROR) return fail(r.err);
  if (r.kind == R_PASS_RESOLVED) return REAL(readlinkat)(AT_FDCWD, r.path, buf, n);
  if (r.kind != R_EMBEDDED) return PASS;
  if (!is_lnk(r.idx)) return fail(EINVAL);
  size_t l = E(r.idx)->size < n ? E(r.idx)->size : n;
  memcpy(buf, E(r.idx)->data, l);
  return (long)l;
}

static long bfs_faccessat(int dirfd, const char *path, int mode, int flags) {
  struct res r;
  resolve_path(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), &r);
  if (r.kind == R_ERROR) return fail(r.err);
  if (r.kind == R_PASS_RESOLVED) return REAL(faccessat)(AT_FDCWD, r.path, mode, flags);
  if (r.kind != R_EMBEDDED) return PASS;
  if (mode & W_OK) return fail(EROFS);
  if ((mode & X_OK) && !(E(r.idx)->mode & 0111)) return fail(EACCES);
  return 0;
}

/* A modifying path operation: EROFS on an embedded entry or for a new name in an embedded directory. */
static long bfs_modify(int dirfd, const char *path, int follow) {
  struct res r;
  resolve_path(dirfd, path, follow, &r);
  if (r.kind == R_ERROR) return fail(r.err);
  if (r.kind == R_EMBEDDED || r.parent_owned) return fail(EROFS);
  return PASS;
}

/* the new fd of a dup of a tracked fd is tracked too; one beyond the table is closed and refused (EMFILE) */
static long dup_track(int oldfd, long newfd) {
  if (newfd < 0) return newfd;
  int idx = tracked(oldfd);
  if (idx < 0) { untrack((int)newfd); return newfd; }
  if (newfd >= FDTAB) { REAL(close)((int)newfd); return fail(EMFILE); }
  track((int)newfd, idx);
  return newfd;
}

/* ---- exported wrappers ---- */
/* a volume's call is served by vfs.c first (its paths and fds are never embedded, injected or host files) */
#define VFS(n, a, b, c, d, e) do { if (bfs_vfs_n) { long v_ = bfs_vfs_syscall(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e)); if (v_ != PASS) return v_; } } while (0)
/* a wrapped connection's call is served by net.c (TLS), after the volumes' (their fds are never sockets) */
#define NET(n, a, b, c, d, e, f) do { if (bfs_net_n) { long n_ = bfs_net_syscall(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f)); if (n_ != PASS) return n_; } } while (0)
#define VA_MODE(flags) mode_t mode = 0; if ((flags) & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = (mode_t)va_arg(ap, int); va_end(ap); }

int open(const char *path, int flags, ...) {
  VA_MODE(flags);
  VFS(SYS_openat, AT_FDCWD, path, flags, mode, 0);
  long r = bfs_openat(AT_FDCWD, path, flags, mode);
  return r == PASS ? REAL(open)(path, flags, mode) : (int)r;
}
int openat(int dirfd, const char *path, int flags, ...) {
  VA_MODE(flags);
  VFS(SYS_openat, dirfd, path, flags, mode, 0);
  long r = bfs_openat(dirfd, path, flags, mode);
  return r == PASS ? REAL(openat)(dirfd, path, flags, mode) : (int)r;
}
int __open_2(const char *path, int flags) { return open(path, flags); }
int __openat_2(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags); }
int creat(const char *path, mode_t mode) {
  VFS(SYS_creat, path, mode, 0, 0, 0);
  long r = bfs_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
  return r == PASS ? REAL(creat)(path, mode) : (int)r;
}
ssize_t read(int fd, void *buf, size_t n) {
  VFS(SYS_read, fd, buf, n, 0, 0);
  NET(SYS_read, fd, buf, n, 0, 0, 0);
  long r = bfs_read_check(fd);
  return r == PASS ? REAL(read)(fd, buf, n) : r;
}
ssize_t pread(int fd, void *buf, size_t n, off_t off) {
  VFS(SYS_pread64, fd, buf, n, off, 0);
  long r = bfs_read_check(fd);
  return r == PASS ? REAL(pread)(fd, buf, n, off) : r;
}
int close(int fd) { VFS(SYS_close, fd, 0, 0, 0, 0); NET(SYS_close, fd, 0, 0, 0, 0, 0); untrack(fd); procfd_forget(fd); return REAL(close)(fd); }
static long dup_both(int fd, long nfd, int cloexec) { return bfs_net_dup(fd, bfs_vfs_dup(fd, dup_track(fd, nfd)), cloexec); }
int dup(int fd) { return (int)dup_both(fd, REAL(dup)(fd), 0); }
int dup2(int fd, int nfd) { if (fd != nfd) procfd_forget(nfd); return (int)dup_both(fd, REAL(dup2)(fd, nfd), 0); }
int dup3(int fd, int nfd, int fl) { procfd_forget(nfd); return (int)dup_both(fd, REAL(dup3)(fd, nfd, fl), (fl & O_CLOEXEC) != 0); }
int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long); /* every fcntl argument fits a long (int or pointer) */
  va_end(ap);
  VFS(SYS_fcntl, fd, cmd, arg, 0, 0);
  NET(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
  long r = REAL(fcntl)(fd, cmd, arg);
  if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) r = dup_both(fd, r, cmd == F_DUPFD_CLOEXEC);
  return (int)r;
}
int stat(const char *path, struct stat *st) {
  VFS(SYS_newfstatat, AT_FDCWD, path, st, 0, 0);
  long r = bfs_fstatat(AT_FDCWD, path, st, 0);
  return r == PASS ? REAL(stat)(path, st) : (int)r;
}
int lstat(const char *path, struct stat *st) {
  VFS(SYS_newfstatat, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW, 0);
  long r = bfs_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
  return r == PASS ? REAL(lstat)(path, st) : (int)r;
}
int fstat(int fd, struct stat *st) {
  VFS(SYS_fstat, fd, st, 0, 0, 0);
  long r = bfs_fstat(fd, st);
  return r == PASS ? REAL(fstat)(fd, st) : (int)r;
}
int fstatat(int dirfd, const char *path, struct stat *st, int flags) {
  VFS(SYS_newfstatat, dirfd, path, st, flags, 0);
  long r = bfs_fstatat(dirfd, path, st, flags);
  return r == PASS ? REAL(fstatat)(dirfd, path, st, flags) : (int)r;
}
int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *sx) {
  VFS(SYS_statx, dirfd, path, flags, mask, sx);
  long r = bfs_statx(dirfd, path, flags, mask, sx);
  return r == PASS ? (int)sys(SYS_statx, dirfd, (long)path, flags, mask, (long)sx, 0) : (int)r;
}
long bfs_getdents64_export(int fd, void *buf, size_t n) {
  VFS(SYS_getdents64, fd, buf, n, 0, 0);
  long r = bfs_getdents64(fd, buf, n);
  return r == PASS ? sys(SYS_getdents64, fd, (long)buf, (long)n, 0, 0, 0) : r;
}
ssize_t readlink(const char *path, char *buf, size_t n) {
  VFS(SYS_readlinkat, AT_FDCWD, path, buf, n, 0);
  long r = bfs_readlinkat(AT_FDCWD, path, buf, n);
  return r == PASS ? REAL(readlink)(path, buf, n) : r;
}
ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t n) {
  VFS(SYS_readlinkat, dirfd, path, buf, n, 0);
  long r = bfs_readlinkat(dirfd, path, buf, n);
  return r == PASS ? REAL(readlinkat)(dirfd, path, buf, n) : r;
}
int access(const char *path, int mode) {
  VFS(SYS_faccessat, AT_FDCWD, path, mode, 0, 0);
  long r = bfs_faccessat(AT_FDCWD, path, mode, 0);
  return r == PASS ? REAL(access)(path, mode) : (int)r;
}
int faccessat(int dirfd, const char *path, int mode, int flags) {
  VFS(SYS_faccessat2, dirfd, path, mode, flags, 0); /* (SYS_faccessat has no flags argument) */
  long r = bfs_faccessat(dirfd, path, mode, flags);
  return r == PASS ? REAL(faccessat)(dirfd, path, mode, flags) : (int)r;
}
int unlink(const char *path) { VFS(SYS_unlinkat, AT_FDCWD, path, 0, 0, 0); long r = bfs_modify(AT_FDCWD, path, 0); return r == PASS ? REAL(unlink)(path) : (int)r; }
int unlinkat(int dirfd, const char *path, int fl) {
  VFS(SYS_unlinkat, dirfd, path, fl, 0, 0);
  long r = bfs_modify(dirfd, path, 0);
  return r == PASS ? REAL(unlinkat)(dirfd, path, fl) : (int)r;
}
int rmdir(const char *path) { VFS(SYS_unlinkat, AT_FDCWD, path, AT_REMOVEDIR, 0, 0); long r = bfs_modify(AT_FDCWD, path, 0); return r == PASS ? REAL(rmdir)(path) : (int)r; }
int rename(const char *a, const char *b) {
  VFS(SYS_renameat, AT_FDCWD, a, AT_FDCWD, b, 0);
  long r = bfs_modify(AT_FDCWD, a, 0);
  if (r == PASS) r = bfs_modify(AT_FDCWD, b, 0);
  return r == PASS ? REAL(rename)(a, b) : (int)r;
}
int renameat(int da, const char *a, int db, const char *b) {
  VFS(SYS_renameat, da, a, db, b, 0);
  long r = bfs_modify(da, a, 0);
  if (r == PASS) r = bfs_modify(db, b, 0);
  return r == PASS ? REAL(renameat)(da, a, db, b) : (int)r;
}
int renameat2(int da, const char *a, int db, const char *b, unsigned fl) {
  VFS(SYS_renameat2, da, a, db, b, fl);
  long r = bfs_modify(da, a, 0);
  if (r == PASS) r = bfs_modify(db, b, 0);
  return r == PASS ? (int)sys(SYS_renameat2, da, (long)a, db, (long)b, fl, 0) : (int)r;
}
int mkdir(const char *path, mode_t m) { VFS(SYS_mkdirat, AT_FDCWD, path, m, 0, 0); long r = bfs_modify(AT_FDCWD, path, 0); return r == PASS ? REAL(mkdir)(path, m) : (int)r; }
int mkdirat(int dirfd, const char *path, mode_t m) {
  VFS(SYS_mkdirat, dirfd, path, m, 0, 0);
  long r = bfs_modify(dirfd, path, 0);
  return r == PASS ? REAL(mkdirat)(dirfd, path, m) : (int)r;
}
int truncate(const char *path, off_t len) { VFS(SYS_truncate, path, len, 0, 0, 0); long r = bfs_modify(AT_FDCWD, path, 1); return r == PASS ? REAL(truncate)(path, len) : (int)r; }
int chmod(const char *path, mode_t m) { VFS(SYS_fchmodat, AT_FDCWD, path, m, 0, 0); long r = bfs_modify(AT_FDCWD, path, 1); return r == PASS ? REAL(chmod)(path, m) : (int)r; }
int fchmodat(int dirfd, const char *path, mode_t m, int fl) {
  VFS(SYS_fchmodat, dirfd, path, m, fl, 0);
  long r = bfs_modify(dirfd, path, !(fl & AT_SYMLINK_NOFOLLOW));
  return r == PASS ? REAL(fchmodat)(dirfd, path, m, fl) : (int)r;
}

/* names a volume serves (symlinks) or refuses (hard links, nodes, owners); past it, libc's */
int symlink(const char *target, const char *path) {
  VFS(SYS_symlinkat, target, AT_FDCWD, path, 0, 0);
  long r = bfs_modify(AT_FDCWD, path, 0);
  return r == PASS ? (int)sys(SYS_symlinkat, (long)target, AT_FDCWD, (long)path, 0, 0, 0) : (int)r;
}
int symlinkat(const char *target, int dirfd, const char *path) {
  VFS(SYS_symlinkat, target, dirfd, path, 0, 0);
  long r = bfs_modify(dirfd, path, 0);
  return r == PASS ? (int)sys(SYS_symlinkat, (long)target, dirfd, (long)path, 0, 0, 0) : (int)r;
}
int link(const char *a, const char *b) {
  VFS(SYS_linkat, AT_FDCWD, a, AT_FDCWD, b, 0);
  long r = bfs_modify(AT_FDCWD, b, 0);
  return r == PASS ? (int)sys(SYS_linkat, AT_FDCWD, (long)a, AT_FDCWD, (long)b, 0, 0) : (int)r;
}
int linkat(int da, const char *a, int db, const char *b, int fl) {
  VFS(SYS_linkat, da, a, db, b, fl);
  long r = bfs_modify(db, b, 0);
  return r == PASS ? (int)sys(SYS_linkat, da, (long)a, db, (long)b, fl, 0) : (int)r;
}
int mknod(const char *path, mode_t m, dev_t dev) { return mknodat(AT_FDCWD, path, m, dev); }
int mknodat(int dirfd, const char *path, mode_t m, dev_t dev) {
  VFS(SYS_mknodat, dirfd, path, m, dev, 0);
  long r = bfs_modify(dirfd, path, 0);
  return r == PASS ? (int)sys(SYS_mknodat, dirfd, (long)path, m, (long)dev, 0, 0) : (int)r;
}
int mkfifo(const char *path, mode_t m) { return mknodat(AT_FDCWD, path, S_IFIFO | (m & 07777), 0); }
int mkfifoat(int dirfd, const char *path, mode_t m) { return mknodat(dirfd, path, S_IFIFO | (m & 07777), 0); }
int chown(const char *path, uid_t u, gid_t g) { return fchownat(AT_FDCWD, path, u, g, 0); }
int lchown(const char *path, uid_t u, gid_t g) { return fchownat(AT_FDCWD, path, u, g, AT_SYMLINK_NOFOLLOW); }
int fchownat(int dirfd, const char *path, uid_t u, gid_t g, int fl) {
  VFS(SYS_fchownat, dirfd, path, u, g, fl);
  long r = bfs_modify(dirfd, path, !(fl & AT_SYMLINK_NOFOLLOW));
  return r == PASS ? (int)sys(SYS_fchownat, dirfd, (long)path, u, g, fl, 0) : (int)r;
}
int fchown(int fd, uid_t u, gid_t g) { VFS(SYS_fchown, fd, u, g, 0, 0); return (int)sys(SYS_fchown, fd, u, g, 0, 0, 0); }
int fallocate(int fd, int mode, off_t off, off_t len) { VFS(SYS_fallocate, fd, mode, off, len, 0); return (int)sys(SYS_fallocate, fd, mode, off, len, 0, 0); }

/* file calls only a volume changes (vfs.c); everything else is libc's */
ssize_t write(int fd, const void *buf, size_t n) { VFS(SYS_write, fd, buf, n, 0, 0); NET(SYS_write, fd, buf, n, 0, 0, 0); return REAL(write)(fd, buf, n); }
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) { VFS(SYS_pwrite64, fd, buf, n, off, 0); return REAL(pwrite)(fd, buf, n, off); }
ssize_t readv(int fd, const struct iovec *iov, int cnt) { VFS(SYS_readv, fd, iov, cnt, 0, 0); NET(SYS_readv, fd, iov, cnt, 0, 0, 0); return sys(SYS_readv, fd, (long)iov, cnt, 0, 0, 0); }
ssize_t writev(int fd, const struct iovec *iov, int cnt) { VFS(SYS_writev, fd, iov, cnt, 0, 0); NET(SYS_writev, fd, iov, cnt, 0, 0, 0); return sys(SYS_writev, fd, (long)iov, cnt, 0, 0, 0); }
off_t lseek(int fd, off_t off, int whence) { VFS(SYS_lseek, fd, off, whence, 0, 0); return REAL(lseek)(fd, off, whence); }
int fsync(int fd) { VFS(SYS_fsync, fd, 0, 0, 0, 0); return REAL(fsync)(fd); }
int fdatasync(int fd) { VFS(SYS_fdatasync, fd, 0, 0, 0, 0); return REAL(fdatasync)(fd); }
int syncfs(int fd) { VFS(SYS_syncfs, fd, 0, 0, 0, 0); return (int)sys(SYS_syncfs, fd, 0, 0, 0, 0, 0); }
void sync(void) { if (bfs_vfs_n) bfs_vfs_commit(0); sys(SYS_sync, 0, 0, 0, 0, 0, 0); }
/* _exit and _Exit end the process without exit()'s destructors: the volumes' pending changes are committed first */
void _exit(int status) { if (bfs_vfs_n) bfs_vfs_commit(1); REAL(_exit)(status); __builtin_unreachable(); }
void _Exit(int status) { if (bfs_vfs_n) bfs_vfs_commit(1); REAL(_exit)(status); __builtin_unreachable(); }
int ftruncate(int fd, off_t len) { VFS(SYS_ftruncate, fd, len, 0, 0, 0); return REAL(ftruncate)(fd, len); }
int flock(int fd, int op) { VFS(SYS_flock, fd, op, 0, 0, 0); return REAL(flock)(fd, op); }
int fchmod(int fd, mode_t m) { VFS(SYS_fchmod, fd, m, 0, 0, 0); return REAL(fchmod)(fd, m); }
int fchdir(int fd) { VFS(SYS_fchdir, fd, 0, 0, 0, 0); return REAL(fchdir)(fd); }
int chdir(const char *path) { VFS(SYS_chdir, path, 0, 0, 0, 0); return REAL(chdir)(path); }
/* a volume's subdirectory as the working directory is known here only (vfs.c); getcwd(NULL, 0) mallocs, as glibc's */
char *getcwd(char *buf, size_t size) {
  if (bfs_vfs_n) {
    char tmp[BFS_PATH_MAX];
    long r = bfs_vfs_syscall(SYS_getcwd, (long)tmp, sizeof tmp, 0, 0, 0);
    if (r != PASS) {
      if (r < 0) return NULL;
      if (!buf) return size && size < (size_t)r ? (errno = ERANGE, NULL) : strdup(tmp);
      if (size < (size_t)r) { errno = size ? ERANGE : EINVAL; return NULL; }
      return memcpy(buf, tmp, (size_t)r);
    }
  }
  return REAL(getcwd)(buf, size);
}
int utimensat(int dirfd, const char *path, const struct timespec t[2], int fl) {
  VFS(SYS_utimensat, dirfd, path, t, fl, 0);
  return (int)sys(SYS_utimensat, dirfd, (long)path, (long)t, fl, 0, 0);
}
int futimens(int fd, const struct timespec t[2]) { VFS(SYS_utimensat, fd, 0, t, 0, 0); return (int)sys(SYS_utimensat, fd, 0, (long)t, 0, 0, 0); }
ssize_t sendfile(int out, int in, off_t *off, size_t n) { VFS(SYS_sendfile, out, in, off, n, 0); NET(SYS_sendfile, out, in, off, n, 0, 0); return sys(SYS_sendfile, out, in, (long)off, (long)n, 0, 0); }
ssize_t copy_file_range(int in, off_t *oi, int out, off_t *oo, size_t n, unsigned fl) {
  VFS(SYS_copy_file_range, in, oi, out, oo, n);
  return sys(SYS_copy_file_range, in, (long)oi, out, (long)oo, (long)n, fl);
}

/* socket calls only the network shield changes (net.c) */
int accept(int fd, struct sockaddr *sa, socklen_t *len) { NET(SYS_accept, fd, sa, len, 0, 0, 0); return (int)sys(SYS_accept, fd, (long)sa, (long)len, 0, 0, 0); }
int accept4(int fd, struct sockaddr *sa, socklen_t *len, int fl) { NET(SYS_accept4, fd, sa, len, fl, 0, 0); return (int)sys(SYS_accept4, fd, (long)sa, (long)len, fl, 0, 0); }
int connect(int fd, const struct sockaddr *sa, socklen_t len) { NET(SYS_connect, fd, sa, len, 0, 0, 0); return (int)sys(SYS_connect, fd, (long)sa, len, 0, 0, 0); }
ssize_t recv(int fd, void *buf, size_t n, int fl) { NET(SYS_recvfrom, fd, buf, n, fl, 0, 0); return sys(SYS_recvfrom, fd, (long)buf, (long)n, fl, 0, 0); }
ssize_t recvfrom(int fd, void *buf, size_t n, int fl, struct sockaddr *sa, socklen_t *len) {
  NET(SYS_recvfrom, fd, buf, n, fl, sa, len);
  return sys(SYS_recvfrom, fd, (long)buf, (long)n, fl, (long)sa, (long)len);
}
ssize_t send(int fd, const void *buf, size_t n, int fl) { NET(SYS_sendto, fd, buf, n, fl, 0, 0); return sys(SYS_sendto, fd, (long)buf, (long)n, fl, 0, 0); }
ssize_t sendto(int fd, const void *buf, size_t n, int fl, const struct sockaddr *sa, socklen_t len) {
  NET(SYS_sendto, fd, buf, n, fl, sa, len);
  return sys(SYS_sendto, fd, (long)buf, (long)n, fl, (long)sa, len);
}
ssize_t recvmsg(int fd, struct msghdr *m, int fl) { NET(SYS_recvmsg, fd, m, fl, 0, 0, 0); return sys(SYS_recvmsg, fd, (long)m, fl, 0, 0, 0); }
ssize_t sendmsg(int fd, const struct msghdr *m, int fl) { NET(SYS_sendmsg, fd, m, fl, 0, 0, 0); return sys(SYS_sendmsg, fd, (long)m, fl, 0, 0, 0); }
int shutdown(int fd, int how) { NET(SYS_shutdown, fd, how, 0, 0, 0, 0); return (int)sys(SYS_shutdown, fd, how, 0, 0, 0, 0); }
int poll(struct pollfd *fds, nfds_t n, int timeout) { NET(SYS_poll, fds, n, timeout, 0, 0, 0); return (int)sys(SYS_poll, (long)fds, (long)n, timeout, 0, 0, 0); }
int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *m) {
  NET(SYS_ppoll, fds, n, t, m, 8, 0);
  return (int)sys(SYS_ppoll, (long)fds, (long)n, (long)t, (long)m, 8, 0);
}
int select(int n, fd_set *r, fd_set *w, fd_set *x, struct timeval *t) {
  NET(SYS_select, n, r, w, x, t, 0);
  return (int)sys(SYS_select, n, (long)r, (long)w, (long)x, (long)t, 0);
}
int pselect(int n, fd_set *r, fd_set *w, fd_set *x, const struct timespec *t, const sigset_t *m) {
  struct timespec copy, *tp = t ? (copy = *t, &copy) : NULL; /* the kernel writes the time left back */
  const long sig[2] = { (long)m, 8 };
  NET(SYS_pselect6, n, r, w, x, tp, m ? sig : NULL);
  return (int)sys(SYS_pselect6, n, (long)r, (long)w, (long)x, (long)tp, m ? (long)sig : 0);
}
int epoll_ctl(int ep, int op, int fd, struct epoll_event *ev) { NET(SYS_epoll_ctl, ep, op, fd, ev, 0, 0); return (int)sys(SYS_epoll_ctl, ep, op, fd, (long)ev, 0, 0); }
int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout) {
  NET(SYS_epoll_wait, ep, ev, max, timeout, 0, 0);
  return (int)sys(SYS_epoll_wait, ep, (long)ev, max, timeout, 0, 0);
}
/* fortified builds read through these; batched calls and splice, named */
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen) { if (n > buflen) abort(); return read(fd, buf, n); }
ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int fl) { if (n > buflen) abort(); return recv(fd, buf, n, fl); }
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int fl, struct sockaddr *sa, socklen_t *len) {
  if (n > buflen) abort();
  return recvfrom(fd, buf, n, fl, sa, len);
}
#ifdef __GLIBC__
#define MMSG_FLAGS int
#else
#define MMSG_FLAGS unsigned /* musl's prototypes */
#endif
int sendmmsg(int fd, struct mmsghdr *v, unsigned n, MMSG_FLAGS fl) { NET(SYS_sendmmsg, fd, v, n, fl, 0, 0); return (int)sys(SYS_sendmmsg, fd, (long)v, n, fl, 0, 0); }
int recvmmsg(int fd, struct mmsghdr *v, unsigned n, MMSG_FLAGS fl, struct timespec *t) {
  NET(SYS_recvmmsg, fd, v, n, fl, t, 0);
  return (int)sys(SYS_recvmmsg, fd, (long)v, n, fl, (long)t, 0);
}
ssize_t splice(int in, loff_t *oi, int out, loff_t *oo, size_t n, unsigned fl) {
  VFS(SYS_splice, in, oi, out, oo, n);
  NET(SYS_splice, in, oi, out, oo, n, fl);
  return sys(SYS_splice, in, (long)oi, out, (long)oo, (long)n, fl);
}
int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  NET(SYS_ioctl, fd, req, arg, 0, 0, 0);
  return (int)sys(SYS_ioctl, fd, (long)req, (long)arg, 0, 0, 0);
}
int epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *m) {
  NET(SYS_epoll_pwait, ep, ev, max, timeout, m, 8);
  return (int)sys(SYS_epoll_pwait, ep, (long)ev, max, timeout, (long)m, 8);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  if (bfs_vfs_n && !(flags & MAP_ANONYMOUS) && bfs_vfs_fd(fd)) { errno = ENODEV; return MAP_FAILED; }
  return REAL(mmap)(addr, len, prot, flags, fd, off);
}

/* stdio and opendir open through libc-internal entry points that no wrapper sees: on a volume they are refused */
FILE *fopen(const char *path, const char *mode) {
  if (bfs_vfs_in(path)) { errno = ENOTSUP; return NULL; }
  return (FILE *)REAL(fopen)(path, mode);
}
DIR *opendir(const char *path) {
  if (bfs_vfs_in(path)) { errno = ENOTSUP; return NULL; }
  return (DIR *)REAL(opendir)(path);
}

/* The generic libc entry the patched Go runtime uses: syscall(number, a1..a6) with libc's -1/errno convention. */
/* Exported as syscall (alias below) with the six arguments as named parameters: on x86-64 and aarch64 Linux a
 * variadic call passes them exactly as named ones (registers, the sixth on the stack), and this saves the va_list
 * spill and walk on every system call of the Go runtime (about a third of the interposer's instructions per
 * request in caddy). */
long bfs_syscall(long n, long a, long b, long c, long d, long e, long f);
long bfs_syscall(long n, long a, long b, long c, long d, long e, long f) {
  long r = PASS;
  if (bfs_vfs_n && (r = bfs_vfs_syscall(n, a, b, c, d, e)) != PASS) return r;
  if (bfs_net_n && (r = bfs_net_syscall(n, a, b, c, d, e, f)) != PASS) return r;
  switch (n) {
  case SYS_open: r = bfs_openat(AT_FDCWD, (const char *)a, (int)b, (mode_t)c); break;
  case SYS_openat: r = bfs_openat((int)a, (const char *)b, (int)c, (mode_t)d); break;
  case SYS_creat: r = bfs_openat(AT_FDCWD, (const char *)a, O_CREAT | O_WRONLY | O_TRUNC, (mode_t)b); break;
  case SYS_read: case SYS_pread64: case SYS_readv: case SYS_preadv: r = bfs_read_check((int)a); break;
  case SYS_close: untrack((int)a); procfd_forget((int)a); break;
  case SYS_dup: return dup_both((int)a, sys(n, a, b, c, d, e, f), 0);
  case SYS_dup2: case SYS_dup3:
    if (a != b) procfd_forget((int)b);
    return dup_both((int)a, sys(n, a, b, c, d, e, f), n == SYS_dup3 && (c & O_CLOEXEC));
#ifdef SYS_fork
  case SYS_fork:
    r = sys(n, a, b, c, d, e, f);
    if (r == 0) procfd_drop_in_child(1), bfs_net_forked();
    return r;
#endif
  case SYS_clone: /* the child of a clone without CLONE_VM has its own memory: drop the parent's directory fd there */
    r = sys(n, a, b, c, d, e, f);
    if (r == 0 && !(a & CLONE_VM)) procfd_drop_in_child(!(a & CLONE_FILES)), bfs_net_forked();
    return r;
#ifdef SYS_clone3
  case SYS_clone3: {
    uint64_t fl = a ? *(const uint64_t *)a : 0; /* struct clone_args starts with the flags */
    r = sys(n, a, b, c, d, e, f);
    if (r == 0 && !(fl & CLONE_VM)) procfd_drop_in_child(!(fl & CLONE_FILES)), bfs_net_forked();
    return r;
  }
#endif
  case SYS_fcntl:
    r = sys(n, a, b, c, d, e, f);
    return b == F_DUPFD || b == F_DUPFD_CLOEXEC ? dup_both((int)a, r, b == F_DUPFD_CLOEXEC) : r;
  case SYS_stat: r = bfs_fstatat(AT_FDCWD, (const char *)a, (struct stat *)b, 0); break;
  case SYS_lstat: r = bfs_fstatat(AT_FDCWD, (const char *)a, (struct stat *)b, AT_SYMLINK_NOFOLLOW); break;
  case SYS_fstat: r = bfs_fstat((int)a, (struct stat *)b); break;
  case SYS_newfstatat: r = bfs_fstatat((int)a, (const char *)b, (struct stat *)c, (int)d); break;
  case SYS_statx: r = bfs_statx((int)a, (const char *)b, (int)c, (unsigned)d, (struct statx *)e); break;
  case SYS_getdents64: r = bfs_getdents64((int)a, (void *)b, (size_t)c); break;
  case SYS_readlink: r = bfs_readlinkat(AT_FDCWD, (const char *)a, (char *)b, (size_t)c); break;
  case SYS_readlinkat: r = bfs_readlinkat((int)a, (const char *)b, (char *)c, (size_t)d); break;
  case SYS_access: r = bfs_faccessat(AT_FDCWD, (const char *)a, (int)b, 0); break;
  case SYS_faccessat: r = bfs_faccessat((int)a, (const char *)b, (int)c, 0); break;
#ifdef SYS_faccessat2
  case SYS_faccessat2: r = bfs_faccessat((int)a, (const char *)b, (int)c, (int)d); break;
#endif
  case SYS_unlink: case SYS_rmdir: case SYS_mkdir: r = bfs_modify(AT_FDCWD, (const char *)a, 0); break;
  case SYS_truncate: case SYS_chmod: r = bfs_modify(AT_FDCWD, (const char *)a, 1); break;
  case SYS_unlinkat: case SYS_mkdirat: r = bfs_modify((int)a, (const char *)b, 0); break;
  case SYS_fchmodat: r = bfs_modify((int)a, (const char *)b, 1); break;
  case SYS_rename:
    r = bfs_modify(AT_FDCWD, (const char *)a, 0);
    if (r == PASS) r = bfs_modify(AT_FDCWD, (const char *)b, 0);
    break;
  case SYS_renameat: case SYS_renameat2:
    r = bfs_modify((int)a, (const char *)b, 0);
    if (r == PASS) r = bfs_modify((int)c, (const char *)d, 0);
    break;
  default: break;
  }
  return r == PASS ? sys(n, a, b, c, d, e, f) : r;
}

/* LFS names and musl's getdents: the same functions under a second name. */
#define BFS_ALIAS(alias, target) __asm__(".globl " #alias "\n.type " #alias ",@function\n.set " #alias "," #target "\n");
#if defined(__x86_64__) || defined(__aarch64__)
BFS_ALIAS(syscall, bfs_syscall)
#else
long syscall(long n, ...) {
  va_list ap;
  va_start(ap, n);
  long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
  long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
  va_end(ap);
  return bfs_syscall(n, a, b, c, d, e, f);
}
#endif
BFS_ALIAS(open64, open)
BFS_ALIAS(openat64, openat)
BFS_ALIAS(__open64_2, __open_2)
BFS_ALIAS(__openat64_2, __openat_2)
BFS_ALIAS(creat64, creat)
BFS_ALIAS(fopen64, fopen)
BFS_ALIAS(mmap64, mmap)
BFS_ALIAS(pread64, pread)
BFS_ALIAS(pwrite64, pwrite)
BFS_ALIAS(lseek64, lseek)
BFS_ALIAS(ftruncate64, ftruncate)
BFS_ALIAS(sendfile64, sendfile)
BFS_ALIAS(stat64, stat)
BFS_ALIAS(lstat64, lstat)
BFS_ALIAS(fstat64, fstat)
BFS_ALIAS(fstatat64, fstatat)
BFS_ALIAS(getdents64, bfs_getdents64_export)
#ifndef __GLIBC__
BFS_ALIAS(getdents, bfs_getdents64_export)
#endif
