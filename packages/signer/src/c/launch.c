/* binaryfs runtime, the launch client (sim backend), run by the constructor (init.c) before main:
 *  1. re-measure: SHA-256 of /proc/self/exe and of this extension, compared with the manifest
 *     (measurement.json); a mismatch names the binary or the extension and exits non-zero;
 *  2. fetch the launch answer of SCONE_CONFIG_ID from the policy service (SCONE_CAS_ADDR, default cas:8081)
 *     presenting the measurement: GET /v1/launch/<session>/<service>?measurement=<hex>; 403 refuses;
 *  3. re-exec /proc/self/exe with exactly the policy's argv/env (+ the runtime's own variables) when they differ;
 *  4. return the policy's injected files (`file` lines) and volumes (`volume` lines) to the caller, which hands them
 *     to the interposer and mounts them (vfs.c); the volumes' tag checks and commit reports go through here too
 *     (POST /v1/volumes/<session>/<volume>/{open,tag}).
 * The answer's buffer is wiped once parsed. Uses libc.c, sha256.c, json.c (the manifest) and http.c (the request).
 * Environment read: SCONE_CONFIG_ID, SCONE_CAS_ADDR, CONFIDENTIAL_MANIFEST, CONFIDENTIAL_SIM_CAS_TIMEOUT. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bfs.h"

#define MEASUREMENT_TAG "confidential-sim-measurement-v1\n"

#define die bfs_die

/* whole file into a malloc'ed, NUL-terminated buffer */
static char *slurp(const char *path, size_t *len) {
  int fd = REAL(openat)(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return NULL;
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap + 1);
  for (;;) {
    if (n == cap) { cap *= 2; char *nb = realloc(buf, cap + 1); if (!nb) { free(buf); REAL(close)(fd); return NULL; } buf = nb; }
    ssize_t r = REAL(read)(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { free(buf); REAL(close)(fd); return NULL; }
    if (r == 0) break;
    n += (size_t)r;
  }
  REAL(close)(fd);
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

static int sha256_file(const char *path, unsigned char out[32]) {
  int fd = REAL(openat)(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct bfs_sha256 c;
  bfs_sha256_init(&c);
  static unsigned char buf[1 << 16];
  for (;;) {
    ssize_t r = REAL(read)(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { REAL(close)(fd); return -1; }
    if (r == 0) break;
    bfs_sha256_update(&c, buf, (size_t)r);
  }
  REAL(close)(fd);
  bfs_sha256_final(&c, out);
  return 0;
}

/* the file this extension was loaded from, from /proc/self/maps */
static int own_path(char *out, size_t n) {
  char *maps = slurp("/proc/self/maps", NULL);
  if (!maps) return -1;
  unsigned long me = (unsigned long)(uintptr_t)&bfs_launch;
  int found = -1;
  for (char *line = maps; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && me >= lo && me < hi) {
      char *p = strchr(line, '/');
      if (p && strlen(p) < n) { strcpy(out, p); found = 0; }
      break;
    }
    line = nl ? nl + 1 : NULL;
  }
  free(maps);
  return found;
}

static const char *base_name(const char *p) { const char *s = strrchr(p, '/'); return s ? s + 1 : p; }

/* ---- launch configuration ---- */
struct strv { char **v; size_t n, cap; };
static void strv_push(struct strv *s, char *x) {
  if (s->n + 2 > s->cap) { s->cap = s->cap ? s->cap * 2 : 16; s->v = realloc(s->v, s->cap * sizeof *s->v); if (!s->v) die("out of memory"); }
  s->v[s->n++] = x;
  s->v[s->n] = NULL;
}

static int hexval(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }
static char *pct_decode(const char *s, size_t n) {
  char *out = malloc(n + 1), *o = out;
  if (!out) die("out of memory");
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) { free(out); return NULL; }
      *o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      *o++ = s[i];
    }
  }
  *o = '\0';
  return out;
}

struct launch {
  struct strv args, env;
  char *pwd;
  struct bfs_file *files;
  size_t n_files, cap_files;
  struct bfs_volume *volumes;
  size_t n_volumes;
};

