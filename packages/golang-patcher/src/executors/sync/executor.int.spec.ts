// The daily job for real against a local registry on loopback: plan, build, verify, push all alias tags, sign the
// digest; the second run publishes nothing (full tags are never overwritten).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeImage, startRegistry, type LocalRegistry } from '@confidential/image-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTags } from '../../lib/registry-tags.js';
import { ImageSignature, verifyImageSignature } from '../../lib/sign-digest.js';
import { runSync } from './executor.js';

const root = join(import.meta.dirname, '../../../../..');

describe('golang-patcher:sync --execute', () => {
  let registry: LocalRegistry;
  const work = mkdtempSync(join(tmpdir(), 'sync-'));
  const tagsFile = join(work, 'upstream-tags.txt');
  const keyFile = join(work, 'key.pem');
  beforeAll(async () => {
    registry = await startRegistry();
    writeFileSync(tagsFile, '1.26.8-bookworm\n1.26.8-bullseye\n1.25.3-bookworm\n');
  });
  afterAll(async () => {
    await registry?.stop();
    for (const tag of ['1.26.8-bookworm', '1.26-bookworm', '1-bookworm', 'bookworm', '1.26.8', '1.26', '1', 'latest']) {
      await removeImage(`${registry.host}/confidential/golang:${tag}`).catch(() => false);
    }
  });

  it('publishes the new tag with its aliases, signed by digest, and never overwrites it', async () => {
    const target = `${registry.host}/confidential/golang`;
    const output = join(work, 'plan.json');
    await runSync({ upstream: 'golang', target, upstreamTagsFile: tagsFile, today: '2026-11-28', execute: true, keyFile, output }, root);
    const result = JSON.parse(readFileSync(output, 'utf8')) as { published: { from: string; digest: string; rawSites: number; signature: string }[]; skip: { tag: string; reason: string }[] };
    expect(result.published.map((p) => [p.from, p.rawSites])).toEqual([['1.26.8-bookworm', 0]]);
    expect(result.skip).toContainEqual({ tag: '1.26.8-bullseye', reason: 'bullseye reached end of life on 2026-08-31' });
    expect((await listTags(target)).sort()).toEqual(['1', '1-bookworm', '1.26', '1.26-bookworm', '1.26.8', '1.26.8-bookworm', 'bookworm', 'latest']);
    const sig = ImageSignature.parse(JSON.parse(readFileSync(result.published[0]!.signature, 'utf8')));
    expect(sig.digest).toBe(result.published[0]!.digest);
    expect(verifyImageSignature(sig)).toBe(true);

    const again = await runSync({ upstream: 'golang', target, upstreamTagsFile: tagsFile, today: '2026-11-28', execute: true, keyFile, output }, root);
    expect(again.build).toEqual([]);
    expect(again.skip).toContainEqual({ tag: '1.26.8-bookworm', reason: 'already published (full tags are never overwritten)' });
  });
});
