/* The file shield's storage layer (volume.h has the format and what it detects). Crypto: OpenSSL's EVP
 * (AES-256-GCM, SHA-256, RAND_bytes); nothing here is hand-written cryptography.
 *
 * Host layout of a volume folder:
 *   .cgv/lock              flock'ed by the one writer
 *   .cgv/manifest          "CGVM" | iv[12] | AES-GCM(manifest) | tag[16]   (AAD "cgv manifest 1")
 *   .cgv/objects/<32 hex>  a file: "CGVOBJ1\0" | id[16] | 40 zero bytes, then per chunk i two slots at
 *                          64 + (2i + s) * SLOT: iv[12] | AES-GCM(4096 bytes) | tag[16]
 *                          (AAD "cgv chunk 1" | volume id[16] | file id[16] | i as 8 bytes little-endian)
 * Names and the directory tree live in the manifest only: the host sees object ids and sizes.
 * Manifest plaintext: "CGVMAN3\0" | volume id[16] | generation u64 | count u32, then per entry: path length u16 |
 * path | file id[16] | mode u32 | mtime i64 (ns) | atime i64 (ns) | size u64 | chunks u64 | per chunk: slot u8 (0, 1; 2 = never
 * written: zeros) | tag[16]. Integers little-endian. "CGVMAN2" (no atime; read as atime = mtime) is still read. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "volume.h"

#ifdef CGV_RUNTIME
/* Inside the interposer (libbinaryfs.so) the names below are its own wrappers, which send a volume's paths back
 * here: the storage layer calls libc's functions themselves. */
#include "bfs.h"
#define open(...) REAL(open)(__VA_ARGS__)
#define openat(...) REAL(openat)(__VA_ARGS__)
#define close(...) REAL(close)(__VA_ARGS__)
#define mkdir(...) REAL(mkdir)(__VA_ARGS__)
#define mkdirat(...) REAL(mkdirat)(__VA_ARGS__)
#define fsync(...) REAL(fsync)(__VA_ARGS__)
#define fdatasync(...) REAL(fdatasync)(__VA_ARGS__)
#define renameat(...) REAL(renameat)(__VA_ARGS__)
#define unlinkat(...) REAL(unlinkat)(__VA_ARGS__)
#define pread(...) REAL(pread)(__VA_ARGS__)
#define pwrite(...) REAL(pwrite)(__VA_ARGS__)
#define fstat(...) REAL(fstat)(__VA_ARGS__)
#define flock(...) REAL(flock)(__VA_ARGS__)
#define dup(...) REAL(dup)(__VA_ARGS__)
#define mknodat(...) REAL(mknodat)(__VA_ARGS__)
#endif

#define SLOT (12 + CGV_CHUNK + 16)
#define HEADER 64
#define HOLE 2

struct chunkref { uint8_t slot; unsigned char tag[16]; };

/* A file, directory or symlink: its id (the name of its object), attributes and chunks. An entry names it; a file
 * may have several (hard links), which share all of it. */
struct node {
  unsigned char id[16];
  uint32_t mode;
  int64_t mtime;              /* ns since the epoch */
  int64_t atime;              /* set by utimes (and at creation) only */
  uint64_t size;
  uint64_t n;                 /* chunks in work */
  struct chunkref *work;      /* what reads see and the next commit writes */
  uint64_t cn;                /* chunks in committed */
  struct chunkref *committed; /* what the manifest on disk says (never overwritten before a commit) */
  int fd;                     /* the object, -1 until opened */
  int opens;
  int writers;                /* of the opens, those for writing */
  int written;                /* data written since the last commit */
  int64_t cache_idx;          /* one chunk of plaintext being written, -1 when none */
  int cache_dirty;
  unsigned names;             /* entries naming it, not removed: its link count */
  unsigned refs;              /* entries pointing at it (a removed one until the next commit) and open files */
  unsigned char cache[CGV_CHUNK];
};

/* a name in the volume */
struct entry {
  char *path;
  struct node *nd;
  int removed;                /* unlinked or replaced: out of the next manifest; its node's object deleted after it when no name is left */
  struct entry *hnext;        /* the next in its bucket of the path index */
};

struct cgv_volume {
  int dirfd, cgvfd, objfd, lockfd;
  unsigned char key[32];
  unsigned char vid[16];
  uint64_t gen;
  struct entry **e;
  size_t n, cap;
  struct entry **index; /* the entries not removed, by path: ihash buckets (a power of two), in_index of them */
  size_t ihash, in_index;
  char tag[65];
  int changed; /* the manifest differs from the one on disk */
  int dirty;   /* data written since the last commit */
  int closed_written; /* a file written since the last commit has been closed by its last writer */
  int deferred; /* cgv_defer: metadata changes and closes wait for the caller's cgv_commit */
  int broken;  /* a commit failed half-way: no more writes */
  cgv_report_fn report;
  void *ctx;
  EVP_CIPHER_CTX *aead[2]; /* [0] open, [1] seal: keyed once */
};

struct cgv_file { struct cgv_volume *v; struct node *e; int flags; };

static void say(char *err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, 256, fmt, ap);
  va_end(ap);
}

static void hex(const unsigned char *in, size_t n, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) { out[2 * i] = d[in[i] >> 4]; out[2 * i + 1] = d[in[i] & 15]; }
  out[2 * n] = 0;
}

static void put64(unsigned char *p, uint64_t x) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(x >> (8 * i)); }
static uint64_t get64(const unsigned char *p) { uint64_t x = 0; for (int i = 7; i >= 0; i--) x = x << 8 | p[i]; return x; }

/* AES-256-GCM of n bytes under the volume key; enc: 1 seal (writes tag), 0 open (checks tag). 0, or -1. The two
 * contexts are set up with the key once (the cipher fetch and the key schedule cost more than a 4 KiB chunk's
 * encryption); each call sets only its IV. */