static int b64val(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
}
/* standard base64 with padding; NULL when malformed */
static unsigned char *b64_decode(const char *s, size_t n, size_t *out_len) {
  if (n % 4) return NULL;
  unsigned char *out = malloc(n / 4 * 3 + 1);
  if (!out) die("out of memory");
  size_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    int v[4], pad = 0;
    for (int k = 0; k < 4; k++) {
      unsigned char c = (unsigned char)s[i + k];
      if (c == '=' && i + 4 == n && k >= 2) { v[k] = 0; pad++; continue; }
      if (pad || (v[k] = b64val(c)) < 0) { free(out); return NULL; }
    }
    if (pad == 1 && s[i + 3] != '=') { free(out); return NULL; }
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    out[o++] = (unsigned char)(w >> 16);
    if (pad < 2) out[o++] = (unsigned char)(w >> 8);
    if (pad < 1) out[o++] = (unsigned char)w;
  }
  *out_len = o;
  return out;
}

/* file <path> <mode: 4 octal digits> <base64> */
static void parse_file(const char *p, size_t n, struct launch *l, const char *cfg, int line_no) {
  const char *e = p + n, *sp1 = memchr(p, ' ', n);
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1)) : NULL;
  uint32_t mode = 0;
  int ok = sp2 && sp2 - sp1 == 5;
  for (const char *m = sp1 + 1; ok && m < sp2; m++) {
    if (*m < '0' || *m > '7') ok = 0;
    else mode = mode * 8 + (uint32_t)(*m - '0');
  }
  if (!ok) die("policy for %s: launch line %d: expected file <path> <4 octal digits> <base64>", cfg, line_no);
  char *path = pct_decode(p, (size_t)(sp1 - p));
  if (!path || path[0] != '/') die("policy for %s: launch line %d: expected an absolute path after \"file\"", cfg, line_no);
  size_t size = 0;
  unsigned char *data = b64_decode(sp2 + 1, (size_t)(e - sp2 - 1), &size);
  if (!data) die("policy for %s: launch line %d: the content of %s is not base64", cfg, line_no, path);
  if (l->n_files == l->cap_files) {
    l->cap_files = l->cap_files ? l->cap_files * 2 : 4;
    l->files = realloc(l->files, l->cap_files * sizeof *l->files);
    if (!l->files) die("out of memory");
  }
  l->files[l->n_files++] = (struct bfs_file){ path, mode, data, size };
}

/* volume <name> <path> <64 hex key> <64 hex token> (name and path percent-encoded) */
static void parse_volume(const char *p, size_t n, struct launch *l, const char *cfg, int line_no) {
  const char *e = p + n, *f[4];
  size_t len[4];
  int k = 0;
  for (const char *q = p; k < 4 && q <= e;) {
    const char *sp = memchr(q, ' ', (size_t)(e - q));
    f[k] = q;
    len[k++] = (size_t)((sp ? sp : e) - q);
    q = sp ? sp + 1 : e + 1;
  }
  struct bfs_volume v;
  memset(&v, 0, sizeof v);
  int ok = k == 4 && f[3] + len[3] == e && len[2] == 64 && len[3] == 64 && len[0] && len[1];
  if (ok) {
    char hex[65];
    memcpy(hex, f[2], 64);
    hex[64] = '\0';
    ok = bfs_unhex(hex, v.key) == 0;
    explicit_bzero(hex, sizeof hex);
    for (size_t i = 0; ok && i < 64; i++) ok = hexval(f[3][i]) >= 0;
  }
  if (!ok) die("policy for %s: launch line %d: expected volume <name> <path> <64 hex key> <64 hex token>", cfg, line_no);
  memcpy(v.token, f[3], 64);
  v.name = pct_decode(f[0], len[0]);
  v.path = pct_decode(f[1], len[1]);
  if (!v.name || !v.path || v.path[0] != '/') die("policy for %s: launch line %d: expected an absolute volume path", cfg, line_no);
  l->volumes = realloc(l->volumes, (l->n_volumes + 1) * sizeof *l->volumes);
  if (!l->volumes) die("out of memory");
  l->volumes[l->n_volumes++] = v;
  explicit_bzero(&v, sizeof v);
}

