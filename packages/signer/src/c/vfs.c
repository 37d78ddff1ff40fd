/* binaryfs runtime: the file shield's serving layer. The policy's volumes (launch answer `volume` lines, mounted by
 * init.c) are served here for every file call the interposer sees, named or through syscall(): a path under a
 * volume's mount path is a name in that volume (volume.c), never a host file. The host folder at the same path holds
 * the volume's ciphertext only (.cgv/); the program's view of it is the volume's plaintext tree.
 *
 * An open volume file or directory is a placeholder fd (an O_PATH fd of /dev/null: a call that reached the kernel
 * with it fails — EBADF, ENOTDIR — instead of touching the ciphertext) mapped to an open file
 * description here (vtab): offset, flags, the volume file, shared by dup'ed fds like the kernel's. Every volume is
 * served under one mutex (volume.c is not thread-safe; its commits report tags to the policy service).
 *
 * Served: open/openat/openat2/creat (O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_PATH), read/pread/readv/preadv
 * (2), write/pwrite/writev/pwritev(2), lseek (SEEK_DATA/HOLE too), fstat/stat/lstat/fstatat/statx (plaintext size,
 * mtime), ftruncate/truncate, fsync/fdatasync/sync_file_range, getdents64, rename/renameat/renameat2
 * (RENAME_NOREPLACE), unlink/unlinkat/rmdir, mkdir/mkdirat, chmod/fchmod/fchmodat, utimensat/futimens (atime, mtime),
 * access/faccessat(2), flock and fcntl locks (one process is the volume's only writer: they always succeed, as
 * POSIX record locks do within a process), fcntl F_GETFL/F_SETFL, dup/dup2/dup3/F_DUPFD, close, link/linkat (hard
 * links), mknod/mknodat of a FIFO (opened as the host FIFO volume.c keeps: a kernel fd from then on).
 * splice between a pipe and a volume file (through a buffer). Refused with an errno a program handles: sendfile,
 * copy_file_range, tee, splice without a pipe (EINVAL: Go's io.Copy falls back to read/write), mmap (ENODEV),
 * fallocate (EOPNOTSUPP), device and socket nodes, chown to another owner (EPERM; ownership is not kept, a chown to
 * the process's own uid/gids succeeds), xattrs (ENOTSUP), renames and links across a volume's boundary (EXDEV).
 * chdir/fchdir into a volume's subdirectory: the kernel's working directory becomes the volume's root folder and
 * vcwd holds the rest; getcwd, relative paths and AT_FDCWD answer from it (a relative path from there that leaves
 * the volume is the kernel's with its host path, absolute; a rename or link so: EXDEV). A path reaches a volume under its mount path as the policy names it or as resolved at mount
 * (getcwd and /proc/self/fd give that one); outside volumes it is taken lexically, so a host symlink that points
 * into a volume's folder is not followed into the volume. In a volume it is resolved as the kernel does (walk):
 * symlinks (symlink/symlinkat, readlink/readlinkat, lstat, O_NOFOLLOW, AT_SYMLINK_NOFOLLOW) are the volume's own,
 * their targets sealed like file data, followed within the volume (one whose target leads out of it is EXDEV when
 * followed), and ".." is the parent of what was resolved. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "bfs.h"
#ifndef BFS_NO_SHIELD
#include "volume.h"

/* a path composed here (a volume's mount path and a path in it): longer than one the kernel takes, as a volume's
 * paths may be (CGV_PATH_MAX); the buffers this size are static, under mu */
#define VFS_PATH_MAX (BFS_PATH_MAX + CGV_PATH_MAX)

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif
#ifndef UTIME_NOW
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
struct open_how_k { uint64_t flags, mode, resolve; };
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#define VFS_DEV 0xcf5
#define MAX_MOUNTS 16

#define PASS BFS_PASS
#define sys bfs_sys
static long fail(int err) { errno = err; return -1; }
static long neg(long r) { return r < 0 ? fail((int)-r) : r; }

struct vmount {
  char *path;               /* normalised absolute mount path, as the policy names it */
  size_t len;
  char *real;               /* the same with host symlinks resolved (getcwd and /proc/self/fd name it so) */
  size_t real_len;
  char *name;
  struct cgv_volume *v;
};
static struct vmount mounts[MAX_MOUNTS];
int bfs_vfs_n;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static mode_t umask_at_mount;

struct dent { char *name; struct cgv_stat st; };
struct vof {
  struct vof *next_dir;     /* the open directories, whose names a rename rewrites */
  struct vmount *m;
  struct cgv_file *f;       /* NULL: a directory, or O_PATH */
  char *rel;                /* the name at open ("" is the root) */
  int flags;
  int dir;
  uint64_t off;             /* bytes; for a directory, the index in the listing */
  int refs;                 /* fds sharing this description (dup) */
  struct dent *list;        /* a directory's listing, taken when read from index 0 */
  size_t nlist;
};
static struct vof *vtab[BFS_FDTAB];
static struct vof *open_dirs;
/* The working directory when it is a volume's subdirectory (chdir/fchdir into one; under mu): the kernel's is the
 * volume's root folder meanwhile, and getcwd, relative paths and AT_FDCWD answer from this. m NULL: the kernel's. */
static struct { struct vmount *m; char rel[CGV_PATH_MAX]; } vcwd;

static struct vof *vof_of(long fd) { return fd >= 0 && fd < BFS_FDTAB ? __atomic_load_n(&vtab[fd], __ATOMIC_ACQUIRE) : NULL; }
int bfs_vfs_fd(int fd) { return bfs_vfs_n && vof_of(fd) != NULL; }

static void free_list(struct vof *o) {
  for (size_t i = 0; i < o->nlist; i++) free(o->list[i].name);
  free(o->list);
  o->list = NULL;
  o->nlist = 0;
}

/* drops one reference (mu held); the last closes the volume file (a commit when it was written) */
static int release(struct vof *o) {
  if (--o->refs > 0) return 0;
  if (o->dir)
    for (struct vof **p = &open_dirs; *p; p = &(*p)->next_dir)
      if (*p == o) { *p = o->next_dir; break; }
  int r = o->f ? cgv_close(o->f) : 0;
  free_list(o);
  free(o->rel);
  free(o);
  return r;
}

/* ---- paths ---- */

/* the directory dirfd names, absolute, into out (n bytes); 0 or -1 */
static int dir_of(int dirfd, char *out, size_t n) {
  if (dirfd == AT_FDCWD && vcwd.m) {
    int w = snprintf(out, n, "%s/%s", vcwd.m->path, vcwd.rel);
    return w > 0 && (size_t)w < n ? 0 : (errno = ENAMETOOLONG, -1);
  }
  if (dirfd == AT_FDCWD) return REAL(getcwd)(out, n) ? 0 : -1;
  struct vof *o = vof_of(dirfd);
  if (o) {
    if (!o->dir) { errno = ENOTDIR; return -1; }
    int w = snprintf(out, n, "%s%s%s", o->m->path, o->rel[0] ? "/" : "", o->rel);
    return w > 0 && (size_t)w < n ? 0 : (errno = ENAMETOOLONG, -1);
  }
  if (bfs_fd_path(dirfd, out, n) != 0) { errno = EBADF; return -1; }
  return 0;
}

struct where {
  struct vmount *m;
  char rel[CGV_PATH_MAX];
  int slash; /* a directory is meant: the path ended with "/", "." or ".." */
  int dot;   /* it ended with "." (1) or ".." (2): rel is the directory they name */
};