static int gcm(struct cgv_volume *v, int enc, const unsigned char iv[12], const unsigned char *aad, int aad_len,
               const unsigned char *in, int n, unsigned char *out, unsigned char tag[16]) {
  EVP_CIPHER_CTX *c = v->aead[enc];
  if (!c) {
    if (!(c = EVP_CIPHER_CTX_new())) return -1;
    if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, v->key, NULL, enc) != 1) { EVP_CIPHER_CTX_free(c); return -1; }
    v->aead[enc] = c;
  }
  int len = 0;
  int ok = EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, enc) == 1;
  ok = ok && EVP_CipherUpdate(c, NULL, &len, aad, aad_len) == 1;
  ok = ok && (n == 0 || EVP_CipherUpdate(c, out, &len, in, n) == 1);
  if (!enc) ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
  ok = ok && EVP_CipherFinal_ex(c, out + (n ? len : 0), &len) == 1;
  if (enc) ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
  return ok ? 0 : -1;
}

static int chunk_aad(const struct cgv_volume *v, const struct node *e, uint64_t i, unsigned char aad[51]) {
  memcpy(aad, "cgv chunk 1", 11);
  memcpy(aad + 11, v->vid, 16);
  memcpy(aad + 27, e->id, 16);
  put64(aad + 43, i);
  return 51;
}

static ssize_t full_pread(int fd, void *buf, size_t n, off_t off) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(fd, (char *)buf + done, n - done, off + (off_t)done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -errno;
    if (r == 0) break;
    done += (size_t)r;
  }
  return (ssize_t)done;
}

static int full_pwrite(int fd, const void *buf, size_t n, off_t off) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = pwrite(fd, (const char *)buf + done, n - done, off + (off_t)done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -errno;
    done += (size_t)r;
  }
  return 0;
}

/* ---- entries ---- */

/* the path index: FNV-1a of the path, chained buckets; a lookup costs one bucket, not the volume */
static size_t bucket(const struct cgv_volume *v, const char *path) {
  uint64_t h = 14695981039346656037ULL;
  for (const unsigned char *c = (const unsigned char *)path; *c; c++) h = (h ^ *c) * 1099511628211ULL;
  return (size_t)h & (v->ihash - 1);
}

static void index_put(struct cgv_volume *v, struct entry *e) {
  size_t b = bucket(v, e->path);
  e->hnext = v->index[b];
  v->index[b] = e;
  v->in_index++;
}

static void index_drop(struct cgv_volume *v, struct entry *e) {
  for (struct entry **p = &v->index[bucket(v, e->path)]; *p; p = &(*p)->hnext)
    if (*p == e) { *p = e->hnext; v->in_index--; return; }
}

/* grows the index to at least twice the entries (0 or -ENOMEM) */
static int index_fit(struct cgv_volume *v) {
  if (v->ihash && v->in_index < v->ihash / 2) return 0;
  size_t size = v->ihash ? v->ihash * 2 : 64;
  struct entry **index = calloc(size, sizeof *index);
  if (!index) return -ENOMEM;
  free(v->index);
  v->index = index;
  v->ihash = size;
  v->in_index = 0;
  for (size_t i = 0; i < v->n; i++) if (!v->e[i]->removed) index_put(v, v->e[i]);
  return 0;
}

static struct entry *find(struct cgv_volume *v, const char *path) {
  if (!v->ihash) return NULL;
  for (struct entry *e = v->index[bucket(v, path)]; e; e = e->hnext) if (strcmp(e->path, path) == 0) return e;
  return NULL;
}

static int add(struct cgv_volume *v, struct entry *e) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    struct entry **p = realloc(v->e, cap * sizeof *p);
    if (!p) return -ENOMEM;
    v->e = p;
    v->cap = cap;
  }
  if (index_fit(v) != 0) return -ENOMEM;
  v->e[v->n++] = e;
  index_put(v, e);
  return 0;
}

/* out of the names (unlinked, or replaced by a rename); its object goes after the next commit */
static void remove_entry(struct cgv_volume *v, struct entry *e) {
  index_drop(v, e);
  e->removed = 1;
  e->nd->names--;
}

/* drops a reference; the last frees the node */
static void unref(struct node *d) {
  if (--d->refs > 0) return;
  if (d->fd >= 0) close(d->fd);
  OPENSSL_cleanse(d->cache, sizeof d->cache);
  free(d->work);
  free(d->committed);
  free(d);
}

static void free_entry(struct entry *e) {
  free(e->path);
  if (e->nd) unref(e->nd);
  free(e);
}

/* the parent directory of a path exists ("" is the root) */
static int parent_exists(struct cgv_volume *v, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return 1;
  char parent[CGV_PATH_MAX];
  size_t len = (size_t)(slash - path);
  if (len >= sizeof parent) return 0;
  memcpy(parent, path, len);
  parent[len] = 0;
  struct entry *p = find(v, parent);
  return p && S_ISDIR(p->nd->mode);
}

static int valid_path(const char *path) {
  if (!path[0]) return 0;
  size_t len = strlen(path);
  if (len >= CGV_PATH_MAX || path[0] == '/' || path[len - 1] == '/') return 0;
  for (const char *p = path; *p;) {
    const char *end = strchrnul(p, '/');
    size_t n = (size_t)(end - p);
    if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
    p = *end ? end + 1 : end;
  }
  return 1;
}

static int grow(struct node *e, uint64_t n) {
  if (n <= e->n) return 0;
  struct chunkref *w = realloc(e->work, n * sizeof *w);
  if (!w && n) return -ENOMEM;
  for (uint64_t i = e->n; i < n; i++) { w[i].slot = HOLE; memset(w[i].tag, 0, 16); }
  e->work = w;
  e->n = n;
  return 0;
}

/* ---- objects ---- */

static void object_name(const struct node *e, char out[33]) { hex(e->id, 16, out); }

static int object_fd(struct cgv_volume *v, struct node *e, int create) {
  if (e->fd >= 0) return e->fd;
  char name[33];
  object_name(e, name);
  int fd = openat(v->objfd, name, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0600);
  if (fd < 0) return errno == ENOENT ? -EIO : -errno; /* named by the manifest, gone from the folder: damaged */
  unsigned char header[HEADER] = "CGVOBJ1";
  memcpy(header + 8, e->id, 16);
  if (create) {
    int r = full_pwrite(fd, header, HEADER, 0);
    if (r < 0) { close(fd); return r; }
  } else {
    unsigned char got[HEADER];
    ssize_t r = full_pread(fd, got, HEADER, 0);
    if (r != HEADER || memcmp(got, header, HEADER) != 0) { close(fd); return -EIO; } /* swapped or moved */
  }
  e->fd = fd;
  return fd;
}

