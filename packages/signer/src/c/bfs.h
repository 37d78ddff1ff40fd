/* binaryfs runtime (sim backend of @confidential/signer): shared declarations.
 * The generated binary_fs_blob.s provides __binaryfs_header (layout below); the runtime in this directory is
 * compiled into libbinary_fs_template.a and linked with the blob into libbinaryfs.so. */
#ifndef BFS_H
#define BFS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* interpose.c: the real libc functions (dlsym RTLD_NEXT) for the runtime's own I/O */
int bfs_real_open(const char *path, int flags, int mode);
ssize_t bfs_real_read(int fd, void *buf, size_t n);
ssize_t bfs_real_write(int fd, const void *buf, size_t n);
int bfs_real_close(int fd);

/* start.c */
void bfs_start(void);
extern const char bfs_runtime_anchor[];
#endif
