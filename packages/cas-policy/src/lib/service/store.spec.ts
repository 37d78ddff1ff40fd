import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore, sessionHash, storeFileName } from './store.js';

describe('SessionStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cas-policy-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, refuses a second create, updates with the right predecessor only', async () => {
    const store = new SessionStore(dir);
    const created = await store.put('caddy', 'a', undefined);
    expect(created).toMatchObject({ status: 'created', record: { name: 'caddy', hash: sessionHash('a'), session: 'a' } });
    expect(await store.put('caddy', 'b', undefined)).toMatchObject({ status: 'conflict', current: sessionHash('a') });
    expect(await store.put('caddy', 'b', sessionHash('x'))).toMatchObject({ status: 'conflict' });
    expect(await store.put('caddy', 'b', sessionHash('a'))).toMatchObject({ status: 'updated', record: { hash: sessionHash('b') } });
    expect(await store.put('ghost', 'c', sessionHash('a'))).toMatchObject({ status: 'conflict', message: 'session "ghost" does not exist; remove predecessor to create it' });
    // a fresh instance (a restarted service) reads what the first one wrote
    expect(await new SessionStore(dir).get('caddy')).toMatchObject({ session: 'b', createdAt: (created as { record: { createdAt: string } }).record.createdAt });
    expect(readdirSync(dir)).toEqual(['caddy.json']);
    expect(JSON.parse(readFileSync(join(dir, 'caddy.json'), 'utf8'))).toMatchObject({ name: 'caddy', hash: sessionHash('b') });
  });

  it('two store instances on one folder: concurrent creates have exactly one winner', async () => {
    const a = new SessionStore(dir);
    const b = new SessionStore(dir);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).put('race', `body ${i}`, undefined)));
    expect(results.filter((r) => r.status === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'conflict')).toHaveLength(19);
    expect(readdirSync(dir)).toEqual(['race.json']);
  });

  it('maps session names to safe file names', () => {
    expect(storeFileName('caddy')).toBe('caddy.json');
    expect(storeFileName('ns/a.b~c')).toBe('ns%2Fa%2Eb%7Ec.json');
  });
});
