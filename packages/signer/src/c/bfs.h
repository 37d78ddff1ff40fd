/* binaryfs runtime (sim backend of @confidential/signer): shared declarations.
 * The generated binary_fs_blob.s provides __binaryfs_header (layout below); the runtime in this directory is
 * compiled into libbinary_fs_template.a and linked with the blob into libbinaryfs.so. */
#ifndef BFS_H
#define BFS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <limits.h>

#ifndef STATX_TYPE /* musl 1.2.3 has no statx: the kernel ABI */
struct statx_timestamp { int64_t tv_sec; uint32_t tv_nsec; int32_t __reserved; };
struct statx {
  uint32_t stx_mask, stx_blksize; uint64_t stx_attributes; uint32_t stx_nlink, stx_uid, stx_gid; uint16_t stx_mode;
  uint16_t __spare0[1]; uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
  struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
  uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor; uint64_t __spare2[14];
};
#define STATX_BASIC_STATS 0x7ffU
#endif

/* fds the interposer's tables track (embedded files, volume files, wrapped connections); the tests build with a
 * small table to reach beyond it under any fd limit */
#ifndef BFS_FDTAB
#define BFS_FDTAB 65536
#endif

/* a wrapper's "not mine: the real function decides" */
#define BFS_PASS ((long)LONG_MIN)

#define BFS_MAGIC 0x31424f4c42534642ULL /* "BFSBLOB1" little-endian */
#define BFS_FLAG_IMPLICIT_DIR 1u        /* a parent directory that no include glob matched */

struct bfs_entry {
  const char *path;          /* absolute, normalised, NUL-terminated */
  uint64_t path_len;
  const unsigned char *data; /* file bytes, or the symlink target */
  uint64_t size;
  uint32_t mode;             /* st_mode incl. S_IFMT */
  uint32_t flags;
  int32_t parent;            /* index of the parent directory, -1 for "/" */
  uint32_t first_child;      /* index into header.children */
  uint32_t n_children;
  uint32_t reserved;
  const unsigned char *sha256;
};

struct bfs_string { const char *s; uint64_t len; };

struct bfs_header {
  uint64_t magic;
  uint64_t version;
  uint64_t n_entries;
  const struct bfs_entry *entries;
  const uint32_t *children;
  uint64_t n_host_paths;
  const struct bfs_string *host_paths;
  const unsigned char *options_sha256;
  int32_t *memfds;           /* per entry: memfd + 1, 0 when not created yet (writable, .bss) */
  const void *anchor;
  int64_t mtime;
};

extern const struct bfs_header __binaryfs_header __attribute__((visibility("hidden")));

#define BFS_PATH_MAX 4096

/* sha256.c */
struct bfs_sha256 { uint32_t h[8]; uint64_t len; unsigned char buf[64]; size_t n; };
void bfs_sha256_init(struct bfs_sha256 *c);
void bfs_sha256_update(struct bfs_sha256 *c, const void *data, size_t len);
void bfs_sha256_final(struct bfs_sha256 *c, unsigned char out[32]);
void bfs_hex(const unsigned char *in, size_t n, char *out);

/* The runtime's layers, bottom to top (each file uses only the ones below it):
 *   libc.c       libc's own functions (dlsym RTLD_NEXT), resolved once; bfs_die
 *   sha256.c     SHA-256
 *   volume.c     the file shield's storage layer (volume.h; OpenSSL)
 *   vfs.c        the file shield's serving layer: the policy's volumes for every file call of interpose.c
 *   net.c        the network shield: TLS 1.3 around the policy's TCP ports for every socket call of interpose.c
 *   interpose.c  the interposer: named libc file functions and syscall() serving embedded and injected files
 *   json.c       the reader of measurement.json
 *   http.c       the HTTP client of the launch request
 *   launch.c     the launch protocol: re-measure, fetch the policy's launch answer, parse it, re-exec with its argv/env
 *   init.c       the constructor: launch, then hand the injected files to the interposer, then the banner */

