// Integration: the file shield's storage layer (src/c/volume.c) on real files — compiled with the C flags of the
// runtime (-Werror, with AddressSanitizer and UBSan) against Debian's OpenSSL, then each case of
// src/c/test/volume_test.c in a scratch folder: tamper, swap, truncate, one file and the whole folder put back from
// an older copy, a changed manifest or another key, a second writer, and SIGKILL during a write loop.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C_FLAGS, C_SOURCE_DIR, run } from './toolchain.js';

let tmp: string;
let binary: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cgv-'));
  binary = join(tmp, 'volume_test');
  const flags = [...C_FLAGS.filter((f) => f !== '-fPIC'), '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g'];
  await run('gcc', [...flags, '-o', binary, join(C_SOURCE_DIR, 'volume.c'), join(C_SOURCE_DIR, 'test', 'volume_test.c'), '-lcrypto']);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const cases: [string, RegExp][] = [
  ['basic', /^ok basic tag [0-9a-f]{64}$/],
  ['tamper', /^ok tamper$/],
  ['swap', /^ok swap$/],
  ['truncate', /^ok truncate$/],
  ['chunk-rollback', /^ok chunk-rollback$/],
  ['manifest-tamper', /^ok manifest-tamper: the volume's manifest fails authentication/],
  ['rollback', /^ok rollback$/],
  ['writer', /^ok writer: volume folder .* holds files but no volume manifest/],
  ['links', /^ok links$/],
];

describe('encrypted volume storage (volume.c)', () => {
  it.each(cases)('%s', async (name, expected) => {
    const out = await run(binary, [join(tmp, name), name]);
    expect(out.trim()).toMatch(expected);
  });

  it('SIGKILL at 150 random points of a write loop: every file a complete written version, no fsynced one lost', async () => {
    const out = await run(binary, [join(tmp, 'crash'), 'crash', '150']);
    const m = /^ok crash: 150 kills, (\d+) fsynced versions/.exec(out.trim());
    expect(m, out).not.toBeNull();
    // at least one fsynced version per kill: the parent kills only after the writer's first one
    expect(Number(m?.[1])).toBeGreaterThan(150);
  });
});
