/* Test driver for bfs_normalize: reads "base<TAB>path" lines, prints the normalised path or "ERR <errno>". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../bfs.h"

int main(void) {
  static char line[3 * BFS_PATH_MAX], out[BFS_PATH_MAX];
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n') line[--n] = '\0';
    char *tab = strchr(line, '\t');
    if (!tab) { puts("ERR bad-input"); continue; }
    *tab = '\0';
    int r = bfs_normalize(line, tab + 1, out, sizeof out);
    if (r < 0) printf("ERR %d\n", -r); else printf("%s\n", out);
  }
  return 0;
}
