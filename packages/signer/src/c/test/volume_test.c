/* Tests of the file shield's storage layer (volume.c) on real files: gcc volume.c test/volume_test.c -lcrypto.
 * usage: volume_test <scratch folder> <case> [args]; exit 0 and "ok <case> …" on stdout when the case holds.
 * Cases: basic, tamper, swap, truncate, chunk-rollback, manifest-tamper, rollback, writer, crash <kills>, leak. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../volume.h"

static const unsigned char KEY[32] = "0123456789abcdef0123456789abcde";
static char dir[1024];

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "FAIL: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}
#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* the policy service's side of the commit protocol, in memory: committed and pending tag */
struct service { char tag[65], pending[65]; int reports; };
static int report(void *ctx, const char *previous, const char *next) {
  struct service *s = ctx;
  s->reports++;
  if (strcmp(previous, s->tag) == 0) { snprintf(s->pending, sizeof s->pending, "%s", next); return 0; }
  if (strcmp(previous, s->pending) == 0) { snprintf(s->tag, sizeof s->tag, "%s", previous); snprintf(s->pending, sizeof s->pending, "%s", next); return 0; }
  return -1;
}
/* a start: the tag on disk must be the committed or the pending one */
static int service_open(struct service *s, const char *on_disk) {
  if (strcmp(on_disk, s->tag) == 0) return 0;
  if (strcmp(on_disk, s->pending) == 0) { snprintf(s->tag, sizeof s->tag, "%s", on_disk); return 0; }
  return -1;
}

static struct cgv_volume *mount_or_die(struct service *s) {
  struct cgv_volume *v;
  char err[256] = "";
  int r = cgv_mount(&v, dir, KEY, report, s, err);
  CHECK(r == 0, "mount %s: %s (%s)", dir, strerror(-r), err);
  return v;
}

static void pattern(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)((i * 131 + seed * 7 + (i >> 12)) & 0xff);
}

static void write_file(struct cgv_volume *v, const char *rel, const unsigned char *data, size_t n) {
  struct cgv_file *f;
  int r = cgv_open(v, rel, O_WRONLY | O_CREAT | O_TRUNC, 0600, &f);
  CHECK(r == 0, "open %s for writing: %s", rel, strerror(-r));
  CHECK(cgv_pwrite(f, data, n, 0) == (ssize_t)n, "write %s", rel);
  CHECK(cgv_close(f) == 0, "close %s", rel);
}

/* the whole file, or the negative errno of the first failing read; *n its size */
static int read_file(struct cgv_volume *v, const char *rel, unsigned char **out, size_t *n) {
  struct cgv_file *f;
  int r = cgv_open(v, rel, O_RDONLY, 0, &f);
  if (r < 0) return r;
  *n = (size_t)cgv_size(f);
  *out = malloc(*n + 1);
  ssize_t got = cgv_pread(f, *out, *n, 0);
  cgv_close(f);
  if (got < 0) { free(*out); return (int)got; }
  if ((size_t)got != *n) { free(*out); return -EIO; }
  return 0;
}

static void object_path(const char *rel_object, char *out) { snprintf(out, 8192, "%s/.cgv/objects/%s", dir, rel_object); }

/* the object names in creation order of the files a, b (the only two objects after setup_two) */
static int objects(char names[8][64]) {
  char cmd[8300];
  snprintf(cmd, sizeof cmd, "ls -tr %s/.cgv/objects", dir);
  FILE *p = popen(cmd, "r");
  int n = 0;
  while (n < 8 && fscanf(p, "%63s", names[n]) == 1) n++;
  pclose(p);
  return n;
}

static void run(const char *cmd) { CHECK(system(cmd) == 0, "%s", cmd); }

