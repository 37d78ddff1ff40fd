/* binaryfs runtime: the small JSON reader of measurement.json (launch.c's manifest check): the value of a member
 * of an object, a string value without escapes, 64 hex digits. Reads a NUL-terminated buffer; never allocates. */
#include <string.h>
#include "bfs.h"

const char *bfs_json_ws(const char *p) { while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++; return p; }
static const char *skip_string(const char *p) {
  if (*p != '"') return NULL;
  for (p++; *p && *p != '"'; p++) if (*p == '\\' && p[1]) p++;
  return *p == '"' ? p + 1 : NULL;
}
const char *bfs_json_skip(const char *p) {
  p = bfs_json_ws(p);
  if (*p == '"') return skip_string(p);
  if (*p == '{' || *p == '[') {
    char close = *p == '{' ? '}' : ']';
    p = bfs_json_ws(p + 1);
    if (*p == close) return p + 1;
    for (;;) {
      if (close == '}') { p = skip_string(bfs_json_ws(p)); if (!p) return NULL; p = bfs_json_ws(p); if (*p != ':') return NULL; p++; }
      p = bfs_json_skip(p);
      if (!p) return NULL;
      p = bfs_json_ws(p);
      if (*p == ',') { p++; continue; }
      if (*p == close) return p + 1;
      return NULL;
    }
  }
  while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n') p++;
  return p;
}
/* value of key in the object starting at obj ('{'), or NULL */
const char *bfs_json_member(const char *obj, const char *key) {
  const char *p = bfs_json_ws(obj);
  if (*p != '{') return NULL;
  p = bfs_json_ws(p + 1);
  size_t kl = strlen(key);
  while (*p == '"') {
    const char *k = p + 1, *e = skip_string(p);
    if (!e) return NULL;
    p = bfs_json_ws(e);
    if (*p != ':') return NULL;
    p = bfs_json_ws(p + 1);
    if ((size_t)(e - 1 - k) == kl && memcmp(k, key, kl) == 0) return p;
    p = bfs_json_skip(p);
    if (!p) return NULL;
    p = bfs_json_ws(p);
    if (*p == ',') p = bfs_json_ws(p + 1);
  }
  return NULL;
}
/* copies a simple JSON string value (no escapes needed for hex and file names) */
int bfs_json_string(const char *v, char *out, size_t n) {
  if (!v || *v != '"') return -1;
  const char *e = skip_string(v);
  if (!e || (size_t)(e - v - 2) >= n) return -1;
  memcpy(out, v + 1, (size_t)(e - v - 2));
  out[e - v - 2] = '\0';
  return strchr(out, '\\') ? -1 : 0;
}

int bfs_unhex(const char *hex, unsigned char out[32]) {
  if (strlen(hex) != 64) return -1;
  for (int i = 0; i < 32; i++) {
    unsigned v = 0;
    for (int j = 0; j < 2; j++) {
      char c = hex[2 * i + j];
      v = v * 16 + (unsigned)(c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99);
    }
    if (v > 255) return -1;
    out[i] = (unsigned char)v;
  }
  return 0;
}