/* is the path p (len) the folder m (ml) or in it? */
static int under(const char *p, size_t len, const char *m, size_t ml) { return len >= ml && memcmp(p, m, ml) == 0 && (len == ml || p[ml] == '/'); }

/* the mount an absolute, normalised path (len) is in, and the length of its mount path as spelled there; NULL if none */
static struct vmount *mount_of(const char *buf, size_t len, size_t *ml) {
  for (int i = 0; i < bfs_vfs_n; i++) {
    struct vmount *m = &mounts[i];
    *ml = under(buf, len, m->path, m->len) ? m->len : under(buf, len, m->real, m->real_len) ? m->real_len : 0;
    if (*ml) return m;
  }
  return NULL;
}

/* How a call treats its last component when it is a symlink: not followed (lstat, readlink, O_NOFOLLOW; "link/"
 * still is), followed, or never (mkdir, rmdir, unlink, rename, symlink, link, mknod: the name itself). */
enum { L_NOFOLLOW, L_FOLLOW, L_NAME };

/* Resolves path from the absolute, resolved directory cur (len) as the kernel does, component by component: in a
 * volume, each name is looked up — a symlink substituted (at most 40), a file or a missing name before the end is
 * ENOTDIR or ENOENT, ".." the parent of what was resolved (so "link/.." is the link target's parent); outside every
 * volume, lexically (host symlinks there are the kernel's, and a path reaches a volume by its name). A symlink's
 * target is read from the link's directory (or "/" when absolute) and must end in the link's volume (EXDEV). cur
 * ends as the resolved path; 1 when it is in a volume (w filled), 0 when not, -1 with errno. */
static int walk(char *cur, size_t len, const char *path, struct where *w, int how) {
  static char todo[VFS_PATH_MAX], target[BFS_PATH_MAX], next[VFS_PATH_MAX];
  strcpy(todo, path);
  struct vmount *linked = NULL;
  int hops = 0, slash = 0, dot = 0;
  for (size_t at = 0;;) {
    while (todo[at] == '/') at++;
    if (!todo[at]) break;
    size_t s = at;
    while (todo[at] && todo[at] != '/') at++;
    size_t k = at - s, after = at;
    while (todo[after] == '/') after++;
    int last = todo[after] == '\0';
    slash = last && after > at, dot = 0;
    if (k == 1 && todo[s] == '.') { dot = last; continue; }
    if (k == 2 && todo[s] == '.' && todo[s + 1] == '.') {
      while (len > 1 && cur[len - 1] != '/') len--;
      if (len > 1) len--;
      cur[len] = '\0';
      dot = last ? 2 : 0;
      continue;
    }
    size_t prev = len;
    if (len + 1 + k >= VFS_PATH_MAX) { errno = ENAMETOOLONG; return -1; }
    if (len > 1) cur[len++] = '/';
    memcpy(cur + len, todo + s, k);
    len += k;
    cur[len] = '\0';
    size_t ml;
    struct vmount *m = mount_of(cur, len, &ml);
    if (!m || len == ml) continue; /* the host, or a volume's root */
    const char *rel = cur + ml + 1;
    struct cgv_stat st;
    int r = cgv_stat(m->v, rel, &st);
    if (r != 0 || !S_ISLNK(st.mode)) {
      if (!last && (r != 0 || !S_ISDIR(st.mode))) { errno = r == -ENOENT || r == -EINVAL ? ENOENT : r ? -r : ENOTDIR; return -1; }
      continue;
    }
    if (last && (how == L_NAME || (how == L_NOFOLLOW && !slash))) continue;
    if (++hops > 40) { errno = ELOOP; return -1; }
    ssize_t t = cgv_readlink(m->v, rel, target, sizeof target - 1);
    if (t < 0) { errno = (int)-t; return -1; }
    target[t] = '\0';
    linked = m;
    len = target[0] == '/' ? 1 : prev; /* the link's directory, or "/" */
    cur[len] = '\0';
    int n = snprintf(next, sizeof next, "%s%s", target, todo + at);
    if (n < 0 || (size_t)n >= sizeof next) { errno = ENAMETOOLONG; return -1; }
    memcpy(todo, next, (size_t)n + 1);
    at = 0;
  }
  size_t ml;
  struct vmount *m = mount_of(cur, len, &ml);
  if (linked && m != linked) { errno = EXDEV; return -1; } /* the host's path there is not the program's to reach through a volume */
  if (!m) return 0;
  const char *rel = len == ml ? "" : cur + ml + 1;
  if (strlen(rel) >= sizeof w->rel) { errno = ENAMETOOLONG; return -1; }
  w->m = m;
  strcpy(w->rel, rel);
  w->dot = dot;
  w->slash = slash || dot;
  return 1;
}

/* The resolved path of the last locate: the host path that a relative path from a volume's subdirectory (vcwd) names,
 * for the kernel, whose working directory is the volume's root folder meanwhile. */
static char located[VFS_PATH_MAX];

/* 1 when (dirfd, path) is in a volume (w filled), 0 when not, 2 when not but relative to vcwd (the host path is in
 * located), -1 with errno; how: the last component's symlink */
static int locate(int dirfd, const char *path, struct where *w, int how) {
  if (!path) return 0;
  size_t plen = strlen(path);
  if (plen == 0 || plen >= BFS_PATH_MAX) return 0; /* the kernel answers (ENOENT, ENAMETOOLONG) */
  char *cur = located;
  cur[0] = '/', cur[1] = '\0';
  if (path[0] != '/' && dir_of(dirfd, cur, sizeof located) != 0) return errno == ENOTDIR || errno == ENAMETOOLONG ? -1 : 0;
  int in = walk(cur, strlen(cur), path, w, how);
  if (in < 0) return -1;
  if (!in) return vcwd.m && dirfd == AT_FDCWD && path[0] != '/' ? 2 : 0; /* outside every volume: the host's */
  struct cgv_stat st;
  if (w->slash && how != L_NAME && cgv_stat(w->m->v, w->rel, &st) == 0 && !S_ISDIR(st.mode)) { errno = ENOTDIR; return -1; } /* "file/", as the kernel */
  return 1;
}

/* the where of an open file or directory (its name at open) */
static void where_of(const struct vof *o, struct where *w) {
  w->m = o->m;
  strcpy(w->rel, o->rel);
  w->slash = w->dot = 0;
}

/* ---- stat ---- */

static void to_stat(const struct cgv_stat *c, struct stat *st) {
  memset(st, 0, sizeof *st);
  st->st_dev = VFS_DEV;
  st->st_ino = (ino_t)c->ino;
  st->st_mode = c->mode;
  st->st_nlink = S_ISDIR(c->mode) ? 2 : c->nlink ? c->nlink : 1;
  st->st_uid = geteuid();
  st->st_gid = getegid();
  st->st_size = S_ISDIR(c->mode) ? 4096 : (off_t)c->size;
  st->st_blksize = CGV_CHUNK;
  st->st_blocks = (blkcnt_t)((st->st_size + 511) / 512);
  st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t)(c->mtime / 1000000000);
  st->st_mtim.tv_nsec = st->st_ctim.tv_nsec = (long)(c->mtime % 1000000000);
  st->st_atim.tv_sec = (time_t)(c->atime / 1000000000);
  st->st_atim.tv_nsec = (long)(c->atime % 1000000000);
}

static void to_statx(const struct cgv_stat *c, struct statx *sx) {
  struct stat st;
  to_stat(c, &st);
  bfs_stat_to_statx(&st, sx);
}

