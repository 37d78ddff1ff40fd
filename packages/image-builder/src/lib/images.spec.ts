import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImageJson, splitRepoTag, writeImageJson } from './images.js';

describe('splitRepoTag', () => {
  it.each([
    ['debian:bookworm', 'debian', 'bookworm'],
    ['127.0.0.1:5000/x/y:t1', '127.0.0.1:5000/x/y', 't1'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000/x', 'latest'],
    ['x:t@sha256:abc', 'x', 't'],
  ])('%s', (ref, repo, tag) => expect(splitRepoTag(ref)).toEqual({ repo, tag }));
});

describe('image.json', () => {
  it('round-trips and names the file and field of a bad record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imgjson-'));
    try {
      const record = { ref: 'a:b', id: `sha256:${'a'.repeat(64)}`, digest: null, size: 1, labels: {}, builtAt: '2026-01-01T00:00:00Z', go: '1.26.8' };
      await writeImageJson(join(dir, 'x/image.json'), record);
      expect(await readImageJson(join(dir, 'x/image.json'))).toEqual(record);
      await writeFile(join(dir, 'bad.json'), JSON.stringify({ ...record, id: 'abc' }));
      await expect(readImageJson(join(dir, 'bad.json'))).rejects.toThrow(`${join(dir, 'bad.json')} id: expected "sha256:" and 64 hex digits`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
