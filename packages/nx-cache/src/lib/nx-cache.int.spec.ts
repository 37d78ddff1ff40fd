// The shared cache for real: entries in Debian's docker-registry on loopback, and Nx itself (the workspace's
// nx, its native HTTP remote cache) on two "machines" — two workspaces with separate local caches that share only
// the server. The second takes the first one's task output from the remote cache.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type LocalRegistry } from '@confidential/image-builder';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciStore } from './oci-store.js';
import { startCacheServer, type CacheServer } from './server.js';

const workspaceRoot = join(import.meta.dirname, '../../../..');
const TOKEN = `t-${Math.random().toString(36).slice(2)}-${Date.now()}`;
let registry: LocalRegistry;
let server: CacheServer;
const log: string[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'nx-cache-int-'));

beforeAll(async () => {
  registry = await startRegistry();
  server = await startCacheServer({ store: new OciStore({ registry: `http://${registry.host}`, repository: 'nx-cache' }), readWriteToken: TOKEN, log: (l) => log.push(l) });
});
afterAll(async () => {
  await server?.close();
  await registry?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** A minimal Nx workspace whose one target writes a file from its input (cached). */
function workspace(name: string): string {
  const root = join(tmp, name);
  mkdirSync(join(root, 'lib'), { recursive: true });
  symlinkSync(join(workspaceRoot, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'ws', private: true }));
  writeFileSync(join(root, 'nx.json'), JSON.stringify({ neverConnectToCloud: true, useDaemonProcess: false }));
  writeFileSync(join(root, 'lib/input.txt'), 'shared input\n');
  writeFileSync(
    join(root, 'lib/project.json'),
    JSON.stringify({
      name: 'lib',
      targets: { make: { command: 'mkdir -p dist && tr a-z A-Z < lib/input.txt > dist/out.txt && echo made', inputs: ['{projectRoot}/input.txt'], outputs: ['{workspaceRoot}/dist'], cache: true } },
    }),
  );
  return root;
}

const nx = (root: string) =>
  execa(join(workspaceRoot, 'node_modules/.bin/nx'), ['run', 'lib:make', '--outputStyle=stream'], {
    cwd: root,
    reject: false,
    // a clean environment: nothing of an Nx run this test may itself run under (NX_WORKSPACE_ROOT, task variables)
    extendEnv: false,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: TOKEN, NX_CACHE_DIRECTORY: join(root, '.local-cache'), NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', CI: 'true' },
  });

describe('a shared Nx cache in the registry', () => {
  it('stores an entry as an OCI artifact and reads it back, checked against its digest', async () => {
    const store = new OciStore({ registry: `http://${registry.host}`, repository: 'nx-cache-store' });
    expect(await store.get('42')).toBeUndefined();
    expect(await store.put('42', Buffer.from('tar'))).toBe(true);
    expect(await store.put('42', Buffer.from('other'))).toBe(false);
    expect((await store.get('42'))?.toString()).toBe('tar');
    const tags = (await (await fetch(`http://${registry.host}/v2/nx-cache-store/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['42']);
  });

  it('gives a second workspace the first one\'s task output from the remote cache', async () => {
    const first = workspace('machine-a');
    const a = await nx(first);
    expect(a.exitCode, a.stdout + a.stderr).toBe(0);
    expect(a.stdout).toContain('made');
    expect(log.some((l) => /^nx-cache PUT \/v1\/cache\/\d+ 200/.test(l))).toBe(true);

    const second = workspace('machine-b');
    const b = await nx(second);
    expect(b.exitCode, b.stdout + b.stderr).toBe(0);
    expect(b.stdout).toMatch(/remote cache/i);
    expect(readFileSync(join(second, 'dist/out.txt'), 'utf8')).toBe('SHARED INPUT\n');
    expect(log.some((l) => /^nx-cache GET \/v1\/cache\/\d+ 200/.test(l))).toBe(true);
    // the token never reaches the output of either run or the server's log
    expect(`${a.stdout}${a.stderr}${b.stdout}${b.stderr}${log.join('\n')}`).not.toContain(TOKEN);
  });
});