/* stat of a located path (mu held; locate already answered ENOENT/ENOTDIR for what is on the way) */
static int stat_at(struct where *w, struct cgv_stat *st) {
  int r = cgv_stat(w->m->v, w->rel, st);
  return r == -EINVAL ? -ENOENT : r;
}

static void fstat_of(struct vof *o, struct cgv_stat *st) {
  if (o->f) cgv_fstat(o->f, st);
  else if (cgv_stat(o->m->v, o->rel, st) != 0) *st = (struct cgv_stat){ S_IFDIR | 0700, 0, 0, 1, 0, 1 }; /* removed since */
}

/* ---- open ---- */

static long vopen(struct where *w, int flags, mode_t mode) {
  if (flags & O_TMPFILE & ~O_DIRECTORY) return fail(EOPNOTSUPP);
  struct cgv_stat st;
  int exists = stat_at(w, &st);
  if (exists == -ENOTDIR) return fail(ENOTDIR);
  int dir = exists == 0 && S_ISDIR(st.mode);
  int acc = flags & O_ACCMODE;
  if (flags & O_PATH) flags &= ~(O_CREAT | O_EXCL | O_TRUNC); /* as the kernel ignores them */
  if (exists == 0 && (flags & O_CREAT) && (flags & O_EXCL)) return fail(EEXIST);
  if (dir && !(flags & O_PATH) && (acc != O_RDONLY || (flags & O_CREAT))) return fail(EISDIR);
  if (exists == 0 && !dir && (flags & O_DIRECTORY)) return fail(ENOTDIR);
  if (exists != 0 && (!(flags & O_CREAT) || w->slash || w->rel[0] == '\0')) return fail(w->slash && (flags & O_CREAT) ? EISDIR : ENOENT);
  if (exists == 0 && S_ISFIFO(st.mode) && !(flags & O_PATH)) { /* the kernel's pipe: a host fd, past the shield from now on */
    char name[33];
    int at = cgv_fifo(w->m->v, w->rel, name);
    if (at < 0) return fail(-at);
    pthread_mutex_unlock(&mu); /* the open waits for the other end, which may be another thread's open */
    int fd = REAL(openat)(at, name, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW));
    pthread_mutex_lock(&mu);
    return fd;
  }
  struct vof *o = calloc(1, sizeof *o);
  if (!o || !(o->rel = strdup(w->rel))) { free(o); return fail(ENOMEM); }
  o->m = w->m;
  o->flags = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  o->dir = dir;
  o->refs = 1;
  if (!dir && !(flags & O_PATH)) {
    int r = cgv_open(w->m->v, w->rel, flags & (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC), mode & ~umask_at_mount & 07777, &o->f);
    if (r < 0) { free(o->rel); free(o); return fail(-r); }
  }
  /* the placeholder: an O_PATH fd of /dev/null — no data, and no directory to create a file in through it */
  int fd = REAL(openat)(AT_FDCWD, "/dev/null", O_PATH | (flags & O_CLOEXEC));
  if (fd < 0 || fd >= BFS_FDTAB) {
    int err = fd < 0 ? errno : EMFILE;
    if (fd >= 0) REAL(close)(fd);
    release(o);
    return fail(err);
  }
  if (dir) { o->next_dir = open_dirs; open_dirs = o; }
  struct vof *stale = __atomic_exchange_n(&vtab[fd], o, __ATOMIC_ACQ_REL); /* closed past the wrappers (fclose of an fdopen) */
  if (stale) release(stale);
  return fd;
}

/* ---- data ---- */

static long vread(struct vof *o, void *buf, size_t n, int64_t at) {
  if (o->dir) return fail(EISDIR);
  if (!o->f || (o->flags & O_ACCMODE) == O_WRONLY) return fail(EBADF);
  uint64_t off = at >= 0 ? (uint64_t)at : o->off;
  ssize_t r = cgv_pread(o->f, buf, n, off);
  if (r > 0 && at < 0) o->off += (uint64_t)r;
  return neg(r);
}

static long vwrite(struct vof *o, const void *buf, size_t n, int64_t at) {
  if (o->dir) return fail(EISDIR);
  if (!o->f || (o->flags & O_ACCMODE) == O_RDONLY) return fail(EBADF);
  uint64_t off = (o->flags & O_APPEND) ? cgv_size(o->f) : at >= 0 ? (uint64_t)at : o->off;
  ssize_t r = cgv_pwrite(o->f, buf, n, off);
  if (r > 0 && at < 0) o->off = off + (uint64_t)r;
  return neg(r);
}

static long vreadv(struct vof *o, const struct iovec *iov, long cnt, int64_t at, int writing) {
  if (cnt < 0 || cnt > 1024) return fail(EINVAL);
  long total = 0;
  for (long i = 0; i < cnt; i++) {
    if (iov[i].iov_len == 0) continue;
    long r = writing ? vwrite(o, iov[i].iov_base, iov[i].iov_len, at >= 0 ? at + total : -1)
                     : vread(o, iov[i].iov_base, iov[i].iov_len, at >= 0 ? at + total : -1);
    if (r < 0) return total ? total : r;
    total += r;
    if ((size_t)r < iov[i].iov_len) break;
  }
  return total;
}

static long vlseek(struct vof *o, int64_t off, int whence) {
  if (o->dir) {
    if (whence != SEEK_SET || off < 0) return fail(EINVAL);
    o->off = (uint64_t)off;
    return off;
  }
  if (!o->f) return fail(EBADF);
  int64_t size = (int64_t)cgv_size(o->f), base;
  switch (whence) {
  case SEEK_SET: base = 0; break;
  case SEEK_CUR: base = (int64_t)o->off; break;
  case SEEK_END: base = size; break;
  case SEEK_DATA: if (off >= size) return fail(ENXIO); o->off = (uint64_t)off; return off;
  case SEEK_HOLE: if (off >= size) return fail(ENXIO); o->off = (uint64_t)size; return size;
  default: return fail(EINVAL);
  }
  if (base + off < 0) return fail(EINVAL);
  o->off = (uint64_t)(base + off);
  return (long)o->off;
}

/* splice between a pipe and a volume file, served through a buffer (the kernel's splice would move ciphertext):
 * Go's io.Copy from a socket to a file splices socket → pipe → file and, once the first half worked, cannot fall
 * back. Between two volume files, or without a pipe: EINVAL (the caller falls back to read/write). */
static long vsplice(int in, int64_t *off_in, int out, int64_t *off_out, size_t len) {
  struct vof *i = vof_of(in), *o = vof_of(out);
  if (!i && !o) return PASS; /* closed since involved() looked */
  if (i && o) return fail(EINVAL);
  if (len == 0) return 0;
  static __thread char buf[65536];
  size_t want = len < sizeof buf ? len : sizeof buf;
  struct stat st;
  if (REAL(fstat)(o ? in : out, &st) != 0 || !S_ISFIFO(st.st_mode)) return fail(EINVAL);
  if ((o && off_in) || (i && off_out)) return fail(ESPIPE);
  if (o) { /* pipe → volume file; the pipe is read without the lock (it may block) */
    pthread_mutex_unlock(&mu);
    ssize_t n = REAL(read)(in, buf, want);
    pthread_mutex_lock(&mu);
    if (n <= 0) return n;
    if (!(o = vof_of(out))) return fail(EBADF); /* closed meanwhile */
    long w = vwrite(o, buf, (size_t)n, off_out ? *off_out : -1);
    if (w >= 0 && off_out) *off_out += w;
    return w >= 0 && w < n ? fail(EIO) : w; /* the pipe's bytes are gone: never a silent short copy */
  }
  /* volume file → pipe; the pipe is written without the lock, and what it did not take is read again next time */
  long n = vread(i, buf, want, off_in ? *off_in : -1);
  if (n <= 0) return n;
  i->refs++; /* kept alive while unlocked */
  pthread_mutex_unlock(&mu);
  ssize_t w = REAL(write)(out, buf, (size_t)n);
  int err = errno;
  pthread_mutex_lock(&mu);
  long moved = w < 0 ? 0 : w;
  if (off_in) *off_in += moved;
  else i->off -= (uint64_t)(n - moved);
  release(i);
  errno = err;
  return w < 0 ? -1 : w;
}