static void parse_launch(const char *body, size_t len, struct launch *l, const char *cfg) {
  memset(l, 0, sizeof *l);
  const char *p = body, *end = body + len;
  int line_no = 0, ended = 0;
  while (p < end && !ended) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    size_t n = (size_t)(le - p);
    if (n && p[n - 1] == '\r') n--;
    line_no++;
    if (line_no == 1) {
      if (n != 22 || memcmp(p, "confidential-launch v1", 22) != 0) die("policy for %s: launch text does not start with \"confidential-launch v1\"", cfg);
    } else if (n == 3 && memcmp(p, "end", 3) == 0) {
      ended = 1;
    } else if (n >= 4 && memcmp(p, "arg ", 4) == 0) {
      char *v = pct_decode(p + 4, n - 4);
      if (!v) die("policy for %s: bad percent-encoding on launch line %d", cfg, line_no);
      strv_push(&l->args, v);
    } else if (n >= 4 && memcmp(p, "env ", 4) == 0) {
      char *v = pct_decode(p + 4, n - 4);
      if (!v || !strchr(v, '=') || v[0] == '=') die("policy for %s: launch line %d: expected env NAME=value", cfg, line_no);
      strv_push(&l->env, v);
    } else if (n >= 5 && memcmp(p, "file ", 5) == 0) {
      parse_file(p + 5, n - 5, l, cfg, line_no);
    } else if (n >= 7 && memcmp(p, "volume ", 7) == 0) {
      parse_volume(p + 7, n - 7, l, cfg, line_no);
    } else if (n >= 4 && memcmp(p, "pwd ", 4) == 0) {
      l->pwd = pct_decode(p + 4, n - 4);
      if (!l->pwd || l->pwd[0] != '/') die("policy for %s: launch line %d: expected pwd /absolute/path", cfg, line_no);
    } else if (n == 0) {
      /* blank line */
    } else {
      die("policy for %s: launch line %d: unknown directive \"%.*s\"", cfg, line_no, (int)(n > 40 ? 40 : n), p);
    }
    p = nl ? nl + 1 : end;
  }
  if (!ended) die("policy for %s: launch text has no \"end\" line (truncated?)", cfg);
  if (l->args.n == 0) die("policy for %s: launch text has no arg line", cfg);
}

static void url_path(const char *cfg, char *out, size_t n) {
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)cfg; *p; p++) {
    if (o + 4 >= n) die("SCONE_CONFIG_ID too long");
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) out[o++] = (char)*p;
    else o += (size_t)snprintf(out + o, n - o, "%%%02X", *p);
  }
  out[o] = '\0';
}

static const char *const RUNTIME_VARS[] = { "SCONE_CONFIG_ID", "SCONE_CAS_ADDR", "CONFIDENTIAL_MANIFEST",
                                             "CONFIDENTIAL_SIM_CAS_TIMEOUT", "LD_LIBRARY_PATH", NULL };

static int has_var(const struct strv *env, const char *name) {
  size_t nl = strlen(name);
  for (size_t i = 0; i < env->n; i++) if (strncmp(env->v[i], name, nl) == 0 && env->v[i][nl] == '=') return 1;
  return 0;
}

static void split_nul(char *buf, size_t len, struct strv *out) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < len;) { strv_push(out, buf + i); i += strlen(buf + i) + 1; }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static int same_set(struct strv *a, struct strv *b) {
  if (a->n != b->n) return 0;
  qsort(a->v, a->n, sizeof *a->v, cmp_str);
  qsort(b->v, b->n, sizeof *b->v, cmp_str);
  for (size_t i = 0; i < a->n; i++) if (strcmp(a->v[i], b->v[i]) != 0) return 0;
  return 1;
}

static const char *cas_addr, *cas_config; /* for the volumes' reports */