static void fresh(void) {
  char cmd[8300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  run(cmd);
}

static unsigned char big[3 * 1024 * 1024];

static void case_basic(void) {
  struct service s = {CGV_TAG_EMPTY, "", 0};
  struct cgv_volume *v = mount_or_die(&s);
  CHECK(strcmp(cgv_tag(v), CGV_TAG_EMPTY) == 0, "a new volume's tag is empty, not %s", cgv_tag(v));
  CHECK(cgv_mkdir(v, "certs", 0700) == 0, "mkdir");
  CHECK(cgv_mkdir(v, "certs", 0700) == -EEXIST, "mkdir twice");
  CHECK(cgv_mkdir(v, "no/such", 0700) == -ENOENT, "mkdir without parent");
  pattern(big, sizeof big, 1);
  memcpy(big + 5000, "PLAINTEXT-MARKER-0451", 21);
  write_file(v, "certs/big", big, sizeof big - 123);
  /* unaligned writes and reads across chunks, a hole, an extension by ftruncate */
  struct cgv_file *f;
  CHECK(cgv_open(v, "certs/sparse", O_RDWR | O_CREAT | O_EXCL, 0600, &f) == 0, "create sparse");
  CHECK(cgv_open(v, "certs/sparse", O_RDWR | O_CREAT | O_EXCL, 0600, &(struct cgv_file *){0}) == -EEXIST, "O_EXCL");
  CHECK(cgv_pwrite(f, "hello", 5, 10000) == 5, "write at 10000");
  CHECK(cgv_pwrite(f, "xy", 2, 4095) == 2, "write across a chunk boundary");
  unsigned char buf[20000];
  CHECK(cgv_pread(f, buf, sizeof buf, 0) == 10005, "read sparse: size 10005");
  for (int i = 0; i < 4095; i++) CHECK(buf[i] == 0, "hole byte %d is %d", i, buf[i]);
  CHECK(memcmp(buf + 4095, "xy", 2) == 0 && memcmp(buf + 10000, "hello", 5) == 0, "sparse content");
  CHECK(cgv_ftruncate(f, 4096) == 0 && cgv_size(f) == 4096, "shrink");
  CHECK(cgv_ftruncate(f, 9000) == 0, "extend");
  CHECK(cgv_pread(f, buf, sizeof buf, 0) == 9000 && buf[4095] == 'x' && buf[4096] == 0 && buf[8999] == 0, "extended part is zeros");
  CHECK(cgv_close(f) == 0, "close sparse");
  /* write-temp-then-rename over an existing file */
  write_file(v, "certs/key.tmp", (const unsigned char *)"new key", 7);
  write_file(v, "certs/key", (const unsigned char *)"old key", 7);
  CHECK(cgv_rename(v, "certs/key.tmp", "certs/key") == 0, "rename over");
  unsigned char *got;
  size_t n;
  CHECK(read_file(v, "certs/key", &got, &n) == 0 && n == 7 && memcmp(got, "new key", 7) == 0, "renamed content");
  free(got);
  CHECK(read_file(v, "certs/key.tmp", &got, &n) == -ENOENT, "the temp name is gone");
  CHECK(cgv_rmdir(v, "certs") == -ENOTEMPTY, "rmdir non-empty");
  CHECK(cgv_unlink(v, "certs/sparse") == 0, "unlink");
  CHECK(cgv_rename(v, "certs", "data") == 0, "rename a directory");
  struct cgv_stat st, st2;
  CHECK(cgv_stat(v, "data/big", &st) == 0 && S_ISREG(st.mode) && st.size == sizeof big - 123 && st.mtime > 0, "stat after directory rename");
  CHECK(cgv_stat(v, "data/key", &st2) == 0 && st2.ino != st.ino && st2.ino > 1, "inode numbers differ");
  CHECK(cgv_setattr(v, "data/key", 0640, 1234567890123456000, 1234567890123456789) == 0 && cgv_stat(v, "data/key", &st2) == 0 &&
        st2.mode == (S_IFREG | 0640) && st2.mtime == 1234567890123456789 && st2.atime == 1234567890123456000, "chmod, atime and mtime");
  const char *tag = cgv_tag(v);
  CHECK(strcmp(tag, CGV_TAG_EMPTY) != 0 && strlen(tag) == 64, "tag after commits: %s", tag);
  CHECK(strcmp(s.tag, tag) == 0, "the service confirmed the last commit (%s vs %s)", s.tag, tag);
  CHECK(cgv_unmount(v) == 0, "unmount");
  /* again from disk */
  v = mount_or_die(&s);
  CHECK(service_open(&s, cgv_tag(v)) == 0, "the service accepts the remounted tag");
  CHECK(read_file(v, "data/big", &got, &n) == 0 && n == sizeof big - 123 && memcmp(got, big, n) == 0, "big file after remount");
  free(got);
  CHECK(read_file(v, "data/key", &got, &n) == 0 && n == 7 && memcmp(got, "new key", 7) == 0, "key after remount");
  free(got);
  CHECK(cgv_stat(v, "data/sparse", &st2) == -ENOENT && cgv_stat(v, "certs", &st2) == -ENOENT, "removed names stay removed");
  CHECK(cgv_stat(v, "data/key", &st2) == 0 && st2.mode == (S_IFREG | 0640) && st2.mtime == 1234567890123456789 && st2.atime == 1234567890123456000, "mode and times after remount");
  struct cgv_stat st3;
  CHECK(cgv_stat(v, "data/big", &st3) == 0 && st3.mtime == st.mtime && st3.ino == st.ino, "mtime and inode after remount");
  cgv_unmount(v);
  /* no plaintext name or content on the host */
  char cmd[8300];
  snprintf(cmd, sizeof cmd, "! grep -rl -e 'PLAINTEXT-MARKER-0451' -e 'new key' -e 'old key' -e key.tmp '%s' && [ $(ls '%s/.cgv/objects' | wc -l) -eq 2 ]", dir, dir);
  run(cmd);
  printf("ok basic tag %s\n", s.tag);
}

/* two files a and b, committed; returns their object names in creation order */
static void setup_two(struct service *s, char names[8][64]) {
  fresh();
  struct cgv_volume *v = mount_or_die(s);
  pattern(big, 5 * CGV_CHUNK, 2);
  write_file(v, "a", big, 5 * CGV_CHUNK);
  usleep(20000);
  pattern(big, 5 * CGV_CHUNK, 3);
  write_file(v, "b", big, 5 * CGV_CHUNK);
  cgv_unmount(v);
  CHECK(objects(names) == 2, "two objects");
}

/* every read of `rel` fails with EIO (or EACCES), and no byte of it reaches the caller */
static void expect_refused(struct cgv_volume *v, const char *rel, const char *what) {
  struct cgv_file *f;
  int r = cgv_open(v, rel, O_RDONLY, 0, &f);
  if (r == 0) {
    unsigned char buf[5 * CGV_CHUNK];
    memset(buf, 0xee, sizeof buf);
    ssize_t got = cgv_pread(f, buf, sizeof buf, 0);
    cgv_close(f);
    CHECK(got < 0 || (size_t)got < sizeof buf, "%s: the read of %s succeeded", what, rel);
    if (got < 0) {
      CHECK(got == -EIO || got == -EACCES, "%s: %s", what, strerror((int)-got));
      for (size_t i = 0; i < CGV_CHUNK; i++) CHECK(buf[i] == 0xee || buf[i] == 0, "%s: a byte reached the caller", what);
    }
  } else {
    CHECK(r == -EIO || r == -EACCES, "%s: open %s", what, strerror(-r));
  }
}

static void case_tamper(void) {
  struct service s = {CGV_TAG_EMPTY, "", 0};
  char names[8][64], path[8192];
  setup_two(&s, names);
  object_path(names[0], path);
  /* flip one byte in the middle of chunk 2's ciphertext */
  FILE *fp = fopen(path, "r+b");
  long off = 64 + (2 * 2) * (12 + CGV_CHUNK + 16) + 12 + 100;
  fseek(fp, off, SEEK_SET);
  int c = fgetc(fp);
  fseek(fp, off, SEEK_SET);
  fputc(c ^ 1, fp);
  fclose(fp);
  struct cgv_volume *v = mount_or_die(&s);
  struct cgv_file *f;
  CHECK(cgv_open(v, "a", O_RDONLY, 0, &f) == 0, "open a");
  unsigned char buf[CGV_CHUNK];
  CHECK(cgv_pread(f, buf, CGV_CHUNK, 0) == CGV_CHUNK, "chunk 0 still reads");
  CHECK(cgv_pread(f, buf, CGV_CHUNK, 2 * CGV_CHUNK) == -EIO, "the flipped chunk fails with EIO");
  cgv_close(f);
  cgv_unmount(v);
  printf("ok tamper\n");
}

static void case_swap(void) {
  struct service s = {CGV_TAG_EMPTY, "", 0};
  char names[8][64], cmd[20000];
  setup_two(&s, names);
  snprintf(cmd, sizeof cmd, "cd '%s/.cgv/objects' && mv %s t && mv %s %s && mv t %s", dir, names[0], names[1], names[0], names[1]);
  run(cmd);
  struct cgv_volume *v = mount_or_die(&s);
  expect_refused(v, "a", "swapped");
  expect_refused(v, "b", "swapped");
  cgv_unmount(v);
  printf("ok swap\n");
}

static void case_truncate(void) {
  struct service s = {CGV_TAG_EMPTY, "", 0};
  char names[8][64], path[8192];
  setup_two(&s, names);
  object_path(names[1], path);
  CHECK(truncate(path, 64 + 3 * (12 + CGV_CHUNK + 16)) == 0, "truncate the host file");
  struct cgv_volume *v = mount_or_die(&s);
  expect_refused(v, "b", "truncated");
  unsigned char *got;
  size_t n;
  CHECK(read_file(v, "a", &got, &n) == 0, "the other file still reads");
  free(got);
  cgv_unmount(v);
  printf("ok truncate\n");
}

/* one file put back from an older copy of the folder: its chunks are not the manifest's */
static void case_chunk_rollback(void) {
  struct service s = {CGV_TAG_EMPTY, "", 0};
  char names[8][64], cmd[20000];
  setup_two(&s, names);
  snprintf(cmd, sizeof cmd, "cp -a '%s/.cgv/objects/%s' /tmp/cgv-old-object-%d", dir, names[0], getpid());
  run(cmd);
  struct cgv_volume *v = mount_or_die(&s);
  pattern(big, 5 * CGV_CHUNK, 9);
  struct cgv_file *f;
  CHECK(cgv_open(v, "a", O_RDWR, 0, &f) == 0, "open a");
  /* two versions so that both slots of every chunk hold newer data than the old copy */
  CHECK(cgv_pwrite(f, big, 5 * CGV_CHUNK, 0) == 5 * CGV_CHUNK && cgv_fsync(f) == 0, "version 2");
  CHECK(cgv_pwrite(f, big, 5 * CGV_CHUNK, 0) == 5 * CGV_CHUNK && cgv_close(f) == 0, "version 3");
  cgv_unmount(v);
  snprintf(cmd, sizeof cmd, "cp -a /tmp/cgv-old-object-%d '%s/.cgv/objects/%s' && rm /tmp/cgv-old-object-%d", getpid(), dir, names[0], getpid());
  run(cmd);
  v = mount_or_die(&s);
  expect_refused(v, "a", "an older copy of one file");
  cgv_unmount(v);
  printf("ok chunk-rollback\n");
}

static void case_manifest_tamper(void) {
  struct service s = {CGV_TAG_EMPTY, "", 0};
  char names[8][64], cmd[20000], err[256] = "";
  setup_two(&s, names);
  snprintf(cmd, sizeof cmd, "printf '\\001' | dd of='%s/.cgv/manifest' bs=1 seek=40 conv=notrunc status=none", dir);
  run(cmd);
  struct cgv_volume *v;
  int r = cgv_mount(&v, dir, KEY, report, &s, err);
  CHECK(r == -EIO && strstr(err, "fails authentication"), "a changed manifest is refused: %d %s", r, err);
  /* another key */
  struct service s2 = {CGV_TAG_EMPTY, "", 0};
  setup_two(&s2, names);
  unsigned char other[32];
  memcpy(other, KEY, 32);
  other[0] ^= 1;
  r = cgv_mount(&v, dir, other, report, &s2, err);
  CHECK(r == -EIO, "another key cannot mount: %d", r);
  printf("ok manifest-tamper: %s\n", err);
}

/* the whole folder put back from an older copy: it mounts (it is authentic) but its tag is not the service's */
static void case_rollback(void) {
  struct service s = {CGV_TAG_EMPTY, "", 0};
  char names[8][64], cmd[20000];
  setup_two(&s, names);
  snprintf(cmd, sizeof cmd, "rm -rf '%s.old' && cp -a '%s' '%s.old'", dir, dir, dir);
  run(cmd);
  struct cgv_volume *v = mount_or_die(&s);
  CHECK(service_open(&s, cgv_tag(v)) == 0, "start");
  write_file(v, "a", (const unsigned char *)"v2", 2);
  cgv_unmount(v);
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mv '%s.old' '%s'", dir, dir, dir);
  run(cmd);
  v = mount_or_die(&s);
  CHECK(service_open(&s, cgv_tag(v)) != 0, "the older folder's tag %s is refused (service at %s)", cgv_tag(v), s.tag);
  cgv_unmount(v);
  printf("ok rollback\n");
}

static void case_writer(void) {
  struct service s = {CGV_TAG_EMPTY, "", 0};
  fresh();
  struct cgv_volume *v = mount_or_die(&s), *w;
  char err[256] = "";
  pid_t pid = fork();
  if (pid == 0) _exit(cgv_mount(&w, dir, KEY, report, &s, err) == -EBUSY && strstr(err, "another writer") ? 0 : 1);
  int st;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a second process cannot mount the volume");
  cgv_unmount(v);
  /* a plaintext folder is not a volume */
  char path[8200];
  snprintf(path, sizeof path, "%s/plain.txt", dir);
  FILE *fp = fopen(path, "w");
  fputs("x", fp);
  fclose(fp);
  snprintf(path, sizeof path, "rm -rf '%s/.cgv'", dir);
  run(path);
  CHECK(cgv_mount(&w, dir, KEY, report, &s, err) == -ENOTEMPTY, "a folder with files but no manifest is refused");
  printf("ok writer: %s\n", err);
}

/* Files f0..f3; version k of a file: 8-byte header (k, length) then a pattern of length 1000 + (k * 7919) % 60000.
 * The child writes versions in a loop (write in pieces, fsync, then tells the parent "file k"); the parent kills it
 * at a random moment; after each kill every file must be a complete version, not older than the last one the child
 * reported as fsynced. */
static size_t version_len(unsigned k) { return 8 + 1000 + (k * 7919u) % 60000u; }
static void version_bytes(unsigned file, unsigned k, unsigned char *p, size_t n) {
  pattern(p, n, file * 100003u + k);
  memcpy(p, &k, 4);
  uint32_t len = (uint32_t)n;
  memcpy(p + 4, &len, 4);
}

static void case_crash(int kills) {
  fresh();
  unsigned last[4] = {0, 0, 0, 0}, next = 1;
  unsigned char *buf = malloc(70000), *want = malloc(70000);
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  int reported = 0;
  for (int kill_no = 0; kill_no < kills; kill_no++) {
    int pfd[2];
    CHECK(pipe(pfd) == 0, "pipe");
    pid_t pid = fork();
    if (pid == 0) {
      close(pfd[0]);
      struct cgv_volume *v;
      char err[256];
      if (cgv_mount(&v, dir, KEY, NULL, NULL, err) != 0) _exit(3);
      for (unsigned k = next;; k++) {
        unsigned file = k % 4;
        size_t n = version_len(k);
        version_bytes(file, k, buf, n);
        char rel[8];
        snprintf(rel, sizeof rel, "f%u", file);
        struct cgv_file *f;
        if (cgv_open(v, rel, O_RDWR | O_CREAT, 0600, &f) != 0) _exit(4);
        for (size_t o = 0; o < n; o += 3000) if (cgv_pwrite(f, buf + o, n - o < 3000 ? n - o : 3000, o) < 0) _exit(6);
        if (cgv_ftruncate(f, n) != 0) _exit(5);
        if (cgv_fsync(f) != 0) _exit(7);
        char line[32];
        int len = snprintf(line, sizeof line, "%u %u\n", file, k);
        if (write(pfd[1], line, (size_t)len) != len) _exit(8);
        if (cgv_close(f) != 0) _exit(9);
      }
    }
    close(pfd[1]);
    FILE *rp = fdopen(pfd[0], "r");
    unsigned file, k;
    /* the kill lands at a random point after the writer's first fsynced version, however slow the machine is:
     * every kill interrupts a writer that is making progress */
    if (fscanf(rp, "%u %u", &file, &k) == 2 && file < 4) {
      last[file] = k;
      reported++;
    }
    usleep((useconds_t)(rand() % 30000));
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st), "the writer ended by itself (status %d)", WEXITSTATUS(st));
    while (fscanf(rp, "%u %u", &file, &k) == 2 && file < 4) {
      last[file] = k;
      reported++;
    }
    fclose(rp);
    struct cgv_volume *v;
    char err[256];
    int r = cgv_mount(&v, dir, KEY, NULL, NULL, err);
    CHECK(r == 0, "mount after kill %d: %s", kill_no, err);
    for (unsigned f = 0; f < 4; f++) {
      char rel[8];
      snprintf(rel, sizeof rel, "f%u", f);
      unsigned char *got;
      size_t n;
      r = read_file(v, rel, &got, &n);
      if (r == -ENOENT || (r == 0 && n == 0)) {
        CHECK(last[f] == 0, "f%u lost its fsynced version %u after kill %d", f, last[f], kill_no);
        if (r == 0) free(got);
        continue;
      }
      CHECK(r == 0, "f%u unreadable after kill %d: %s", f, kill_no, strerror(-r));
      unsigned ver;
      uint32_t len;
      CHECK(n >= 8, "f%u: %zu bytes, torn", f, n);
      memcpy(&ver, got, 4);
      memcpy(&len, got + 4, 4);
      CHECK(ver % 4 == f && len == n && n == version_len(ver), "f%u: torn (%zu bytes, header says %u, version %u)", f, n, len, ver);
      version_bytes(f, ver, want, n);
      CHECK(memcmp(got, want, n) == 0, "f%u: version %u has wrong bytes", f, ver);
      CHECK(ver >= last[f], "f%u: version %u is older than the fsynced %u", f, ver, last[f]);
      if (ver >= next) next = ver + 1;
      free(got);
    }
    for (int f = 0; f < 4; f++) if (last[f] >= next) next = last[f] + 1;
    cgv_unmount(v);
  }
  free(buf);
  free(want);
  printf("ok crash: %d kills, %d fsynced versions, every file a complete version not older than its last fsync\n", kills, reported);
}