/* ---- directories ---- */

struct collect { struct dent *d; size_t n, cap; int oom; };
static void collect_one(void *ctx, const char *name, const struct cgv_stat *st) {
  struct collect *c = ctx;
  if (c->oom) return;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 16;
    struct dent *d = realloc(c->d, cap * sizeof *d);
    if (!d) { c->oom = 1; return; }
    c->d = d;
    c->cap = cap;
  }
  if (!(c->d[c->n].name = strdup(name))) { c->oom = 1; return; }
  c->d[c->n++].st = *st;
}

struct dirent64_k { uint64_t d_ino; int64_t d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; };

static long vgetdents(struct vof *o, void *buf, size_t len) {
  if (!o->dir) return fail(ENOTDIR);
  if (o->off == 0 || !o->list) {
    free_list(o);
    struct collect c = { 0, 0, 0, 0 };
    int r = cgv_list(o->m->v, o->rel, collect_one, &c);
    o->list = c.d;
    o->nlist = c.n;
    if (c.oom) { free_list(o); return fail(ENOMEM); }
    if (r < 0) { free_list(o); return fail(-r == ENOTDIR ? ENOENT : -r); } /* the directory was removed */
  }
  size_t out = 0;
  while (o->off < o->nlist + 2) {
    const char *name = o->off == 0 ? "." : o->off == 1 ? ".." : o->list[o->off - 2].name;
    uint64_t ino = o->off < 2 ? 1 : o->list[o->off - 2].st.ino;
    uint32_t mode = o->off < 2 ? S_IFDIR : o->list[o->off - 2].st.mode;
    unsigned char type = S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : S_ISFIFO(mode) ? DT_FIFO : DT_REG;
    size_t nl = strlen(name), rec = (offsetof(struct dirent64_k, d_name) + nl + 1 + 7) & ~(size_t)7;
    if (out + rec > len) break;
    struct dirent64_k *de = (struct dirent64_k *)((char *)buf + out);
    memset(de, 0, rec);
    de->d_ino = ino;
    de->d_off = (int64_t)o->off + 1;
    de->d_reclen = (unsigned short)rec;
    de->d_type = type;
    memcpy(de->d_name, name, nl);
    out += rec;
    o->off++;
  }
  if (out == 0 && o->off < o->nlist + 2) return fail(EINVAL);
  return (long)out;
}

/* ---- names ---- */

static long vreadlink(struct where *w, char *buf, size_t n) {
  struct cgv_stat st;
  int r = stat_at(w, &st);
  if (r < 0) return fail(-r);
  if (!S_ISLNK(st.mode)) return fail(EINVAL);
  if (n == 0) return fail(EINVAL);
  return neg(cgv_readlink(w->m->v, w->rel, buf, n));
}

static long vsymlink(struct where *w, const char *target) {
  if (!target) return fail(EFAULT);
  if (w->rel[0] == '\0' || w->slash) return fail(EEXIST);
  return neg(cgv_symlink(w->m->v, w->rel, target));
}

static long vunlink(struct where *w, int flags) {
  if (w->dot) return fail(!(flags & AT_REMOVEDIR) ? EISDIR : w->dot == 1 ? EINVAL : ENOTEMPTY); /* "x/.", "x/..", as the kernel */
  if (w->rel[0] == '\0') return fail(EBUSY);
  struct cgv_stat st;
  int r = stat_at(w, &st);
  if (r < 0) return fail(-r);
  if (flags & AT_REMOVEDIR) return neg(cgv_rmdir(w->m->v, w->rel));
  if (w->slash) return fail(S_ISDIR(st.mode) ? EISDIR : ENOTDIR);
  return neg(cgv_unlink(w->m->v, w->rel));
}

static long vrename(struct where *a, struct where *b, unsigned flags) {
  if (flags & ~(unsigned)RENAME_NOREPLACE) return fail(EINVAL);
  if (a->m != b->m) return fail(EXDEV);
  if (a->rel[0] == '\0' || b->rel[0] == '\0' || a->dot || b->dot) return fail(EBUSY);
  struct cgv_stat st;
  if (flags & RENAME_NOREPLACE) {
    if (cgv_stat(b->m->v, b->rel, &st) == 0) return fail(EEXIST);
  }
  if ((a->slash || b->slash) && cgv_stat(a->m->v, a->rel, &st) == 0 && !S_ISDIR(st.mode)) return fail(ENOTDIR); /* "file/", or a file to "new/" */
  int r = cgv_rename(a->m->v, a->rel, b->rel);
  if (r < 0) return fail(-r);
  /* open directories in the moved subtree keep working under their new names */
  size_t fl = strlen(a->rel), tl = strlen(b->rel);
  for (struct vof *o = open_dirs; o; o = o->next_dir) {
    if (o->m != a->m || strncmp(o->rel, a->rel, fl) != 0 || (o->rel[fl] != '\0' && o->rel[fl] != '/')) continue;
    char *moved = malloc(tl + strlen(o->rel + fl) + 1);
    if (!moved) return fail(ENOMEM);
    memcpy(moved, b->rel, tl);
    strcpy(moved + tl, o->rel + fl);
    free(o->rel);
    o->rel = moved;
  }
  if (vcwd.m == a->m && strncmp(vcwd.rel, a->rel, fl) == 0 && (vcwd.rel[fl] == '\0' || vcwd.rel[fl] == '/')) {
    static char moved[CGV_PATH_MAX];
    if (snprintf(moved, sizeof moved, "%s%s", b->rel, vcwd.rel + fl) < (int)sizeof moved) strcpy(vcwd.rel, moved);
  }
  return 0;
}

/* mknod: a FIFO; devices and sockets are refused (EPERM) */
static long vmknod(struct where *w, mode_t mode) {
  if (!S_ISFIFO(mode)) return fail(EPERM);
  if (w->rel[0] == '\0' || w->slash) return fail(EEXIST);
  return neg(cgv_mkfifo(w->m->v, w->rel, mode & ~umask_at_mount & 07777));
}

/* a hard link: a second name of a file in the same volume */
static long vlink(struct where *a, struct where *b) {
  if (a->m != b->m) return fail(EXDEV);
  struct cgv_stat st;
  int r = stat_at(a, &st);
  if (r < 0) return fail(-r);
  if (S_ISDIR(st.mode)) return fail(EPERM);
  if (a->slash) return fail(ENOTDIR); /* "file/" */
  if (b->rel[0] == '\0' || b->dot || cgv_stat(b->m->v, b->rel, &st) == 0) return fail(EEXIST);
  if (b->slash) return fail(ENOENT);
  return neg(cgv_link(a->m->v, a->rel, b->rel));
}

/* Ownership is not kept: every entry is the process's (stat says geteuid/getegid), so a chown to that owner, or to
 * a group the process is in, changes nothing and succeeds; any other is EPERM. */
