/* Lexical path normalisation for the binaryfs lookup (no symlink resolution: that is done per component
 * against the embedded tree in interpose.c). */
#include <errno.h>
#include <string.h>
#include "bfs.h"

int bfs_normalize(const char *base, const char *path, char *out, size_t outsz) {
  if (!path || !*path) return -EINVAL;
  if (outsz < 2) return -ENAMETOOLONG;
  size_t len = 0;
  out[len++] = '/';
  const char *parts[2] = { path[0] == '/' ? NULL : base, path };
  for (int p = 0; p < 2; p++) {
    const char *s = parts[p];
    if (!s) continue;
    while (*s) {
      while (*s == '/') s++;
      if (!*s) break;
      const char *e = s;
      while (*e && *e != '/') e++;
      size_t n = (size_t)(e - s);
      if (n == 1 && s[0] == '.') {
        /* skip */
      } else if (n == 2 && s[0] == '.' && s[1] == '.') {
        if (len > 1) { /* out is "/a/b/": drop "b/"; ".." of the root is the root */
          len--;
          while (len > 1 && out[len - 1] != '/') len--;
        }
      } else {
        if (len + n + 2 > outsz) return -ENAMETOOLONG;
        memcpy(out + len, s, n);
        len += n;
        out[len++] = '/';
      }
      s = e;
    }
  }
  if (len > 1) len--; /* no trailing slash except for the root */
  out[len] = '\0';
  return 0;
}
