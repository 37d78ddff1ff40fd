/* The file shield's storage layer: an encrypted volume in a host folder (sim backend of @confidential/signer).
 *
 * A plaintext file at <volume>/<rel> is the host file <folder>/<rel>: a 64-byte header (magic, the file's random id)
 * and its content in 4 KiB chunks, each sealed with AES-256-GCM (OpenSSL's EVP) under the volume key, with the
 * volume id, the file id and the chunk index as additional data. Every chunk has two slots on the host; a write goes
 * to the slot the last commit does not use, so a committed chunk is never overwritten in place.
 *
 * The manifest (<folder>/.cgv/manifest, sealed the same way) lists every file and directory: path, file id, mode,
 * plaintext size and, per chunk, the slot in use and its GCM tag. A commit (fsync, fdatasync, close of a written
 * file, rename, unlink, mkdir, rmdir) makes the data durable, then writes a new manifest with
 * write-temp-then-rename; its tag — sha256 of the manifest as stored — is the volume's tag, reported to the policy
 * service before the rename and confirmed after (cas-policy's volumes.ts). A crash leaves the last committed
 * manifest, whose chunks are intact: every file is a committed version, never torn.
 *
 * Detected: a changed byte anywhere (GCM), a file swapped with another or moved (its id differs from the
 * manifest's, and the id is in every chunk's additional data), a truncated file (a chunk missing), one file or
 * chunk put back from an older copy (its tag is not the manifest's), the whole folder put back (its tag is not the
 * service's). Not hidden: file names, the directory tree and sizes to about 4 KiB. One writer per volume: an
 * exclusive flock on <folder>/.cgv/lock, plus the policy service's writer token.
 *
 * Functions return 0 (or a count) or a negative errno; err, when given, gets one sentence. Not thread-safe by
 * itself: the interposer serialises calls on a volume. */
#ifndef CGV_VOLUME_H
#define CGV_VOLUME_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CGV_CHUNK 4096
/* the longest path in a volume: beyond PATH_MAX, as a program reaches such paths relative to a deep working directory */
#define CGV_PATH_MAX 16384
#define CGV_TAG_EMPTY "empty"

struct cgv_volume;
struct cgv_file;

/* Called with the previous and the next tag (64 hex, or "empty") before a commit renames its manifest into place,
 * and with next, next after: 0 to go on; anything else aborts the commit (the volume then refuses every write). */
typedef int (*cgv_report_fn)(void *ctx, const char *previous, const char *next);

/* Mounts the volume in folder `dir` (created when absent): takes the writer lock, reads and checks the manifest.
 * A folder without manifest must be empty (but for .cgv): it is a new volume. */
int cgv_mount(struct cgv_volume **out, const char *dir, const unsigned char key[32], cgv_report_fn report, void *ctx, char err[256]);
/* The tag of the committed manifest (64 hex), or "empty" for a new volume. */
const char *cgv_tag(const struct cgv_volume *v);
/* Commits what is pending and releases the volume. */
int cgv_unmount(struct cgv_volume *v);

/* Paths are relative to the volume root, normalised ("a/b", "" is the root). flags: O_RDONLY/O_WRONLY/O_RDWR,
 * O_CREAT, O_EXCL, O_TRUNC, O_APPEND (the caller keeps the offset; O_APPEND is the caller's to apply with size). */
int cgv_open(struct cgv_volume *v, const char *rel, int flags, mode_t mode, struct cgv_file **out);
ssize_t cgv_pread(struct cgv_file *f, void *buf, size_t n, uint64_t off);
ssize_t cgv_pwrite(struct cgv_file *f, const void *buf, size_t n, uint64_t off);
uint64_t cgv_size(const struct cgv_file *f);
int cgv_ftruncate(struct cgv_file *f, uint64_t size);
/* Durable: the file's data and the manifest naming it (a commit). */
int cgv_fsync(struct cgv_file *f);
/* Commits when the file was written, then frees it. */
int cgv_close(struct cgv_file *f);

int cgv_unlink(struct cgv_volume *v, const char *rel);
/* Replaces `to` when it is a file (rename(2) semantics for files; a directory moves with what is in it). */
int cgv_rename(struct cgv_volume *v, const char *from, const char *to);
int cgv_mkdir(struct cgv_volume *v, const char *rel, mode_t mode);
int cgv_rmdir(struct cgv_volume *v, const char *rel);
/* A FIFO: its name (S_IFIFO) in the manifest; its pipe is a host FIFO among the volume's objects, named by its random
 * id — bytes through it stay in the kernel's pipe buffer, never on disk, as for any pipe. */
int cgv_mkfifo(struct cgv_volume *v, const char *rel, mode_t mode);
/* The host FIFO of FIFO rel: returns the folder's fd to open name (33 bytes) at, or -ENOENT/-EINVAL. */
int cgv_fifo(struct cgv_volume *v, const char *rel, char name[33]);
/* A hard link: `to` a new name of the file (or symlink) `from` — one node, its data and attributes shared; EPERM for a
 * directory. The node's object goes when its last name is removed and the last open file closed. */
int cgv_link(struct cgv_volume *v, const char *from, const char *to);
/* What stat(2) needs: mode (S_IFREG/S_IFDIR/S_IFLNK | permissions), plaintext size, mtime (ns since the epoch, kept in the
 * manifest), an inode number unique in the volume (from the file id; 1 is the root) and the file's link count. */
struct cgv_stat { uint32_t mode; uint64_t size; int64_t mtime; uint64_t ino; int64_t atime; uint32_t nlink; };
/* -ENOENT when absent ("" is the root). */
int cgv_stat(struct cgv_volume *v, const char *rel, struct cgv_stat *st);
/* Of an open file (also when it was unlinked since). */
void cgv_fstat(const struct cgv_file *f, struct cgv_stat *st);
/* chmod (mode < 0: unchanged), the atime and the mtime (ns, CGV_MTIME_NOW, or CGV_MTIME_KEEP); a commit. The atime is
 * what utimes set (or the creation time): reads do not change it, as under a noatime mount. */
#define CGV_MTIME_KEEP INT64_MIN
#define CGV_MTIME_NOW (INT64_MIN + 1)
int cgv_setattr(struct cgv_volume *v, const char *rel, int mode, int64_t atime, int64_t mtime);
int cgv_fsetattr(struct cgv_file *f, int mode, int64_t atime, int64_t mtime);
/* The names directly in directory `rel`, in manifest order: calls fn(ctx, name, stat) for each. */
int cgv_list(struct cgv_volume *v, const char *rel, void (*fn)(void *ctx, const char *name, const struct cgv_stat *st), void *ctx);
/* A symlink (S_IFLNK) holding target, sealed like a file's data; a commit. The volume itself never follows one:
 * resolution is the caller's (vfs.c). */
int cgv_symlink(struct cgv_volume *v, const char *rel, const char *target);
/* Its target, up to n bytes, no NUL: the length, or -EINVAL when rel is not a symlink. */
ssize_t cgv_readlink(struct cgv_volume *v, const char *rel, char *buf, size_t n);
/* Commits now (what fsync does for every written file of the volume). */
int cgv_commit(struct cgv_volume *v);
/* From now on, metadata changes (mkdir, rmdir, unlink, rename, setattr, symlink) and the close of a written file do
 * not commit: the caller commits (cgv_commit) when cgv_pending says there is something to. A close still seals its
 * last chunk. fsync and unmount commit as always. */
void cgv_defer(struct cgv_volume *v);
/* Metadata changed, or a written file closed by its last writer; open_too: or data written to a file still open. */
int cgv_pending(const struct cgv_volume *v, int open_too);
#endif