static int own(long uid, long gid) {
  if ((uid_t)uid != (uid_t)-1 && (uid_t)uid != geteuid()) return 0;
  if ((gid_t)gid == (gid_t)-1 || (gid_t)gid == getegid()) return 1;
  gid_t groups[256];
  int n = getgroups(256, groups);
  for (int i = 0; i < n; i++) if (groups[i] == (gid_t)gid) return 1;
  return 0;
}

static long vchown(struct where *w, long uid, long gid) {
  struct cgv_stat st;
  int r = stat_at(w, &st);
  return r < 0 ? fail(-r) : own(uid, gid) ? 0 : fail(EPERM);
}

/* chdir/fchdir to (m, rel), a directory of the volume: the kernel's cwd becomes the volume's root folder */
static long vchdir(struct vmount *m, const char *rel) {
  if (REAL(chdir)(m->path) != 0) return -1;
  vcwd.m = rel[0] ? m : NULL;
  if (rel[0]) strcpy(vcwd.rel, rel);
  return 0;
}

/* chmod (mode < 0: unchanged) and the times of an open file or directory */
static long vsetattr(struct vof *o, int mode, int64_t atime, int64_t mtime) {
  return neg(o->f ? cgv_fsetattr(o->f, mode, atime, mtime) : cgv_setattr(o->m->v, o->rel, mode, atime, mtime));
}

/* utimensat's times: NULL (both now) or [atime, mtime], each UTIME_NOW, UTIME_OMIT or a time; i: 0 atime, 1 mtime */
static int64_t time_of(const struct timespec *times, int i) {
  if (!times || times[i].tv_nsec == UTIME_NOW) return CGV_MTIME_NOW;
  if (times[i].tv_nsec == UTIME_OMIT) return CGV_MTIME_KEEP;
  return (int64_t)times[i].tv_sec * 1000000000 + times[i].tv_nsec;
}

/* ---- fd-table bookkeeping the interposer calls ---- */

long bfs_vfs_dup(int oldfd, long newfd) {
  if (!bfs_vfs_n || newfd < 0 || newfd == oldfd) return newfd;
  if (newfd >= BFS_FDTAB) {
    if (!vof_of(oldfd)) return newfd;
    REAL(close)((int)newfd); /* a volume file's dup beyond the table would be an untracked placeholder */
    return fail(EMFILE);
  }
  pthread_mutex_lock(&mu);
  struct vof *o = vof_of(oldfd);
  if (o) o->refs++;
  struct vof *prev = __atomic_exchange_n(&vtab[newfd], o, __ATOMIC_ACQ_REL);
  if (prev) release(prev);
  pthread_mutex_unlock(&mu);
  return newfd;
}

static long vclose(int fd) {
  struct vof *o = __atomic_exchange_n(&vtab[fd], NULL, __ATOMIC_ACQ_REL);
  int r = release(o);
  long c = REAL(close)(fd);
  return r < 0 ? fail(-r) : c;
}

/* ---- the dispatch ---- */

/* can (dirfd, path) be in a volume? Cheap, without the lock: an absolute path without "//", "/." can be in one only
 * when it starts with a mount path (either spelling); a relative one is resolved under the lock */
static int maybe(long path) {
  const char *p = (const char *)path;
  if (!p) return 0;
  if (p[0] != '/') return 1; /* from the working directory or a directory fd, either may be in a volume */
  for (const char *q = p; (q = strchr(q, '/')); q++) if (q[1] == '/' || q[1] == '.') return 1;
  size_t len = strlen(p);
  for (int i = 0; i < bfs_vfs_n; i++)
    if (under(p, len, mounts[i].path, mounts[i].len) || under(p, len, mounts[i].real, mounts[i].real_len)) return 1;
  return 0;
}

/* does the call touch a volume (an fd of one, or a path that may be in one)? */
static int involved(long n, long a, long b, long c, long d, long e) {
  switch (n) {
  case SYS_read: case SYS_pread64: case SYS_readv: case SYS_preadv: case SYS_preadv2: case SYS_write: case SYS_pwrite64:
  case SYS_writev: case SYS_pwritev: case SYS_pwritev2: case SYS_lseek: case SYS_fstat: case SYS_ftruncate: case SYS_fsync:
  case SYS_fdatasync: case SYS_sync_file_range: case SYS_syncfs: case SYS_getdents64: case SYS_close: case SYS_flock: case SYS_fcntl:
  case SYS_fchmod: case SYS_fchown: case SYS_fallocate: case SYS_fadvise64: case SYS_fgetxattr:
  case SYS_fsetxattr: case SYS_flistxattr: case SYS_fremovexattr:
    return vof_of(a) != NULL;
  case SYS_sendfile: case SYS_tee: return vof_of(a) || vof_of(b);
  case SYS_splice: case SYS_copy_file_range: return vof_of(a) || vof_of(c);
  case SYS_mmap: return !(d & MAP_ANONYMOUS) && vof_of(e);
  case SYS_open: case SYS_creat: case SYS_stat: case SYS_lstat: case SYS_access: case SYS_unlink: case SYS_rmdir: case SYS_mkdir:
  case SYS_truncate: case SYS_chmod: case SYS_readlink: case SYS_mknod: case SYS_chown: case SYS_lchown:
  case SYS_getxattr: case SYS_lgetxattr: case SYS_setxattr: case SYS_lsetxattr: case SYS_listxattr: case SYS_llistxattr:
  case SYS_removexattr: case SYS_lremovexattr:
    return maybe(a);
  case SYS_openat: case SYS_openat2: case SYS_newfstatat: case SYS_statx: case SYS_faccessat: case SYS_unlinkat: case SYS_mkdirat:
  case SYS_fchmodat: case SYS_fchmodat2: case SYS_readlinkat: case SYS_mknodat: case SYS_fchownat:
#ifdef SYS_faccessat2
  case SYS_faccessat2:
#endif
    return maybe(b);
  case SYS_utimensat: return b ? maybe(b) : vof_of(a) != NULL;
  case SYS_fchdir: return vof_of(a) || __atomic_load_n(&vcwd.m, __ATOMIC_RELAXED);
  case SYS_getcwd: return __atomic_load_n(&vcwd.m, __ATOMIC_RELAXED) != NULL;
  case SYS_chdir: return maybe(a) || __atomic_load_n(&vcwd.m, __ATOMIC_RELAXED);
  case SYS_sync: bfs_vfs_commit(0); return 0; /* then the kernel's */
  case SYS_exit_group: bfs_vfs_commit(1); return 0;
  case SYS_umask: umask_at_mount = (mode_t)(a & 0777); return 0;
#ifdef SYS_close_range
  case SYS_close_range: return 1;
#endif
  case SYS_rename: case SYS_link: return maybe(a) || maybe(b);
  case SYS_renameat: case SYS_renameat2: case SYS_linkat: return maybe(b) || maybe(d);
  case SYS_symlink: return maybe(b);
  case SYS_symlinkat: return maybe(c);
  default: return 0;
  }
}

/* does an open with these flags follow a symlink in the last component? (O_CREAT|O_EXCL: never, as the kernel) */
#define OPEN_FOLLOWS(flags) (!((flags) & O_NOFOLLOW) && ((flags) & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL))

