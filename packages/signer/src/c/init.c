/* binaryfs runtime, top layer: the extension's constructor. libc's functions resolved first (libc.c), then the
 * launch client (launch.c: measure, policy answer, re-exec), then the policy's injected files handed to the
 * interposer (interpose.c), then the simulation banner. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include "bfs.h"

/* Referenced by the generated blob so that linking it with libbinary_fs_template.a pulls the runtime in. */
const char bfs_runtime_anchor[] = "binaryfs-runtime-v1";

__attribute__((constructor)) static void bfs_init(void) {
  static int started;
  if (started++) return;
  bfs_libc_resolve();
  if (__binaryfs_header.magic != BFS_MAGIC) bfs_die("binaryfs blob has a wrong magic number");
  struct bfs_launch_result l;
  bfs_launch(&l);
  for (size_t i = 0; i < l.n_files; i++)
    if (bfs_inject(l.files[i].path, l.files[i].mode, l.files[i].data, l.files[i].size) != 0)
      bfs_die("policy for %s: cannot inject %s: %s", l.config, l.files[i].path, strerror(errno));
  size_t injected = l.n_files;
  bfs_launch_free(&l);
  char banner[512], files[64] = "";
  if (injected) snprintf(files, sizeof files, ", %zu injected file%s", injected, injected == 1 ? "" : "s");
  int bl = snprintf(banner, sizeof banner,
                    "confidential-sim: SIMULATION MODE \xe2\x80\x94 no hardware isolation (no SGX/TDX/SEV); measurement %s, config %s%s\n",
                    l.measurement, l.config, files);
  if (bl > 0) REAL(write)(2, banner, (size_t)bl);
}
