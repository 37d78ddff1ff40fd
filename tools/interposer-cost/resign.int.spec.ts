import { test } from 'vitest';
import { sign } from '@confidential/signer';
test('resign caddy', async () => {
  const out = process.env.RESIGN_OUT!;
  const r = await sign({
    backend: 'sim', binary: `${process.env.WORK}/native/caddy.native`, root: `${process.env.REPO}/dist/apps/caddy/site`, include: ['/caddy/*'],
    hostPaths: ['/root/.local/share/caddy/'], heap: '2g', syslibs: true, dlopen: false, libc: 'glibc',
    keyFile: `${process.env.WORK}/signer-key.pem`, outputDir: out,
  }, { log: (l) => console.log(l), cFlags: process.env.RESIGN_CFLAGS ? process.env.RESIGN_CFLAGS.split(' ') : [] });
  console.log('MEASUREMENT', r.measurement);
});