/* ---- libc.c ---- */
struct stat;
struct bfs_libc {
  long (*syscall)(long, ...);
  int (*openat)(int, const char *, int, ...);
  int (*open)(const char *, int, ...);
  int (*creat)(const char *, mode_t);
  ssize_t (*read)(int, void *, size_t);
  ssize_t (*write)(int, const void *, size_t);
  ssize_t (*pread)(int, void *, size_t, off_t);
  int (*close)(int);
  int (*dup)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
  int (*stat)(const char *, struct stat *);
  int (*lstat)(const char *, struct stat *);
  int (*fstat)(int, struct stat *);
  int (*fstatat)(int, const char *, struct stat *, int);
  ssize_t (*readlink)(const char *, char *, size_t);
  ssize_t (*readlinkat)(int, const char *, char *, size_t);
  int (*access)(const char *, int);
  int (*faccessat)(int, const char *, int, int);
  int (*unlink)(const char *);
  int (*unlinkat)(int, const char *, int);
  int (*rmdir)(const char *);
  int (*rename)(const char *, const char *);
  int (*renameat)(int, const char *, int, const char *);
  int (*mkdir)(const char *, mode_t);
  int (*mkdirat)(int, const char *, mode_t);
  int (*mknodat)(int, const char *, mode_t, dev_t);
  int (*truncate)(const char *, off_t);
  int (*chmod)(const char *, mode_t);
  int (*fchmodat)(int, const char *, mode_t, int);
  char *(*getcwd)(char *, size_t);
  int (*fcntl)(int, int, ...);
  int (*chdir)(const char *);
  ssize_t (*pwrite)(int, const void *, size_t, off_t);
  off_t (*lseek)(int, off_t, int);
  int (*fsync)(int);
  int (*fdatasync)(int);
  int (*ftruncate)(int, off_t);
  int (*flock)(int, int);
  int (*fchmod)(int, mode_t);
  int (*fchdir)(int);
  void *(*fopen)(const char *, const char *);
  void *(*opendir)(const char *);
  void *(*mmap)(void *, size_t, int, int, int, off_t);
  void (*_exit)(int);
};
extern struct bfs_libc bfs_libc __attribute__((visibility("hidden")));
/* the slot's function, resolved on first use (a wrapper may run before the constructor, from another library's) */
void *bfs_libc_get(void **slot, const char *name) __attribute__((visibility("hidden")));
static inline void *bfs_libc_ptr(void **slot, const char *name) {
  void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  return p ? p : bfs_libc_get(slot, name);
}
#define REAL(fn) ((__typeof__(bfs_libc.fn))bfs_libc_ptr((void **)&bfs_libc.fn, #fn))
/* every slot at once, so that no wrapper calls dlsym later (not async-signal-safe, unsafe in a vfork child) */
void bfs_libc_resolve(void) __attribute__((visibility("hidden")));
/* the real syscall(), inline: every call of the Go runtime that the interposer passes on goes through here */
static inline long bfs_sys(long n, long a, long b, long c, long d, long e, long f) { return REAL(syscall)(n, a, b, c, d, e, f); }
/* path appended to the absolute base in buf (len bytes: "/" is 1), lexically normalised ("." and ".." components,
 * "//"), in place: the new length, or -1 when longer than BFS_PATH_MAX */
long bfs_normalize(char *buf, size_t len, const char *path) __attribute__((visibility("hidden")));
/* the absolute path an fd names (readlink of /proc/self/fd/N, no stdio): 0, or -1 */
int bfs_fd_path(int fd, char *out, size_t n) __attribute__((visibility("hidden")));
/* statx from a stat the interposer made up (every time the mtime, device minor st_dev) */
void bfs_stat_to_statx(const struct stat *st, struct statx *sx) __attribute__((visibility("hidden")));
/* "confidential-sim: <message>" on stderr, exit 78 */
void bfs_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- vfs.c ---- */
typedef int (*bfs_report_fn)(void *ctx, const char *previous, const char *next); /* volume.h's cgv_report_fn */
extern int bfs_vfs_n __attribute__((visibility("hidden"))); /* volumes mounted: 0 skips every check */
/* One call on a volume (named wrappers pass their SYS_ number): BFS_PASS when it touches none, else the result
 * with libc's -1/errno convention. */
long bfs_vfs_syscall(long n, long a, long b, long c, long d, long e) __attribute__((visibility("hidden")));
/* after a dup/dup2/dup3/F_DUPFD: newfd shares oldfd's volume file, or stops being one; the result (-1 EMFILE for
 * a volume file's dup beyond the fd table, which it closes) */
long bfs_vfs_dup(int oldfd, long newfd) __attribute__((visibility("hidden")));
int bfs_vfs_fd(int fd) __attribute__((visibility("hidden")));
int bfs_vfs_in(const char *path) __attribute__((visibility("hidden")));
/* Commit every volume's pending changes (vfs.c's group commit; in the writer process only): sync(2), and the
 * process's end (hold: the last call, no other thread may change a volume after it). */