/* ---- group commit ----
 * Volumes are mounted deferred (cgv_defer): a change — a write, a close, a name made, moved or removed — is committed
 * (sealed manifest, the two tag reports to the policy service, rename) by the flusher thread COMMIT_DELAY_MS after
 * the first change since the last commit, with every change made meanwhile; at once by fsync/fdatasync/
 * sync_file_range/syncfs of any of the volume's files or directories and by sync(); and at exit (exit_group, exit,
 * _exit). What a program fsynced is durable as on a kernel file system; what it did not is durable within
 * COMMIT_DELAY_MS, or lost if the process is killed before (a crash still leaves a committed version, never a torn
 * one). A commit that fails stops the program: its writes could not be kept (fail closed). */
#define COMMIT_DELAY_MS 50
static pthread_cond_t flush_cv = PTHREAD_COND_INITIALIZER;
static int flush_due, flusher_started;
static pid_t writer_pid; /* a forked child is not the volumes' writer: it never commits on its own */

/* open_too: data written to files still open too (sync, the end); the flusher leaves it to their close or fsync */
static void commit_now(struct vmount *m, int open_too) {
  int r = cgv_pending(m->v, open_too) ? cgv_commit(m->v) : 0;
  if (r < 0) bfs_die("volume %s at %s: a commit failed (%s); stopping, as its changes cannot be kept", m->name, m->path, strerror(-r));
}

static void commit_all(int open_too) {
  for (int i = 0; i < bfs_vfs_n; i++) commit_now(&mounts[i], open_too);
}

static void *flusher(void *arg) {
  (void)arg;
  pthread_mutex_lock(&mu);
  for (;;) {
    while (!flush_due) pthread_cond_wait(&flush_cv, &mu);
    pthread_mutex_unlock(&mu);
    struct timespec d = { 0, COMMIT_DELAY_MS * 1000000L };
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {}
    pthread_mutex_lock(&mu);
    flush_due = 0;
    commit_all(0);
  }
  return NULL;
}

/* under mu, after a call: wakes the flusher when a volume has changes (commits at once when it cannot start) */
static void schedule(void) {
  if (flush_due) return;
  int any = 0;
  for (int i = 0; i < bfs_vfs_n && !any; i++) any = cgv_pending(mounts[i].v, 0);
  if (!any || getpid() != writer_pid) return;
  if (!flusher_started) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread takes no signal: they are the program's */
    pthread_t t;
    int r = pthread_create(&t, NULL, flusher, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) { commit_all(0); return; }
    pthread_detach(t);
    flusher_started = 1;
  }
  flush_due = 1;
  pthread_cond_signal(&flush_cv);
}

/* sync(2) and the process's end: commit what is pending (the writer only); hold (the last call: exit_group, _exit)
 * keeps every other thread out */
void bfs_vfs_commit(int hold) {
  if (!bfs_vfs_n || getpid() != writer_pid) return;
  pthread_mutex_lock(&mu);
  commit_all(1);
  if (!hold) pthread_mutex_unlock(&mu);
}

__attribute__((destructor)) static void commit_at_exit(void) { bfs_vfs_commit(0); }

/* a located path argument: PASS when not in a volume; from vcwd to the host, the call with the host path (absolute) */
#define AT(dirfd, path, w, follow) do { \
    int l_ = locate((int)(dirfd), (const char *)(path), (w), (follow)); \
    if (l_ < 0) { r = -1; goto out; } \
    if (l_ == 2) { path = (long)located; r = bfs_sys(n, a, b, c, d, e, 0); goto out; } \
    if (l_ == 0) goto out; \
  } while (0)