void bfs_launch(struct bfs_launch_result *out) {
  memset(out, 0, sizeof *out);

  /* 1. re-measure */
  char ext[4096];
  if (own_path(ext, sizeof ext) != 0) die("cannot find the extension's own file in /proc/self/maps");
  char exe[4096];
  ssize_t el = REAL(readlink)("/proc/self/exe", exe, sizeof exe - 1);
  if (el <= 0) die("cannot read /proc/self/exe");
  exe[el] = '\0';
  const char *manifest_path = getenv("CONFIDENTIAL_MANIFEST");
  char guess[4200];
  if (!manifest_path || !*manifest_path) {
    snprintf(guess, sizeof guess, "%.*s/measurement.json", (int)(base_name(exe) - exe - 1), exe);
    if (REAL(access)(guess, R_OK) != 0) snprintf(guess, sizeof guess, "%.*s/measurement.json", (int)(base_name(ext) - ext - 1), ext);
    manifest_path = guess;
  }
  char *manifest = slurp(manifest_path, NULL);
  if (!manifest) die("cannot read the manifest %s (set CONFIDENTIAL_MANIFEST): %s", manifest_path, strerror(errno));
  char hex[65], want_hex[65];
  unsigned char bin_sha[32], ext_sha[32], want[32];
  if (sha256_file("/proc/self/exe", bin_sha) != 0) die("cannot read /proc/self/exe to measure it");
  const char *binary = bfs_json_member(manifest, "binary");
  if (bfs_json_string(binary ? bfs_json_member(binary, "sha256") : NULL, want_hex, sizeof want_hex) != 0 || bfs_unhex(want_hex, want) != 0)
    die("manifest %s: binary.sha256 missing or not 64 hex digits", manifest_path);
  bfs_hex(bin_sha, 32, hex);
  if (memcmp(bin_sha, want, 32) != 0)
    die("binary %s was modified: sha256 %s, the manifest %s records %s; refusing to start", exe, hex, manifest_path, want_hex);

  struct bfs_sha256 m;
  bfs_sha256_init(&m);
  bfs_sha256_update(&m, MEASUREMENT_TAG, strlen(MEASUREMENT_TAG));
  bfs_sha256_update(&m, bin_sha, 32);
  const char *exts = bfs_json_member(manifest, "extensions");
  if (!exts || *exts != '[') die("manifest %s: extensions missing", manifest_path);
  int own_seen = 0;
  const char *p = bfs_json_ws(exts + 1);
  while (*p == '{') {
    char path[1024];
    if (bfs_json_string(bfs_json_member(p, "path"), path, sizeof path) != 0 || bfs_json_string(bfs_json_member(p, "sha256"), want_hex, sizeof want_hex) != 0 ||
        bfs_unhex(want_hex, want) != 0)
      die("manifest %s: an extensions[] entry lacks path or sha256", manifest_path);
    if (strcmp(base_name(path), base_name(ext)) != 0)
      die("manifest %s: extension %s is not this runtime (%s); the sim backend supports its own extension only", manifest_path, path, ext);
    if (sha256_file(ext, ext_sha) != 0) die("cannot read the extension %s to measure it", ext);
    bfs_hex(ext_sha, 32, hex);
    if (memcmp(ext_sha, want, 32) != 0)
      die("extension %s was modified: sha256 %s, the manifest %s records %s; refusing to start", ext, hex, manifest_path, want_hex);
    bfs_sha256_update(&m, ext_sha, 32);
    own_seen = 1;
    p = bfs_json_skip(p);
    if (!p) break;
    p = bfs_json_ws(p);
    if (*p == ',') p = bfs_json_ws(p + 1);
  }
  if (!own_seen) die("manifest %s: extension %s is not listed", manifest_path, ext);
  bfs_sha256_update(&m, __binaryfs_header.options_sha256, 32);
  unsigned char meas[32];
  bfs_sha256_final(&m, meas);
  char meas_hex[65];
  bfs_hex(meas, 32, meas_hex);
  if (bfs_json_string(bfs_json_member(manifest, "measurement"), want_hex, sizeof want_hex) != 0 || strcmp(want_hex, meas_hex) != 0)
    die("measurement %s differs from the manifest's %s (%s): the signing options were changed; refusing to start", meas_hex,
        want_hex, manifest_path);
  free(manifest);

  /* 2. launch configuration from the policy service */
  const char *cfg = getenv("SCONE_CONFIG_ID");
  if (!cfg || !*cfg || !strchr(cfg, '/'))
    die("SCONE_CONFIG_ID must name <session>/<service>: the command line and environment come from that policy; refusing to start");
  const char *addr = getenv("SCONE_CAS_ADDR");
  if (!addr || !*addr) addr = "cas:8081";
  char target[1024], enc[700];
  url_path(cfg, enc, sizeof enc);
  snprintf(target, sizeof target, "/v1/launch/%s?measurement=%s", enc, meas_hex);
  int status = 0;
  size_t blen = 0;
  char *body = bfs_http("GET", addr, target, NULL, &status, &blen);
  if (status != 200) { /* quoted in the message: one line */
    while (blen && (body[blen - 1] == '\n' || body[blen - 1] == '\r' || body[blen - 1] == ' ')) body[--blen] = '\0';
    for (size_t i = 0; i < blen; i++) if (body[i] == '\n' || body[i] == '\r') body[i] = ' ';
  }
  if (status == 403) die("the policy %s does not allow measurement %s (%s: %.300s); refusing to start", cfg, meas_hex, addr, body);
  if (status == 404) die("the policy service %s has no session/service %s (404: %.300s); refusing to start", addr, cfg, body);
  if (status != 200) die("the policy service %s answered %d for %s: %.300s; refusing to start", addr, status, cfg, body);
  struct launch l;
  parse_launch(body, blen, &l, cfg);
  explicit_bzero(body, blen);
  free(body);

  /* 3. argv/env from the policy */
  size_t len = 0, cmdlen = 0;
  char *cmd = slurp("/proc/self/cmdline", &cmdlen);
  char *envs = slurp("/proc/self/environ", &len);
  if (!cmd || !envs) die("cannot read /proc/self/cmdline or /proc/self/environ");
  struct strv cur_args, cur_env;
  split_nul(cmd, cmdlen, &cur_args);
  split_nul(envs, len, &cur_env);
  struct strv want_env = { 0, 0, 0 };
  for (size_t i = 0; i < l.env.n; i++) strv_push(&want_env, l.env.v[i]);
  for (const char *const *v = RUNTIME_VARS; *v; v++) {
    const char *val = getenv(*v);
    if (val && !has_var(&l.env, *v)) {
      size_t n = strlen(*v) + strlen(val) + 2;
      char *kv = malloc(n);
      if (!kv) die("out of memory");
      snprintf(kv, n, "%s=%s", *v, val);
      strv_push(&want_env, kv);
    }
  }
  int same_args = cur_args.n == l.args.n;
  for (size_t i = 0; same_args && i < l.args.n; i++) same_args = strcmp(cur_args.v[i], l.args.v[i]) == 0;
  struct strv env_copy = { 0, 0, 0 };
  for (size_t i = 0; i < want_env.n; i++) strv_push(&env_copy, want_env.v[i]);
  int same_env = same_set(&cur_env, &env_copy);
  if (l.pwd && chdir(l.pwd) != 0) die("policy %s: cannot change to pwd %s: %s", cfg, l.pwd, strerror(errno));
  if (!same_args || !same_env) {
    execve("/proc/self/exe", l.args.v, want_env.v);
    die("cannot re-exec /proc/self/exe with the policy's command line: %s", strerror(errno));
  }

  /* 4. the injected files, for the interposer */
  memcpy(out->measurement, meas_hex, sizeof out->measurement);
  out->config = cfg;
  out->files = l.files;
  out->n_files = l.n_files;
  out->volumes = l.volumes;
  out->n_volumes = l.n_volumes;
  cas_addr = addr;
  cas_config = cfg;
}

