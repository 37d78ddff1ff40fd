import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from './oci-store.js';
import { startCacheServer, type CacheServer } from './server.js';

const RW = 'rw-token-0123456789abcdef';
const RO = 'ro-token-0123456789abcdef';
let server: CacheServer | undefined;
const lines: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  lines.length = 0;
});

async function start() {
  const store = new MemoryStore();
  server = await startCacheServer({ store, readWriteToken: RW, readOnlyToken: RO, log: (l) => lines.push(l) });
  const call = (method: string, hash: string, token?: string, body?: string) =>
    fetch(`${server!.url}/v1/cache/${hash}`, { method, ...(body === undefined ? {} : { body }), headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { store, call };
}

describe('the Nx remote cache API', () => {
  it('stores an entry once and serves it back', async () => {
    const { call } = await start();
    expect((await call('GET', '123', RW)).status).toBe(404);
    expect((await call('PUT', '123', RW, 'tar bytes')).status).toBe(200);
    const got = await call('GET', '123', RO);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('tar bytes');
    // never overwritten
    expect((await call('PUT', '123', RW, 'other bytes')).status).toBe(409);
    expect(await (await call('GET', '123', RW)).text()).toBe('tar bytes');
  });

  it('refuses without a valid token, and a read-only token may not write', async () => {
    const { call, store } = await start();
    expect((await call('GET', '1')).status).toBe(401);
    expect((await call('GET', '1', 'wrong-token-0123456789')).status).toBe(401);
    expect((await call('PUT', '1', RO, 'x')).status).toBe(403);
    expect(store.entries.size).toBe(0);
  });

  it('refuses a hash that is not a cache key and routes nothing else', async () => {
    const { call } = await start();
    expect((await call('GET', '..%2Fetc', RW)).status).toBe(400);
    expect((await fetch(`${server!.url}/v2/`)).status).toBe(404);
    expect((await call('DELETE', '1', RW)).status).toBe(405);
  });

  it('logs method, hash, status and size, never a token', async () => {
    const { call } = await start();
    await call('PUT', '77', RW, 'abc');
    await call('GET', '77', RO);
    expect(lines).toEqual([expect.stringMatching(/^nx-cache PUT \/v1\/cache\/77 200 3 bytes/), expect.stringMatching(/^nx-cache GET \/v1\/cache\/77 200 3 bytes/)]);
    expect(lines.join('\n')).not.toMatch(/token/);
  });
});