static off_t slot_offset(uint64_t i, unsigned s) { return (off_t)(HEADER + (2 * i + s) * (uint64_t)SLOT); }

/* the plaintext of chunk i as reads see it (cache aside) */
static int load_chunk(struct cgv_volume *v, struct node *e, uint64_t i, unsigned char out[CGV_CHUNK]) {
  if (i >= e->n || e->work[i].slot == HOLE) { memset(out, 0, CGV_CHUNK); return 0; }
  int fd = object_fd(v, e, 0);
  if (fd < 0) return fd;
  unsigned char slot[SLOT], aad[51];
  ssize_t r = full_pread(fd, slot, SLOT, slot_offset(i, e->work[i].slot));
  if (r < 0) return (int)r;
  if (r != SLOT) return -EIO; /* truncated */
  if (memcmp(slot + 12 + CGV_CHUNK, e->work[i].tag, 16) != 0) return -EIO; /* another version of the chunk */
  if (gcm(v, 0, slot, aad, chunk_aad(v, e, i, aad), slot + 12, CGV_CHUNK, out, slot + 12 + CGV_CHUNK) != 0) return -EIO;
  return 0;
}

static int store_chunk(struct cgv_volume *v, struct node *e, uint64_t i, const unsigned char in[CGV_CHUNK]) {
  int r = grow(e, i + 1);
  if (r < 0) return r;
  int fd = object_fd(v, e, 0);
  if (fd < 0) return fd;
  /* never the slot the manifest on disk uses */
  unsigned used = i < e->cn ? e->committed[i].slot : HOLE;
  unsigned s = used == 0 ? 1 : 0;
  unsigned char slot[SLOT], aad[51];
  if (RAND_bytes(slot, 12) != 1) return -EIO;
  if (gcm(v, 1, slot, aad, chunk_aad(v, e, i, aad), in, CGV_CHUNK, slot + 12, slot + 12 + CGV_CHUNK) != 0) return -EIO;
  r = full_pwrite(fd, slot, SLOT, slot_offset(i, s));
  if (r < 0) return r;
  e->work[i].slot = (uint8_t)s;
  memcpy(e->work[i].tag, slot + 12 + CGV_CHUNK, 16);
  e->written = 1;
  return 0;
}

static int flush_cache(struct cgv_volume *v, struct node *e) {
  if (e->cache_idx < 0 || !e->cache_dirty) return 0;
  int r = store_chunk(v, e, (uint64_t)e->cache_idx, e->cache);
  if (r == 0) e->cache_dirty = 0;
  return r;
}

/* makes chunk i the cached one */
static int cache_chunk(struct cgv_volume *v, struct node *e, uint64_t i, int whole) {
  if (e->cache_idx == (int64_t)i) return 0;
  int r = flush_cache(v, e);
  if (r < 0) return r;
  e->cache_idx = -1;
  if (whole) memset(e->cache, 0, CGV_CHUNK);
  else if ((r = load_chunk(v, e, i, e->cache)) < 0) return r;
  e->cache_idx = (int64_t)i;
  e->cache_dirty = 0;
  return 0;
}

/* ---- manifest ---- */

struct buf { unsigned char *p; size_t n, cap; int oom; };

static void put(struct buf *b, const void *data, size_t n) {
  if (b->oom) return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n) cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) { b->oom = 1; return; }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, data, n);
  b->n += n;
}

static void put_u(struct buf *b, uint64_t x, int bytes) {
  unsigned char t[8];
  put64(t, x);
  put(b, t, (size_t)bytes);
}

static const unsigned char MANIFEST_AAD[] = "cgv manifest 1";