long bfs_vfs_syscall(long n, long a, long b, long c, long d, long e) {
  long r = PASS;
  static struct where w, w2; /* their paths are long (CGV_PATH_MAX): static, under mu */
  struct vof *o = NULL;
  struct cgv_stat st;
  if (!involved(n, a, b, c, d, e)) return PASS;
  pthread_mutex_lock(&mu);
  switch (n) {
  /* ---- fd calls ---- */
  case SYS_read: if ((o = vof_of(a))) r = vread(o, (void *)b, (size_t)c, -1); break;
  case SYS_pread64: if ((o = vof_of(a))) r = d < 0 ? fail(EINVAL) : vread(o, (void *)b, (size_t)c, d); break;
  case SYS_readv: if ((o = vof_of(a))) r = vreadv(o, (const struct iovec *)b, c, -1, 0); break;
  case SYS_preadv: case SYS_preadv2: if ((o = vof_of(a))) r = vreadv(o, (const struct iovec *)b, c, d, 0); break;
  case SYS_write: if ((o = vof_of(a))) r = vwrite(o, (const void *)b, (size_t)c, -1); break;
  case SYS_pwrite64: if ((o = vof_of(a))) r = d < 0 ? fail(EINVAL) : vwrite(o, (const void *)b, (size_t)c, d); break;
  case SYS_writev: if ((o = vof_of(a))) r = vreadv(o, (const struct iovec *)b, c, -1, 1); break;
  case SYS_pwritev: case SYS_pwritev2: if ((o = vof_of(a))) r = vreadv(o, (const struct iovec *)b, c, d, 1); break;
  case SYS_lseek: if ((o = vof_of(a))) r = vlseek(o, b, (int)c); break;
  case SYS_fstat: if ((o = vof_of(a))) { fstat_of(o, &st); to_stat(&st, (struct stat *)b); r = 0; } break;
  case SYS_ftruncate:
    if ((o = vof_of(a))) r = o->dir ? fail(EISDIR) : !o->f ? fail(EBADF) : b < 0 ? fail(EINVAL) : neg(cgv_ftruncate(o->f, (uint64_t)b));
    break;
  case SYS_fsync: case SYS_fdatasync: case SYS_sync_file_range: case SYS_syncfs:
    if ((o = vof_of(a))) r = neg(o->f ? cgv_fsync(o->f) : cgv_commit(o->m->v));
    break;
  case SYS_getdents64: if ((o = vof_of(a))) r = vgetdents(o, (void *)b, (size_t)c); break;
  case SYS_close: if (vof_of(a)) r = vclose((int)a); break;
#ifdef SYS_close_range
  case SYS_close_range: /* the volume files in the range are closed (committed) first; CLOEXEC only marks them */
    if (!(c & 4 /* CLOSE_RANGE_CLOEXEC */))
      for (unsigned long fd = (unsigned long)a; fd <= (unsigned long)b && fd < BFS_FDTAB; fd++) {
        struct vof *x = __atomic_exchange_n(&vtab[fd], NULL, __ATOMIC_ACQ_REL);
        if (x) release(x);
      }
    break;
#endif
  case SYS_flock: if (vof_of(a)) r = 0; break;
  case SYS_fcntl:
    if (!(o = vof_of(a))) break;
    switch (b) {
    case F_GETFL: r = o->flags; break;
    case F_SETFL: o->flags = (o->flags & ~(O_APPEND | O_NONBLOCK)) | ((int)c & (O_APPEND | O_NONBLOCK)); r = 0; break;
    case F_SETLK: case F_SETLKW: case F_OFD_SETLK: case F_OFD_SETLKW: r = 0; break;
    case F_GETLK: case F_OFD_GETLK:
      if (!c) { r = fail(EFAULT); break; }
      ((struct flock *)c)->l_type = F_UNLCK;
      r = 0;
      break;
    default: break; /* F_GETFD/F_SETFD and F_DUPFD*: the placeholder's (the interposer tracks the dup) */
    }
    break;
  case SYS_fchmod: if ((o = vof_of(a))) r = vsetattr(o, (int)(b & 07777), CGV_MTIME_KEEP, CGV_MTIME_KEEP); break;
  case SYS_fchown: if (vof_of(a)) r = own(b, c) ? 0 : fail(EPERM); break;
  case SYS_fallocate: if (vof_of(a)) r = fail(EOPNOTSUPP); break;
  case SYS_fadvise64: if (vof_of(a)) r = 0; break;
  case SYS_fchdir:
    if ((o = vof_of(a))) r = !o->dir ? fail(ENOTDIR) : vchdir(o->m, o->rel);
    else if ((r = REAL(fchdir)((int)a)) == 0) vcwd.m = NULL;
    break;
  case SYS_getcwd: /* the kernel's answer: the length with the NUL */
    if (vcwd.m) {
      int k = snprintf((char *)a, (size_t)b, "%s/%s", vcwd.m->path, vcwd.rel);
      r = k < 0 || k >= BFS_PATH_MAX ? fail(ENAMETOOLONG) : (size_t)k >= (size_t)b ? fail(ERANGE) : k + 1; /* as the kernel's */
    }
    break;
  case SYS_fgetxattr: case SYS_fsetxattr: case SYS_flistxattr: case SYS_fremovexattr: if (vof_of(a)) r = fail(ENOTSUP); break;
  case SYS_sendfile: if (vof_of(a) || vof_of(b)) r = fail(EINVAL); break;
  case SYS_splice: r = vsplice((int)a, (int64_t *)b, (int)c, (int64_t *)d, (size_t)e); break;
  case SYS_copy_file_range: if (vof_of(a) || vof_of(c)) r = fail(EINVAL); break;
  case SYS_tee: if (vof_of(a) || vof_of(b)) r = fail(EINVAL); break;
  case SYS_mmap: if (!(d & MAP_ANONYMOUS) && vof_of(e)) r = fail(ENODEV); break;

  /* ---- path calls ---- */
  case SYS_open: AT(AT_FDCWD, a, &w, OPEN_FOLLOWS(b)); r = vopen(&w, (int)b, (mode_t)c); break;
  case SYS_openat: AT(a, b, &w, OPEN_FOLLOWS(c)); r = vopen(&w, (int)c, (mode_t)d); break;
  case SYS_openat2: /* RESOLVE_* flags: not applied to a volume's symlinks (they stay in the volume anyway) */
    if (!c || (size_t)d < sizeof(struct open_how_k)) { AT(a, b, &w, 0); r = fail(EINVAL); break; }
    AT(a, b, &w, OPEN_FOLLOWS(((const struct open_how_k *)c)->flags));
    r = !c || (size_t)d < sizeof(struct open_how_k) ? fail(EINVAL) : vopen(&w, (int)((const struct open_how_k *)c)->flags, (mode_t)((const struct open_how_k *)c)->mode);
    break;
  case SYS_creat: AT(AT_FDCWD, a, &w, 1); r = vopen(&w, O_CREAT | O_WRONLY | O_TRUNC, (mode_t)b); break;
  case SYS_stat: case SYS_lstat:
    AT(AT_FDCWD, a, &w, n == SYS_stat);
    if ((r = stat_at(&w, &st)) == 0) to_stat(&st, (struct stat *)b); else r = fail((int)-r);
    break;
  case SYS_newfstatat:
    if (b && ((const char *)b)[0] == '\0' && (d & AT_EMPTY_PATH)) {
      if ((o = vof_of(a))) { fstat_of(o, &st); to_stat(&st, (struct stat *)c); r = 0; }
      break;
    }
    AT(a, b, &w, !(d & AT_SYMLINK_NOFOLLOW));
    if ((r = stat_at(&w, &st)) == 0) to_stat(&st, (struct stat *)c); else r = fail((int)-r);
    break;
  case SYS_statx:
    if (b && ((const char *)b)[0] == '\0' && (c & AT_EMPTY_PATH)) {
      if ((o = vof_of(a))) { fstat_of(o, &st); to_statx(&st, (struct statx *)e); r = 0; }
      break;
    }
    AT(a, b, &w, !(c & AT_SYMLINK_NOFOLLOW));
    if ((r = stat_at(&w, &st)) == 0) to_statx(&st, (struct statx *)e); else r = fail((int)-r);
    break;
  case SYS_access: AT(AT_FDCWD, a, &w, 1); c = b; goto access;
  case SYS_faccessat:
#ifdef SYS_faccessat2
  case SYS_faccessat2:
#endif
    AT(a, b, &w, n == SYS_faccessat || !(d & AT_SYMLINK_NOFOLLOW));
  access:
    if ((r = stat_at(&w, &st)) < 0) r = fail((int)-r);
    else r = (c & X_OK) && !S_ISDIR(st.mode) && !(st.mode & 0111) ? fail(EACCES) : 0;
    break;
  case SYS_unlink: AT(AT_FDCWD, a, &w, L_NAME); r = vunlink(&w, 0); break;
  case SYS_rmdir: AT(AT_FDCWD, a, &w, L_NAME); r = vunlink(&w, AT_REMOVEDIR); break;
  case SYS_unlinkat: AT(a, b, &w, L_NAME); r = vunlink(&w, (int)c); break;
  case SYS_mkdir: AT(AT_FDCWD, a, &w, L_NAME); r = w.rel[0] ? neg(cgv_mkdir(w.m->v, w.rel, (mode_t)b & ~umask_at_mount & 07777)) : fail(EEXIST); break;
  case SYS_mkdirat: AT(a, b, &w, L_NAME); r = w.rel[0] ? neg(cgv_mkdir(w.m->v, w.rel, (mode_t)c & ~umask_at_mount & 07777)) : fail(EEXIST); break;
  case SYS_rename: case SYS_renameat: case SYS_renameat2: {
    long da = n == SYS_rename ? AT_FDCWD : a, pa = n == SYS_rename ? a : b;
    long db = n == SYS_rename ? AT_FDCWD : c, pb = n == SYS_rename ? b : d;
    int la = locate((int)da, (const char *)pa, &w, L_NAME), lb = locate((int)db, (const char *)pb, &w2, L_NAME);
    if (la < 0 || lb < 0) { r = -1; break; }
    if (la != lb || la == 2) { r = fail(EXDEV); break; } /* (a host rename relative to vcwd: not served) */
    if (la) r = vrename(&w, &w2, n == SYS_renameat2 ? (unsigned)e : 0);
    break;
  }
  case SYS_truncate: {
    AT(AT_FDCWD, a, &w, 1);
    struct cgv_file *f;
    if ((r = stat_at(&w, &st)) == 0 && S_ISDIR(st.mode)) r = -EISDIR;
    if (r == 0 && (r = cgv_open(w.m->v, w.rel, O_WRONLY, 0, &f)) == 0) {
      r = b < 0 ? -EINVAL : cgv_ftruncate(f, (uint64_t)b);
      int cr = cgv_close(f);
      if (r == 0) r = cr;
    }
    r = neg(r);
    break;
  }
  case SYS_chmod: AT(AT_FDCWD, a, &w, 1); r = neg(cgv_setattr(w.m->v, w.rel, (int)(b & 07777), CGV_MTIME_KEEP, CGV_MTIME_KEEP)); break;
  case SYS_fchmodat: case SYS_fchmodat2: AT(a, b, &w, 1); r = neg(cgv_setattr(w.m->v, w.rel, (int)(c & 07777), CGV_MTIME_KEEP, CGV_MTIME_KEEP)); break;
  case SYS_utimensat:
    if (!b || (((const char *)b)[0] == '\0' && (d & AT_EMPTY_PATH))) { /* futimens */
      if ((o = vof_of(a))) r = vsetattr(o, -1, time_of((const struct timespec *)c, 0), time_of((const struct timespec *)c, 1));
      break;
    }
    AT(a, b, &w, !(d & AT_SYMLINK_NOFOLLOW));
    r = w.rel[0] ? neg(cgv_setattr(w.m->v, w.rel, -1, time_of((const struct timespec *)c, 0), time_of((const struct timespec *)c, 1))) : 0;
    break;
  case SYS_readlink: AT(AT_FDCWD, a, &w, 0); r = vreadlink(&w, (char *)b, (size_t)c); break;
  case SYS_readlinkat:
    if (b && ((const char *)b)[0] == '\0') { /* of an O_PATH|O_NOFOLLOW fd of the link */
      if ((o = vof_of(a))) { where_of(o, &w); r = vreadlink(&w, (char *)c, (size_t)d); }
      break;
    }
    AT(a, b, &w, 0);
    r = vreadlink(&w, (char *)c, (size_t)d);
    break;
  case SYS_chdir: {
    int l = locate(AT_FDCWD, (const char *)a, &w, L_FOLLOW);
    if (l < 0) { r = -1; break; }
    if (l != 1) { /* a host directory; from a volume's directory, named by its host path (located) for the kernel */
      if (!vcwd.m) break; /* PASS: the kernel's, as asked */
      if ((r = REAL(chdir)(l == 2 ? located : (const char *)a)) == 0) vcwd.m = NULL;
      break;
    }
    r = (r = stat_at(&w, &st)) < 0 ? fail((int)-r) : !S_ISDIR(st.mode) ? fail(ENOTDIR) : vchdir(w.m, w.rel);
    break;
  }
  case SYS_symlink: AT(AT_FDCWD, b, &w, L_NAME); r = vsymlink(&w, (const char *)a); break;
  case SYS_symlinkat: AT(b, c, &w, L_NAME); r = vsymlink(&w, (const char *)a); break;
  case SYS_link: case SYS_linkat: {
    long da = n == SYS_link ? AT_FDCWD : a, pa = n == SYS_link ? a : b;
    long db = n == SYS_link ? AT_FDCWD : c, pb = n == SYS_link ? b : d;
    int flags = n == SYS_link ? 0 : (int)e;
    if (flags & AT_EMPTY_PATH && pa && !*(const char *)pa && (o = vof_of(da))) { /* linkat(fd, "", ...) of an open file */
      where_of(o, &w);
      int lb = locate((int)db, (const char *)pb, &w2, L_NAME);
      r = lb < 0 ? -1 : lb == 1 ? vlink(&w, &w2) : fail(EXDEV);
      break;
    }
    int la = locate((int)da, (const char *)pa, &w, flags & AT_SYMLINK_FOLLOW ? L_FOLLOW : L_NAME), lb = locate((int)db, (const char *)pb, &w2, L_NAME);
    if (la < 0 || lb < 0) r = -1;
    else if (la != lb || la == 2) r = fail(EXDEV);
    else if (la) r = vlink(&w, &w2);
    break;
  }
  case SYS_mknod: AT(AT_FDCWD, a, &w, L_NAME); r = vmknod(&w, (mode_t)b); break;
  case SYS_mknodat: AT(a, b, &w, L_NAME); r = vmknod(&w, (mode_t)c); break;
  case SYS_chown: case SYS_lchown: AT(AT_FDCWD, a, &w, n == SYS_chown); r = vchown(&w, b, c); break;
  case SYS_fchownat:
    if ((e & AT_EMPTY_PATH) && b && !*(const char *)b && (o = vof_of(a))) { r = own(c, d) ? 0 : fail(EPERM); break; }
    AT(a, b, &w, !(e & AT_SYMLINK_NOFOLLOW)); r = vchown(&w, c, d); break;
  case SYS_getxattr: case SYS_lgetxattr: case SYS_setxattr: case SYS_lsetxattr: case SYS_listxattr: case SYS_llistxattr:
  case SYS_removexattr: case SYS_lremovexattr:
    AT(AT_FDCWD, a, &w, 1); r = fail(ENOTSUP); break;
  default: break;
  }
out:
  schedule();
  pthread_mutex_unlock(&mu);
  return r;
}