/* hard links: two names of one file share its data and attributes, across a remount; the data goes with the last name */
static void case_links(void) {
  struct service s = {CGV_TAG_EMPTY, "", 0};
  fresh();
  struct cgv_volume *v = mount_or_die(&s);
  pattern(big, 3 * CGV_CHUNK, 5);
  write_file(v, "a", big, 3 * CGV_CHUNK);
  CHECK(cgv_mkdir(v, "d", 0700) == 0 && cgv_link(v, "a", "d/b") == 0, "link a to d/b");
  CHECK(cgv_link(v, "a", "d/b") == -EEXIST && cgv_link(v, "d", "e") == -EPERM && cgv_link(v, "none", "e") == -ENOENT &&
        cgv_link(v, "a", "no/e") == -ENOENT, "link errors: EEXIST, EPERM for a directory, ENOENT");
  struct cgv_stat sa, sb;
  CHECK(cgv_stat(v, "a", &sa) == 0 && cgv_stat(v, "d/b", &sb) == 0 && sa.ino == sb.ino && sa.nlink == 2 && sb.nlink == 2, "one inode, two links");
  struct cgv_file *f;
  CHECK(cgv_open(v, "d/b", O_WRONLY, 0, &f) == 0 && cgv_pwrite(f, "LINKED", 6, 5000) == 6 && cgv_close(f) == 0, "write through d/b");
  CHECK(cgv_setattr(v, "a", 0604, CGV_MTIME_KEEP, CGV_MTIME_KEEP) == 0 && cgv_stat(v, "d/b", &sb) == 0 && sb.mode == (S_IFREG | 0604), "chmod through a shows at d/b");
  CHECK(cgv_rename(v, "a", "d/b") == 0 && cgv_stat(v, "a", &sa) == 0, "rename onto another name of the same file does nothing");
  CHECK(cgv_unmount(v) == 0, "unmount");
  v = mount_or_die(&s);
  unsigned char *got;
  size_t n;
  memcpy(big + 5000, "LINKED", 6);
  CHECK(read_file(v, "a", &got, &n) == 0 && n == 3 * CGV_CHUNK && memcmp(got, big, n) == 0, "a after remount holds what d/b wrote");
  free(got);
  CHECK(cgv_stat(v, "a", &sa) == 0 && cgv_stat(v, "d/b", &sb) == 0 && sa.ino == sb.ino && sb.nlink == 2 && sb.mode == (S_IFREG | 0604), "still one inode after remount");
  CHECK(cgv_open(v, "a", O_RDONLY, 0, &f) == 0, "open a");
  CHECK(cgv_unlink(v, "a") == 0 && cgv_stat(v, "d/b", &sb) == 0 && sb.nlink == 1, "unlink a: d/b stays, one link");
  char buf[8];
  CHECK(cgv_pread(f, buf, 6, 5000) == 6 && memcmp(buf, "LINKED", 6) == 0 && cgv_close(f) == 0, "the open a reads on");
  CHECK(read_file(v, "d/b", &got, &n) == 0 && n == 3 * CGV_CHUNK && memcmp(got, big, n) == 0, "d/b keeps the data");
  free(got);
  char names[8][64];
  CHECK(objects(names) == 1, "one object for the two names");
  CHECK(cgv_unlink(v, "d/b") == 0 && cgv_commit(v) == 0 && objects(names) == 0, "the last name's unlink removes the object");
  CHECK(cgv_unmount(v) == 0, "unmount");
  printf("ok links\n");
}

int main(int argc, char **argv) {
  if (argc < 3) fail("usage: volume_test <scratch folder> <case> [args]");
  if (strlen(argv[1]) > 900) fail("scratch folder path too long");
  snprintf(dir, sizeof dir, "%s/vol", argv[1]);
  const char *c = argv[2];
  if (strcmp(c, "basic") == 0) { fresh(); case_basic(); }
  else if (strcmp(c, "tamper") == 0) case_tamper();
  else if (strcmp(c, "swap") == 0) case_swap();
  else if (strcmp(c, "truncate") == 0) case_truncate();
  else if (strcmp(c, "chunk-rollback") == 0) case_chunk_rollback();
  else if (strcmp(c, "manifest-tamper") == 0) case_manifest_tamper();
  else if (strcmp(c, "rollback") == 0) case_rollback();
  else if (strcmp(c, "writer") == 0) case_writer();
  else if (strcmp(c, "links") == 0) case_links();
  else if (strcmp(c, "crash") == 0) case_crash(argc > 3 ? atoi(argv[3]) : 100);
  else fail("unknown case %s", c);
  return 0;
}