static int sha256_hex(const unsigned char *data, size_t n, char out[65]) {
  unsigned char md[32];
  unsigned int len = 0;
  if (EVP_Digest(data, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32) return -1;
  hex(md, 32, out);
  return 0;
}

/* the sealed manifest of the work state, in *out (malloc'ed) */
static int seal_manifest(struct cgv_volume *v, uint64_t gen, unsigned char **out, size_t *out_n) {
  struct buf b = {0};
  uint32_t count = 0;
  for (size_t i = 0; i < v->n; i++) count += !v->e[i]->removed;
  put(&b, "CGVMAN3", 8);
  put(&b, v->vid, 16);
  put_u(&b, gen, 8);
  put_u(&b, count, 4);
  for (size_t i = 0; i < v->n; i++) {
    struct entry *e = v->e[i];
    if (e->removed) continue;
    size_t len = strlen(e->path);
    put_u(&b, len, 2);
    put(&b, e->path, len);
    const struct node *d = e->nd; /* each name of a hard-linked file carries it whole; a mount joins them by id */
    put(&b, d->id, 16);
    put_u(&b, d->mode, 4);
    put_u(&b, (uint64_t)d->mtime, 8);
    put_u(&b, (uint64_t)d->atime, 8);
    put_u(&b, d->size, 8);
    put_u(&b, d->n, 8);
    for (uint64_t c = 0; c < d->n; c++) { put(&b, &d->work[c].slot, 1); put(&b, d->work[c].tag, 16); }
  }
  if (b.oom || b.n > 0x7fffffff) { free(b.p); return -ENOMEM; }
  unsigned char *sealed = malloc(4 + 12 + b.n + 16);
  if (!sealed) { free(b.p); return -ENOMEM; }
  memcpy(sealed, "CGVM", 4);
  int ok = RAND_bytes(sealed + 4, 12) == 1 &&
           gcm(v, 1, sealed + 4, MANIFEST_AAD, sizeof MANIFEST_AAD - 1, b.p, (int)b.n, sealed + 16, sealed + 16 + b.n) == 0;
  free(b.p);
  if (!ok) { free(sealed); return -EIO; }
  *out = sealed;
  *out_n = 4 + 12 + b.n + 16;
  return 0;
}

static int open_manifest(struct cgv_volume *v, const unsigned char *data, size_t n, char *err) {
  if (n < 4 + 12 + 16 + 32 || memcmp(data, "CGVM", 4) != 0) { say(err, "the volume's manifest is not one (damaged or not a volume)"); return -EIO; }
  size_t len = n - 32;
  unsigned char *p = malloc(len);
  if (!p) return -ENOMEM;
  unsigned char tag[16];
  memcpy(tag, data + n - 16, 16);
  if (gcm(v, 0, data + 4, MANIFEST_AAD, sizeof MANIFEST_AAD - 1, data + 16, (int)len, p, tag) != 0) {
    free(p);
    say(err, "the volume's manifest fails authentication: tampered with, or sealed with another key");
    return -EIO;
  }
  int r = -EIO;
  size_t o = 0;
  struct node **ids = NULL; /* the nodes by id, so that the names of a hard-linked file share one (open addressing) */
#define NEED(k) do { if (o + (k) > len) goto bad; } while (0)
  NEED(36);
  int version = memcmp(p, "CGVMAN3", 8) == 0 ? 3 : memcmp(p, "CGVMAN2", 8) == 0 ? 2 : 0; /* 2: no atime */
  if (!version) goto bad;
  size_t times = version == 3 ? 16 : 8;
  memcpy(v->vid, p + 8, 16);
  v->gen = get64(p + 24);
  uint32_t count = (uint32_t)get64((unsigned char[8]){p[32], p[33], p[34], p[35], 0, 0, 0, 0});
  o = 36;
  size_t ids_cap = 64;
  while (ids_cap < 2 * (size_t)count) ids_cap *= 2;
  if (!(ids = calloc(ids_cap, sizeof *ids))) { free(p); return -ENOMEM; }
  for (uint32_t i = 0; i < count; i++) {
    NEED(2);
    size_t pl = (size_t)p[o] | (size_t)p[o + 1] << 8;
    o += 2;
    NEED(pl + 16 + 4 + times + 8 + 8);
    struct entry *e = calloc(1, sizeof *e);
    if (!e) { r = -ENOMEM; goto bad; }
    if (!(e->path = strndup((const char *)p + o, pl)) || add(v, e) != 0) { free_entry(e); r = -ENOMEM; goto bad; }
    o += pl;
    size_t at = (size_t)get64(p + o) & (ids_cap - 1);
    while (ids[at] && memcmp(ids[at]->id, p + o, 16) != 0) at = (at + 1) & (ids_cap - 1);
    struct node *d = ids[at];
    uint64_t n = get64(p + o + 16 + 4 + times + 8);
    if (d) { /* another name of a node already read: the same data follows */
      e->nd = d;
      d->names++, d->refs++;
      o += 16 + 4 + times + 16;
      if (n != d->n || n > (len - o) / 17) goto bad;
      o += 17 * n;
      continue;
    }
    if (!(d = calloc(1, sizeof *d))) { r = -ENOMEM; goto bad; }
    e->nd = ids[at] = d;
    d->names = d->refs = 1;
    d->fd = -1;
    d->cache_idx = -1;
    memcpy(d->id, p + o, 16);
    o += 16;
    d->mode = (uint32_t)(p[o] | p[o + 1] << 8 | p[o + 2] << 16 | (uint32_t)p[o + 3] << 24);
    o += 4;
    d->mtime = (int64_t)get64(p + o);
    d->atime = version == 3 ? (int64_t)get64(p + o + 8) : d->mtime;
    o += times;
    d->size = get64(p + o);
    d->n = n;
    o += 16;
    if (d->n > (len - o) / 17 || d->size > d->n * CGV_CHUNK) goto bad;
    d->work = calloc(d->n ? d->n : 1, sizeof *d->work);
    d->committed = calloc(d->n ? d->n : 1, sizeof *d->committed);
    if (!d->work || !d->committed) { r = -ENOMEM; goto bad; }
    for (uint64_t c = 0; c < d->n; c++, o += 17) {
      d->work[c].slot = p[o];
      if (p[o] > HOLE) goto bad;
      memcpy(d->work[c].tag, p + o + 1, 16);
    }
    if (d->n) memcpy(d->committed, d->work, d->n * sizeof *d->work);
    d->cn = d->n;
  }
#undef NEED
  free(ids);
  free(p);
  return 0;
bad:
  free(ids);
  free(p);
  say(err, "the volume's manifest is malformed");
  return r;
}

static int read_all(int dirfd, const char *name, unsigned char **out, size_t *n) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct stat st;
  if (fstat(fd, &st) != 0) { int e = -errno; close(fd); return e; }
  unsigned char *p = malloc((size_t)st.st_size + 1);
  if (!p) { close(fd); return -ENOMEM; }
  ssize_t r = full_pread(fd, p, (size_t)st.st_size, 0);
  close(fd);
  if (r != st.st_size) { free(p); return r < 0 ? (int)r : -EIO; }
  *out = p;
  *n = (size_t)st.st_size;
  return 0;
}

/* ---- commit ---- */

