import { test } from 'vitest';
import { sign } from '@confidential/signer';
test('resign caddy', async () => {
  const out = process.env.RESIGN_OUT!;
  const r = await sign({
    backend: 'sim', binary: '/tmp/h14i/native/caddy.native', root: '/work/main/dist/apps/caddy/site', include: ['/caddy/*'],
    hostPaths: ['/root/.local/share/caddy/'], heap: '2g', syslibs: true, dlopen: false, libc: 'glibc',
    keyFile: '/tmp/h14i/signer-key.pem', outputDir: out,
  }, { log: (l) => console.log(l), cFlags: process.env.RESIGN_CFLAGS ? process.env.RESIGN_CFLAGS.split(' ') : [] });
  console.log('MEASUREMENT', r.measurement);
});