void bfs_vfs_commit(int hold) __attribute__((visibility("hidden")));
/* Mounts the volume at `path` (its host folder holds the ciphertext) and serves it; *tag: the tag found on disk, for
 * the policy service's check. Only from the constructor. 0, or -1 with one sentence in err. */
int bfs_vfs_mount(const char *name, const char *path, const unsigned char key[32], bfs_report_fn report, void *ctx,
                  const char **tag, char err[256]) __attribute__((visibility("hidden")));

/* ---- net.c ---- */
extern int bfs_net_n __attribute__((visibility("hidden"))); /* ports wrapped: 0 skips every check */
/* One call on a socket: BFS_PASS when it touches no wrapped connection (nor epoll/poll with one pending), else the
 * result with libc's -1/errno convention. */
long bfs_net_syscall(long n, long a, long b, long c, long d, long e, long f) __attribute__((visibility("hidden")));
/* after a dup of oldfd: newfd shares its connection (close-on-exec only: else EPERM, newfd closed), or stops being one */
long bfs_net_dup(int oldfd, long newfd, int cloexec) __attribute__((visibility("hidden")));
/* in the child of a fork (clone without CLONE_VM): the connections are the parent's; the child never speaks TLS on them */
void bfs_net_forked(void) __attribute__((visibility("hidden")));
struct bfs_file;
/* Reads the policy's SCONE_NETWORK_SHIELD* variables in env (their certificates, keys and CAs are paths of the
 * injected files given) and wraps what they name; banner: the wrapped ports, for the start line. Only from the
 * constructor. 0 (nothing asked, or all set up), or -1 with one sentence in err. */
int bfs_net_configure(char **env, const struct bfs_file *injected, size_t n_injected, char *banner, size_t n, char err[256])
    __attribute__((visibility("hidden")));

/* ---- interpose.c ---- */
/* Serves `size` bytes at the absolute `path` read-only from a sealed memfd (the bytes are copied: the caller wipes
 * its copy). Only before the program's own threads start (the constructor). 0, or -1 with errno. */
int bfs_inject(const char *path, uint32_t mode, const unsigned char *data, size_t size);

/* ---- json.c: the reader of measurement.json (NUL-terminated text) ---- */
const char *bfs_json_ws(const char *p) __attribute__((visibility("hidden")));          /* past whitespace */
const char *bfs_json_skip(const char *p) __attribute__((visibility("hidden")));        /* past one value, or NULL */
/* the value of `key` in the object at obj ('{'), or NULL */
const char *bfs_json_member(const char *obj, const char *key) __attribute__((visibility("hidden")));
/* a string value without escapes into out (n bytes with the NUL); 0, or -1 */
int bfs_json_string(const char *v, char *out, size_t n) __attribute__((visibility("hidden")));
/* 64 hex digits into 32 bytes; 0, or -1 */
int bfs_unhex(const char *hex, unsigned char out[32]) __attribute__((visibility("hidden")));

/* ---- http.c: <method> http://<addr><target>, with a form body when form is not NULL; the status and the body
 * (malloc'ed, NUL-terminated); dies on failure ---- */
char *bfs_http(const char *method, const char *addr, const char *target, const char *form, int *status, size_t *body_len)
    __attribute__((visibility("hidden")));

/* ---- launch.c ---- */
struct bfs_file { char *path; uint32_t mode; unsigned char *data; size_t size; };
/* a volume line: the volume, where the image mounts it, its key and this launch's writer token */
struct bfs_volume { char *name; char *path; unsigned char key[32]; char token[65]; };
struct bfs_launch_result {
  char measurement[65];
  const char *config;
  struct bfs_file *files;
  size_t n_files;
  struct bfs_volume *volumes; /* kept for the process's life: the reports of its commits need the token */
  size_t n_volumes;
};
/* Re-measures, fetches the launch answer and re-execs when argv/env differ (then never returns); dies on any
 * failure. Returns in the process that runs with the policy's argv/env, with the policy's injected files. */
void bfs_launch(struct bfs_launch_result *out);
/* wipes and frees the injected files' bytes, and wipes the volume keys (mounted by then) */
void bfs_launch_free(struct bfs_launch_result *l);
/* The policy service's checks of a volume (cas-policy's volumes.ts): the tag found on disk at a start (dies with the
 * service's sentence when it refuses it), and a commit's report (bfs_report_fn; dies when refused: the volume has
 * another writer, or the service lost track of it). */
void bfs_volume_open(struct bfs_volume *v, const char *tag);
int bfs_volume_report(void *volume, const char *previous, const char *next);

/* ---- init.c ---- */
extern const char bfs_runtime_anchor[];
#endif
