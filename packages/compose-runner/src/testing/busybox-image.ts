// Test support: a tiny image made offline from the host's static busybox (apt-get install busybox-static):
// a rootfs tar with /bin/busybox and one symlink per applet, `docker import`ed. Idempotent.
import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import tar from 'tar-stream';
import { docker } from '@confidential/image-builder';

export const BUSYBOX_IMAGE = 'confidential/compose-runner-test:busybox';

export async function ensureBusyboxImage(ref = BUSYBOX_IMAGE): Promise<string> {
  const client = docker();
  const found = await client.getImage(ref).inspect().then(() => true, () => false);
  if (found) return ref;
  const binary = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!binary) throw new Error('no static busybox on this host: apt-get install -y busybox-static');
  const applets = (await execa(binary, ['--list'])).stdout.split('\n').filter((a) => a && a !== 'busybox');
  const pack = tar.pack();
  for (const dir of ['bin', 'tmp', 'etc', 'out']) pack.entry({ name: dir, type: 'directory', mode: dir === 'tmp' ? 0o1777 : 0o755 });
  pack.entry({ name: 'bin/busybox', mode: 0o755 }, readFileSync(binary));
  for (const applet of applets) pack.entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox' });
  pack.entry({ name: 'etc/passwd', mode: 0o644 }, 'root:x:0:0:root:/root:/bin/sh\n');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  await execa('docker', ['import', '--change', 'ENV PATH=/bin', '--change', 'CMD ["/bin/sh"]', '-', ref], { input: Buffer.concat(chunks) });
  return ref;
}
