/* binaryfs runtime, top layer: the extension's constructor. libc's functions resolved first (libc.c), then the
 * launch client (launch.c: measure, policy answer, re-exec), then the policy's injected files handed to the
 * interposer (interpose.c), its volumes mounted (vfs.c; the policy service checks each one's tag) and its network
 * shield set up (net.c), then the simulation banner naming every volume and wrapped port. */
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
  char vols[600] = "";
  size_t vl = 0;
  for (size_t i = 0; i < l.n_volumes; i++) {
    struct bfs_volume *v = &l.volumes[i];
    const char *tag;
    char err[256];
    if (bfs_vfs_mount(v->name, v->path, v->key, bfs_volume_report, v, &tag, err) != 0)
      bfs_die("policy for %s: volume %s at %s: %s; refusing to start", l.config, v->name, v->path, err);
    bfs_volume_open(v, tag);
    int w = snprintf(vols + vl, sizeof vols - vl, "%s%s at %s", i ? ", " : ", encrypted volume ", v->name, v->path);
    if (w > 0 && (size_t)w < sizeof vols - vl) vl += (size_t)w;
  }
  extern char **environ;
  char net[600], nerr[256];
  if (bfs_net_configure(environ, l.files, l.n_files, net, sizeof net, nerr) != 0)
    bfs_die("policy for %s: network shield: %s; refusing to start", l.config, nerr);
  size_t injected = l.n_files;
  bfs_launch_free(&l);
  char banner[2000], files[64] = "";
  if (injected) snprintf(files, sizeof files, ", %zu injected file%s", injected, injected == 1 ? "" : "s");
  int bl = snprintf(banner, sizeof banner,
                    "confidential-sim: SIMULATION MODE \xe2\x80\x94 no hardware isolation (no SGX/TDX/SEV); measurement %s, config %s%s%s%s%s\n",
                    l.measurement, l.config, files, vols, net[0] ? ", network shield:" : "", net);
  if (bl > 0) REAL(write)(2, banner, (size_t)bl);
}