void bfs_launch_free(struct bfs_launch_result *l) {
  for (size_t i = 0; i < l->n_files; i++) {
    explicit_bzero(l->files[i].data, l->files[i].size);
    free(l->files[i].data);
    free(l->files[i].path);
  }
  free(l->files);
  l->files = NULL;
  l->n_files = 0;
  for (size_t i = 0; i < l->n_volumes; i++) explicit_bzero(l->volumes[i].key, sizeof l->volumes[i].key);
}

/* ---- volumes: POST /v1/volumes/<session>/<volume>/{open,tag} (form bodies) ---- */

static int volume_post(struct bfs_volume *v, const char *action, const char *form, char *why, size_t why_n) {
  char session[700], name[700], target[1600];
  const char *slash = strrchr(cas_config, '/');
  char sess_raw[600];
  snprintf(sess_raw, sizeof sess_raw, "%.*s", (int)(slash - cas_config), cas_config);
  url_path(sess_raw, session, sizeof session);
  url_path(v->name, name, sizeof name);
  snprintf(target, sizeof target, "/v1/volumes/%s/%s/%s", session, name, action);
  int status = 0;
  size_t blen = 0;
  char *body = bfs_http("POST", cas_addr, target, form, &status, &blen);
  while (blen && (body[blen - 1] == '\n' || body[blen - 1] == '\r' || body[blen - 1] == ' ')) body[--blen] = '\0';
  for (size_t i = 0; i < blen; i++) if (body[i] == '\n' || body[i] == '\r') body[i] = ' ';
  snprintf(why, why_n, "%d: %.300s", status, body);
  free(body);
  return status == 200 ? 0 : -1;
}

void bfs_volume_open(struct bfs_volume *v, const char *tag) {
  char form[200], why[400];
  snprintf(form, sizeof form, "token=%s&tag=%s", v->token, tag);
  int r = volume_post(v, "open", form, why, sizeof why);
  explicit_bzero(form, sizeof form);
  if (r != 0) die("volume %s at %s: the policy service %s refuses its start (%s); refusing to start", v->name, v->path, cas_addr, why);
}

int bfs_volume_report(void *volume, const char *previous, const char *next) {
  struct bfs_volume *v = volume;
  char form[300], why[400];
  snprintf(form, sizeof form, "token=%s&previous=%s&next=%s", v->token, previous, next);
  int r = volume_post(v, "tag", form, why, sizeof why);
  explicit_bzero(form, sizeof form);
  if (r != 0) die("volume %s at %s: the policy service %s refuses its new tag (%s); stopping", v->name, v->path, cas_addr, why);
  return 0;
}