/* is the path (from the working directory) in a volume? */
int bfs_vfs_in(const char *path) {
  if (!bfs_vfs_n || !maybe((long)path)) return 0;
  static struct where w; /* under mu */
  pthread_mutex_lock(&mu);
  int r = locate(AT_FDCWD, path, &w, 1) != 0;
  pthread_mutex_unlock(&mu);
  return r;
}

/* ---- mounting ---- */

static mode_t read_umask(void) {
  int fd = REAL(openat)(AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
  char buf[4096];
  ssize_t n = fd >= 0 ? REAL(read)(fd, buf, sizeof buf - 1) : -1;
  if (fd >= 0) REAL(close)(fd);
  if (n <= 0) return 022;
  buf[n] = '\0';
  const char *u = strstr(buf, "Umask:");
  return u ? (mode_t)strtoul(u + 6, NULL, 8) : 022;
}

int bfs_vfs_mount(const char *name, const char *path, const unsigned char key[32], bfs_report_fn report, void *ctx,
                  const char **tag, char err[256]) {
  size_t len = strlen(path);
  if (bfs_vfs_n == MAX_MOUNTS) { snprintf(err, 256, "more than %d volumes", MAX_MOUNTS); return -1; }
  if (path[0] != '/' || len < 2 || path[len - 1] == '/') { snprintf(err, 256, "mount path %s is not a normalised absolute path", path); return -1; }
  struct cgv_volume *v;
  int r = cgv_mount(&v, path, key, report, ctx, err);
  if (r < 0) return -1;
  struct vmount *m = &mounts[bfs_vfs_n];
  m->path = strdup(path);
  m->name = strdup(name);
  m->real = realpath(path, NULL);
  if (!m->path || !m->name || !m->real) { snprintf(err, 256, "cannot resolve %.200s: %s", path, strerror(errno)); cgv_unmount(v); return -1; }
  m->len = len;
  m->real_len = strlen(m->real);
  m->v = v;
  umask_at_mount = read_umask();
  *tag = cgv_tag(v);
  cgv_defer(v);
  writer_pid = getpid();
  __atomic_store_n(&bfs_vfs_n, bfs_vfs_n + 1, __ATOMIC_RELEASE);
  return 0;
}
#else /* BFS_NO_SHIELD: a runtime built without the storage layer (musl: no OpenSSL for it here) serves no volume */
int bfs_vfs_n;
int bfs_vfs_fd(int fd) { (void)fd; return 0; }
int bfs_vfs_in(const char *path) { (void)path; return 0; }
long bfs_vfs_syscall(long n, long a, long b, long c, long d, long e) { (void)n; (void)a; (void)b; (void)c; (void)d; (void)e; return BFS_PASS; }
long bfs_vfs_dup(int oldfd, long newfd) { (void)oldfd; return newfd; }
void bfs_vfs_commit(int hold) { (void)hold; }
int bfs_vfs_mount(const char *name, const char *path, const unsigned char key[32], bfs_report_fn report, void *ctx,
                  const char **tag, char err[256]) {
  (void)path; (void)key; (void)report; (void)ctx; (void)tag;
  snprintf(err, 256, "this runtime was built without the file shield (no OpenSSL for its libc), so it cannot serve volume %s", name);
  return -1;
}
#endif