int cgv_commit(struct cgv_volume *v) {
  if (v->broken) return -EIO;
  int dirty = v->changed;
  for (size_t i = 0; i < v->n; i++) {
    struct node *d = v->e[i]->nd;
    int r = flush_cache(v, d);
    if (r < 0) return r;
    if (d->written) {
      dirty = 1;
      if (d->names && (S_ISREG(d->mode) || S_ISLNK(d->mode))) {
        int fd = d->fd >= 0 ? d->fd : object_fd(v, d, 0); /* closed since it was written (deferred commits) */
        if (fd < 0) return fd;
        if (fdatasync(fd) != 0) return -errno;
        if (d->opens == 0) { close(fd); d->fd = -1; }
      }
    }
  }
  if (!dirty) return 0;
  if (fsync(v->objfd) != 0) return -errno; /* new objects' names */
  unsigned char *sealed;
  size_t n = 0;
  int r = seal_manifest(v, v->gen + 1, &sealed, &n);
  if (r < 0) return r;
  char next[65];
  if (sha256_hex(sealed, n, next) != 0) { free(sealed); return -EIO; }
  if (v->report && v->report(v->ctx, v->tag, next) != 0) { free(sealed); v->broken = 1; return -EIO; }
  int fd = openat(v->cgvfd, "manifest.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) { r = -errno; free(sealed); return r; }
  r = full_pwrite(fd, sealed, n, 0);
  free(sealed);
  if (r == 0 && fsync(fd) != 0) r = -errno;
  close(fd);
  if (r == 0 && renameat(v->cgvfd, "manifest.tmp", v->cgvfd, "manifest") != 0) r = -errno;
  if (r == 0 && fsync(v->cgvfd) != 0) r = -errno;
  if (r < 0) { v->broken = 1; return r; }
  memcpy(v->tag, next, 65);
  v->gen++;
  if (v->report && v->report(v->ctx, next, next) != 0) { v->broken = 1; return -EIO; }
  /* the new manifest is the truth: committed slots, and the objects of nodes no name is left to */
  size_t kept = 0;
  for (size_t i = 0; i < v->n; i++) {
    struct entry *e = v->e[i];
    struct node *d = e->nd;
    d->written = 0;
    if (e->removed) {
      if (d->names == 0 && !S_ISDIR(d->mode)) {
        char name[33];
        object_name(d, name);
        if (d->opens > 0) (void)object_fd(v, d, 0); /* still open: read on through its fd, as after unlink(2) */
        unlinkat(v->objfd, name, 0);
      }
      free_entry(e); /* the node stays while a file has it open */
      continue;
    }
    struct chunkref *c = realloc(d->committed, (d->n ? d->n : 1) * sizeof *c);
    if (!c) return -ENOMEM;
    if (d->n) memcpy(c, d->work, d->n * sizeof *c);
    d->committed = c;
    d->cn = d->n;
    v->e[kept++] = e;
  }
  v->n = kept;
  v->changed = 0;
  v->dirty = 0;
  v->closed_written = 0;
  return 0;
}

void cgv_defer(struct cgv_volume *v) { v->deferred = 1; }
int cgv_pending(const struct cgv_volume *v, int open_too) { return !v->broken && (v->changed || v->closed_written || (open_too && v->dirty)); }

/* the end of a metadata change: a commit, or one the caller makes later (cgv_defer) */
static int settle(struct cgv_volume *v) { return v->deferred ? 0 : cgv_commit(v); }

/* ---- volume ---- */

static int mkdirat_ok(int dirfd, const char *name) { return mkdirat(dirfd, name, 0700) == 0 || errno == EEXIST ? 0 : -errno; }

int cgv_mount(struct cgv_volume **out, const char *dir, const unsigned char key[32], cgv_report_fn report, void *ctx, char err[256]) {
  struct cgv_volume *v = calloc(1, sizeof *v);
  if (!v) return -ENOMEM;
  v->dirfd = v->cgvfd = v->objfd = v->lockfd = -1;
  memcpy(v->key, key, 32);
  v->report = report;
  v->ctx = ctx;
  int r;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) { r = -errno; say(err, "cannot create the volume folder %s: %s", dir, strerror(-r)); goto fail; }
  if ((v->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) { r = -errno; say(err, "cannot open the volume folder %s: %s", dir, strerror(-r)); goto fail; }
  if ((r = mkdirat_ok(v->dirfd, ".cgv")) < 0 || (v->cgvfd = openat(v->dirfd, ".cgv", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
      (r = mkdirat_ok(v->cgvfd, "objects")) < 0 || (v->objfd = openat(v->cgvfd, "objects", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
    r = r < 0 ? r : -errno;
    say(err, "cannot prepare %s/.cgv: %s", dir, strerror(-r));
    goto fail;
  }
  if ((v->lockfd = openat(v->cgvfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) { r = -errno; say(err, "cannot open %s/.cgv/lock: %s", dir, strerror(-r)); goto fail; }
  if (flock(v->lockfd, LOCK_EX | LOCK_NB) != 0) {
    r = errno == EWOULDBLOCK ? -EBUSY : -errno;
    say(err, "volume %s has another writer (its lock is held): one writer per volume", dir);
    goto fail;
  }
  unsigned char *data = NULL;
  size_t n = 0;
  r = read_all(v->cgvfd, "manifest", &data, &n);
  if (r == -ENOENT) {
    /* a new volume: nothing but .cgv in the folder */
    DIR *d = fdopendir(dup(v->dirfd));
    if (!d) { r = -errno; goto fail; }
    struct dirent *de;
    int foreign = 0;
    while ((de = readdir(d))) foreign |= strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, ".cgv");
    closedir(d);
    if (foreign) { r = -ENOTEMPTY; say(err, "volume folder %s holds files but no volume manifest: not a volume (start from an empty folder)", dir); goto fail; }
    if (RAND_bytes(v->vid, 16) != 1) { r = -EIO; goto fail; }
    strcpy(v->tag, CGV_TAG_EMPTY);
  } else if (r < 0) {
    say(err, "cannot read %s/.cgv/manifest: %s", dir, strerror(-r));
    goto fail;
  } else {
    r = sha256_hex(data, n, v->tag) == 0 ? open_manifest(v, data, n, err) : -EIO;
    free(data);
    if (r < 0) goto fail;
  }
  /* objects no manifest names (a crash before their first commit) */
  DIR *d = fdopendir(dup(v->objfd));
  if (d) {
    struct dirent *de;
    while ((de = readdir(d))) {
      if (de->d_name[0] == '.') continue;
      int known = 0;
      char name[33];
      for (size_t i = 0; i < v->n && !known; i++) { object_name(v->e[i]->nd, name); known = strcmp(name, de->d_name) == 0; }
      if (!known) unlinkat(v->objfd, de->d_name, 0);
    }
    closedir(d);
  }
  *out = v;
  return 0;
fail:
  v->broken = 1; /* nothing to commit: a mount that failed writes nothing */
  cgv_unmount(v);
  return r;
}

const char *cgv_tag(const struct cgv_volume *v) { return v->tag; }

int cgv_unmount(struct cgv_volume *v) {
  int r = v->lockfd >= 0 && !v->broken ? cgv_commit(v) : 0;
  for (size_t i = 0; i < v->n; i++) free_entry(v->e[i]);
  free(v->e);
  free(v->index);
  if (v->objfd >= 0) close(v->objfd);
  if (v->cgvfd >= 0) close(v->cgvfd);
  if (v->dirfd >= 0) close(v->dirfd);
  if (v->lockfd >= 0) close(v->lockfd); /* releases the flock */
  EVP_CIPHER_CTX_free(v->aead[0]); /* frees the key schedule, cleansed */
  EVP_CIPHER_CTX_free(v->aead[1]);
  OPENSSL_cleanse(v->key, sizeof v->key);
  free(v);
  return r;
}

/* ---- files ---- */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* a name and its new node */
static struct entry *new_entry(const char *path, uint32_t mode) {
  struct entry *e = calloc(1, sizeof *e);
  struct node *d = calloc(1, sizeof *d);
  if (!e || !d || !(e->path = strdup(path)) || RAND_bytes(d->id, 16) != 1) { free(d); if (e) free(e->path); free(e); return NULL; }
  e->nd = d;
  d->names = d->refs = 1;
  d->mode = mode;
  d->mtime = d->atime = now_ns();
  d->fd = -1;
  d->cache_idx = -1;
  return e;
}

int cgv_open(struct cgv_volume *v, const char *rel, int flags, mode_t mode, struct cgv_file **out) {
  if (!valid_path(rel)) return -EINVAL;
  int writing = (flags & O_ACCMODE) != O_RDONLY;
  if ((writing || (flags & (O_CREAT | O_TRUNC))) && v->broken) return -EIO;
  struct entry *name = find(v, rel);
  if (name && (flags & O_CREAT) && (flags & O_EXCL)) return -EEXIST;
  if (name && S_ISDIR(name->nd->mode)) return -EISDIR;
  if (name && S_ISLNK(name->nd->mode)) return -ELOOP; /* followed by the caller, or refused */
  if (name && S_ISFIFO(name->nd->mode)) return -EINVAL; /* no data here: cgv_fifo */
  if (!name) {
    if (!(flags & O_CREAT)) return -ENOENT;
    if (!parent_exists(v, rel)) return -ENOENT;
    if (!(name = new_entry(rel, S_IFREG | (mode & 07777)))) return -ENOMEM;
    int fd = object_fd(v, name->nd, 1);
    if (fd < 0 || add(v, name) != 0) { free_entry(name); return fd < 0 ? fd : -ENOMEM; }
    name->nd->written = 1; /* its object (the header) is made durable by the next commit */
    v->changed = 1;
  }
  struct node *e = name->nd;
  if ((flags & O_TRUNC) && writing && e->size) {
    e->mtime = now_ns();
    e->size = 0;
    e->n = 0;
    e->cache_idx = -1;
    e->cache_dirty = 0;
    v->changed = 1;
  }
  struct cgv_file *f = calloc(1, sizeof *f);
  if (!f) return -ENOMEM;
  f->v = v;
  f->e = e;
  f->flags = flags;
  e->opens++;
  e->refs++;
  e->writers += writing;
  *out = f;
  return 0;
}

uint64_t cgv_size(const struct cgv_file *f) { return f->e->size; }

ssize_t cgv_pread(struct cgv_file *f, void *buf, size_t n, uint64_t off) {
  struct node *e = f->e;
  if ((f->flags & O_ACCMODE) == O_WRONLY) return -EBADF;
  if (off >= e->size) return 0;
  if (n > e->size - off) n = (size_t)(e->size - off);
  size_t done = 0;
  unsigned char chunk[CGV_CHUNK];
  while (done < n) {
    uint64_t pos = off + done, i = pos / CGV_CHUNK;
    size_t in = (size_t)(pos % CGV_CHUNK), take = CGV_CHUNK - in < n - done ? CGV_CHUNK - in : n - done;
    if (e->cache_idx == (int64_t)i) memcpy((char *)buf + done, e->cache + in, take);
    else if (in == 0 && take == CGV_CHUNK) {
      int r = load_chunk(f->v, e, i, (unsigned char *)buf + done);
      if (r < 0) { OPENSSL_cleanse((char *)buf + done, CGV_CHUNK); return done ? (ssize_t)done : r; }
    } else {
      int r = load_chunk(f->v, e, i, chunk);
      if (r < 0) return done ? (ssize_t)done : r;
      memcpy((char *)buf + done, chunk + in, take);
    }
    done += take;
  }
  OPENSSL_cleanse(chunk, sizeof chunk);
  return (ssize_t)done;
}

ssize_t cgv_pwrite(struct cgv_file *f, const void *buf, size_t n, uint64_t off) {
  struct cgv_volume *v = f->v;
  struct node *e = f->e;
  if ((f->flags & O_ACCMODE) == O_RDONLY) return -EBADF;
  if (v->broken) return -EIO;
  if (n == 0) return 0;
  if (off + n < off) return -EFBIG;
  e->mtime = now_ns();
  size_t done = 0;
  while (done < n) {
    uint64_t pos = off + done, i = pos / CGV_CHUNK;
    size_t in = (size_t)(pos % CGV_CHUNK), take = CGV_CHUNK - in < n - done ? CGV_CHUNK - in : n - done;
    /* a whole chunk, or one past the end of the data, need not be read first */
    int whole = take == CGV_CHUNK || (in == 0 && pos >= e->size);
    int r = cache_chunk(v, e, i, whole);
    if (r < 0) return done ? (ssize_t)done : r;
    memcpy(e->cache + in, (const char *)buf + done, take);
    e->cache_dirty = 1;
    e->written = 1;
    v->dirty = 1;
    done += take;
    if (pos + take > e->size) e->size = pos + take;
    if ((r = grow(e, (e->size + CGV_CHUNK - 1) / CGV_CHUNK)) < 0) return r;
  }
  return (ssize_t)done;
}

int cgv_ftruncate(struct cgv_file *f, uint64_t size) {
  struct cgv_volume *v = f->v;
  struct node *e = f->e;
  if ((f->flags & O_ACCMODE) == O_RDONLY) return -EINVAL;
  if (v->broken) return -EIO;
  int r = flush_cache(v, e);
  if (r < 0) return r;
  if (size < e->size) {
    uint64_t keep = (size + CGV_CHUNK - 1) / CGV_CHUNK;
    if (size % CGV_CHUNK) {
      /* bytes past the new end read as zeros when the file grows again */
      if ((r = cache_chunk(v, e, size / CGV_CHUNK, 0)) < 0) return r;
      memset(e->cache + size % CGV_CHUNK, 0, CGV_CHUNK - size % CGV_CHUNK);
      e->cache_dirty = 1;
      if ((r = flush_cache(v, e)) < 0) return r;
    }
    if (e->cache_idx >= (int64_t)keep) e->cache_idx = -1;
    e->n = keep;
  } else if ((r = grow(e, (size + CGV_CHUNK - 1) / CGV_CHUNK)) < 0) return r;
  e->size = size;
  e->mtime = now_ns();
  e->written = 1;
  v->changed = 1;
  return 0; /* durable with the next commit (fsync, close) */
}

int cgv_fsync(struct cgv_file *f) { return cgv_commit(f->v); }

int cgv_close(struct cgv_file *f) {
  struct cgv_volume *v = f->v;
  struct node *e = f->e;
  int r = 0;
  if ((f->flags & O_ACCMODE) != O_RDONLY && --e->writers == 0 && e->written) v->closed_written = 1;
  if (!v->broken && !v->deferred && (e->written || v->changed)) r = cgv_commit(v);
  else if (!v->broken && e->written) r = flush_cache(v, e); /* deferred: the sealed chunk stays, not the plaintext */
  if (--e->opens == 0) {
    e->cache_idx = -1;
    OPENSSL_cleanse(e->cache, sizeof e->cache);
    if (e->fd >= 0) { close(e->fd); e->fd = -1; }
  }
  unref(e);
  free(f);
  return r;
}

/* ---- names ---- */

static int has_children(struct cgv_volume *v, const char *dir) {
  size_t len = strlen(dir);
  for (size_t i = 0; i < v->n; i++) {
    const char *p = v->e[i]->path;
    if (!v->e[i]->removed && strncmp(p, dir, len) == 0 && p[len] == '/') return 1;
  }
  return 0;
}

static void fill(const struct node *e, struct cgv_stat *st) {
  st->nlink = e->names;
  st->mode = e->mode;
  st->size = S_ISDIR(e->mode) ? 0 : e->size;
  st->mtime = e->mtime;
  st->atime = e->atime;
  uint64_t ino = 0;
  for (int i = 0; i < 8; i++) ino = ino << 8 | e->id[i];
  st->ino = ino > 1 ? ino : ino + 2; /* 1 is the root's */
}

int cgv_stat(struct cgv_volume *v, const char *rel, struct cgv_stat *st) {
  if (rel[0] == 0) { *st = (struct cgv_stat){ S_IFDIR | 0700, 0, 0, 1, 0, 1 }; return 0; }
  if (!valid_path(rel)) return -EINVAL;
  struct entry *e = find(v, rel);
  if (!e) return -ENOENT;
  fill(e->nd, st);
  return 0;
}

void cgv_fstat(const struct cgv_file *f, struct cgv_stat *st) { fill(f->e, st); }

static int setattr(struct cgv_volume *v, struct node *e, int mode, int64_t atime, int64_t mtime) {
  if (v->broken) return -EIO;
  if (mode >= 0) e->mode = (e->mode & S_IFMT) | ((uint32_t)mode & 07777);
  if (mtime != CGV_MTIME_KEEP) e->mtime = mtime == CGV_MTIME_NOW ? now_ns() : mtime;
  if (atime != CGV_MTIME_KEEP) e->atime = atime == CGV_MTIME_NOW ? now_ns() : atime;
  v->changed = 1;
  return settle(v);
}

int cgv_setattr(struct cgv_volume *v, const char *rel, int mode, int64_t atime, int64_t mtime) {
  if (!valid_path(rel)) return -EINVAL;
  struct entry *e = find(v, rel);
  return e ? setattr(v, e->nd, mode, atime, mtime) : -ENOENT;
}

int cgv_fsetattr(struct cgv_file *f, int mode, int64_t atime, int64_t mtime) { return setattr(f->v, f->e, mode, atime, mtime); }

/* a directory, or (fifo) a FIFO: its name in the manifest, the pipe a host FIFO named by its id among the objects */
static int make_node(struct cgv_volume *v, const char *rel, uint32_t mode) {
  if (!valid_path(rel)) return -EINVAL;
  if (v->broken) return -EIO;
  if (find(v, rel)) return -EEXIST;
  if (!parent_exists(v, rel)) return -ENOENT;
  struct entry *e = new_entry(rel, mode);
  if (!e) return -ENOMEM;
  char name[33];
  object_name(e->nd, name);
  if (S_ISFIFO(mode) && mknodat(v->objfd, name, S_IFIFO | 0600, 0) != 0) { int r = -errno; free_entry(e); return r; }
  if (add(v, e) != 0) { free_entry(e); return -ENOMEM; }
  v->changed = 1;
  return settle(v);
}

int cgv_mkdir(struct cgv_volume *v, const char *rel, mode_t mode) { return make_node(v, rel, S_IFDIR | (mode & 07777)); }
int cgv_mkfifo(struct cgv_volume *v, const char *rel, mode_t mode) { return make_node(v, rel, S_IFIFO | (mode & 07777)); }

int cgv_fifo(struct cgv_volume *v, const char *rel, char name[33]) {
  struct entry *e = valid_path(rel) ? find(v, rel) : NULL;
  if (!e) return -ENOENT;
  if (!S_ISFIFO(e->nd->mode)) return -EINVAL;
  object_name(e->nd, name);
  return v->objfd;
}

int cgv_rmdir(struct cgv_volume *v, const char *rel) {
  if (!valid_path(rel)) return -EINVAL;
  if (v->broken) return -EIO;
  struct entry *e = find(v, rel);
  if (!e) return -ENOENT;
  if (!S_ISDIR(e->nd->mode)) return -ENOTDIR;
  if (has_children(v, rel)) return -ENOTEMPTY;
  remove_entry(v, e);
  v->changed = 1;
  return settle(v);
}

int cgv_unlink(struct cgv_volume *v, const char *rel) {
  if (!valid_path(rel)) return -EINVAL;
  if (v->broken) return -EIO;
  struct entry *e = find(v, rel);
  if (!e) return -ENOENT;
  if (S_ISDIR(e->nd->mode)) return -EISDIR;
  remove_entry(v, e);
  v->changed = 1;
  return settle(v);
}

int cgv_rename(struct cgv_volume *v, const char *from, const char *to) {
  if (!valid_path(from) || !valid_path(to)) return -EINVAL;
  if (v->broken) return -EIO;
  struct entry *e = find(v, from);
  if (!e) return -ENOENT;
  if (strcmp(from, to) == 0) return 0;
  size_t fl = strlen(from);
  if (S_ISDIR(e->nd->mode) && strncmp(to, from, fl) == 0 && to[fl] == '/') return -EINVAL; /* into itself */
  if (!parent_exists(v, to)) return -ENOENT;
  struct entry *target = find(v, to);
  if (target && target->nd == e->nd) return 0; /* two names of one file: rename(2) does nothing */
  if (target) {
    if (S_ISDIR(target->nd->mode) && !S_ISDIR(e->nd->mode)) return -EISDIR;
    if (!S_ISDIR(target->nd->mode) && S_ISDIR(e->nd->mode)) return -ENOTDIR;
    if (S_ISDIR(target->nd->mode) && has_children(v, to)) return -ENOTEMPTY;
    remove_entry(v, target);
  }
  /* the entry and, for a directory, everything below it */
  size_t tl = strlen(to);
  for (size_t i = 0; i < v->n; i++) {
    struct entry *x = v->e[i];
    if (x->removed) continue;
    if (x == e || (S_ISDIR(e->nd->mode) && strncmp(x->path, from, fl) == 0 && x->path[fl] == '/')) {
      size_t rest = strlen(x->path) - fl;
      char *p = malloc(tl + rest + 1);
      if (!p) return -ENOMEM;
      memcpy(p, to, tl);
      memcpy(p + tl, x->path + fl, rest + 1);
      index_drop(v, x);
      free(x->path);
      x->path = p;
      index_put(v, x);
    }
  }
  v->changed = 1;
  return settle(v);
}

/* a symlink is an entry of mode S_IFLNK whose content — the target, sealed in chunks like a file's — is its data */
int cgv_symlink(struct cgv_volume *v, const char *rel, const char *target) {
  if (!valid_path(rel)) return -EINVAL;
  size_t len = strlen(target);
  if (len == 0) return -ENOENT;
  if (len >= 4096) return -ENAMETOOLONG;
  if (v->broken) return -EIO;
  if (find(v, rel)) return -EEXIST;
  if (!parent_exists(v, rel)) return -ENOENT;
  struct entry *e = new_entry(rel, S_IFLNK | 0777);
  if (!e) return -ENOMEM;
  int fd = object_fd(v, e->nd, 1);
  if (fd < 0 || add(v, e) != 0) { free_entry(e); return fd < 0 ? fd : -ENOMEM; }
  e->nd->written = 1;
  v->changed = 1;
  struct cgv_file *f = calloc(1, sizeof *f);
  if (!f) return -ENOMEM;
  *f = (struct cgv_file){ v, e->nd, O_WRONLY };
  e->nd->opens++, e->nd->refs++, e->nd->writers++;
  ssize_t w = cgv_pwrite(f, target, len, 0);
  int r = cgv_close(f); /* a commit, unless deferred */
  return w < 0 ? (int)w : r;
}

ssize_t cgv_readlink(struct cgv_volume *v, const char *rel, char *buf, size_t n) {
  struct entry *name = valid_path(rel) ? find(v, rel) : NULL;
  if (!name) return -ENOENT;
  struct node *e = name->nd;
  if (!S_ISLNK(e->mode)) return -EINVAL;
  struct cgv_file f = { v, e, O_RDONLY };
  e->opens++;
  ssize_t r = cgv_pread(&f, buf, n, 0);
  if (--e->opens == 0) { e->cache_idx = -1; OPENSSL_cleanse(e->cache, sizeof e->cache); if (e->fd >= 0) { close(e->fd); e->fd = -1; } }
  return r;
}

int cgv_list(struct cgv_volume *v, const char *rel, void (*fn)(void *, const char *, const struct cgv_stat *), void *ctx) {
  size_t len = strlen(rel);
  if (len) {
    struct entry *d = find(v, rel);
    if (!d) return -ENOENT;
    if (!S_ISDIR(d->nd->mode)) return -ENOTDIR;
  }
  for (size_t i = 0; i < v->n; i++) {
    struct entry *e = v->e[i];
    if (e->removed) continue;
    const char *p = e->path;
    if (len) {
      if (strncmp(p, rel, len) != 0 || p[len] != '/') continue;
      p += len + 1;
    }
    if (!strchr(p, '/')) {
      struct cgv_stat st;
      fill(e->nd, &st);
      fn(ctx, p, &st);
    }
  }
  return 0;
}

int cgv_link(struct cgv_volume *v, const char *from, const char *to) {
  if (!valid_path(from) || !valid_path(to)) return -EINVAL;
  if (v->broken) return -EIO;
  struct entry *e = find(v, from);
  if (!e) return -ENOENT;
  if (S_ISDIR(e->nd->mode)) return -EPERM;
  if (find(v, to)) return -EEXIST;
  if (!parent_exists(v, to)) return -ENOENT;
  struct entry *l = calloc(1, sizeof *l);
  if (!l || !(l->path = strdup(to)) || add(v, l) != 0) { if (l) free(l->path); free(l); return -ENOMEM; }
  l->nd = e->nd;
  l->nd->names++, l->nd->refs++;
  v->changed = 1;
  return settle(v);
}
