// The daily job for real against a local registry on loopback, signed with the real cosign: the 2 × 2 glibc matrix
// (go1.26 and go1.27 on bookworm and trixie) plus musl, aliases by upstream's rules, every digest verified with
// `cosign verify --key`; a second run publishes nothing; a tag moved to an unsigned image fails verification; a
// key, a password or a registry that is wrong stops the job before anything is built or pushed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushImage, removeImage, startRegistry, tagImage, type LocalRegistry } from '@confidential/image-builder';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosignBinary, verifySignature } from '../../lib/cosign.js';
import { listTags, tagDigest } from '../../lib/registry-tags.js';
import { runImagesReadme } from '../images-readme/executor.js';
import { runSync } from './executor.js';

const root = join(import.meta.dirname, '../../../../..');
const PASSWORD = 'correct horse battery staple';

describe('golang-patcher:sync --execute', () => {
  let registry: LocalRegistry;
  let target = '';
  const work = mkdtempSync(join(tmpdir(), 'sync-'));
  const tagsFile = join(work, 'upstream-tags.txt');
  const key = join(work, 'cosign.key');
  const output = join(work, 'out', 'plan.json');
  const sync = (extra: Record<string, unknown> = {}) =>
    runSync({ upstream: 'golang', target, upstreamTagsFile: tagsFile, today: '2026-11-28', execute: true, signingKey: key, output, ...extra }, root);

  beforeAll(async () => {
    registry = await startRegistry();
    target = `${registry.host}/confidential/golang`;
    writeFileSync(tagsFile, ['1.26.8-bookworm', '1.26.8-trixie', '1.27.3-bookworm', '1.27.3-trixie', '1.26.8-bullseye', '1.25.3-bookworm', '1.27.3-alpine3.22', ''].join('\n'));
    process.env.COSIGN_PASSWORD = PASSWORD;
    const made = await execa(cosignBinary(), ['generate-key-pair', '--output-key-prefix', join(work, 'cosign')], { reject: false, env: { COSIGN_PASSWORD: PASSWORD } });
    expect(made.exitCode, made.stderr).toBe(0);
  });
  afterAll(async () => {
    await registry?.stop();
    delete process.env.COSIGN_PASSWORD;
  });

  it('a missing key, a wrong password, an unreachable registry: one sentence each, nothing built or pushed', async () => {
    await expect(sync({ signingKey: join(work, 'none.key') })).rejects.toThrow(`signing key ${join(work, 'none.key')}: no such file; create one with: cosign generate-key-pair`);
    await expect(sync({ signingKey: 'env://NO_SUCH_KEY_VARIABLE' })).rejects.toThrow('signing key env://NO_SUCH_KEY_VARIABLE: the environment variable NO_SUCH_KEY_VARIABLE is not set or empty');
    process.env.COSIGN_PASSWORD = 'wrong';
    await expect(sync()).rejects.toThrow(new RegExp(`^signing key ${key} cannot be opened: `));
    process.env.COSIGN_PASSWORD = PASSWORD;
    await expect(sync({ target: '127.0.0.1:9/confidential/golang' })).rejects.toThrow(/^Could not list the tags of 127\.0\.0\.1:9\/confidential\/golang at http:\/\/127\.0\.0\.1:9: /);
    expect(await listTags(target)).toEqual([]);
  });

  it('publishes the matrix with its aliases, each digest signed and verified by cosign; never overwrites', async () => {
    const logs: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => logs.push(a.join(' '));
    try {
      await sync();
    } finally {
      console.log = log;
    }
    const result = JSON.parse(readFileSync(output, 'utf8')) as { published: { image: string; digest: string; tags: string[]; rawSites: number }[]; skip: { tag: string; reason: string }[] };
    expect(result.published.map((p) => [p.tags[0], p.rawSites])).toEqual([
      ['1.26.8-bookworm', 0],
      ['1.26.8-trixie', 0],
      ['1.26.8-trixie-musl', 0],
      ['1.27.3-bookworm', 0],
      ['1.27.3-trixie', 0],
      ['1.27.3-trixie-musl', 0],
    ]);
    expect(result.skip).toContainEqual({ tag: '1.26.8-bullseye', reason: 'bullseye reached end of life on 2026-08-31' });
    expect(result.skip).toContainEqual({ tag: '1.25.3-bookworm', reason: 'no runtime patch for go1.25' });
    const byTag = new Map(result.published.flatMap((p) => p.tags.map((t) => [t, p.digest] as const)));
    // upstream's rules: latest and 1 → the newest minor, trixie first; bookworm keeps its own aliases
    expect(byTag.get('latest')).toBe(byTag.get('1.27.3-trixie'));
    expect(byTag.get('1')).toBe(byTag.get('1.27.3-trixie'));
    expect(byTag.get('1.26')).toBe(byTag.get('1.26.8-trixie'));
    expect(byTag.get('bookworm')).toBe(byTag.get('1.27.3-bookworm'));
    expect(byTag.get('musl')).toBe(byTag.get('1.27.3-trixie-musl'));
    for (const [tag, digest] of byTag) expect(await tagDigest(target, tag), tag).toBe(digest);
    // the job writes the public key users verify with beside its plan
    const pub = join(work, 'out', 'cosign.pub');
    expect(readFileSync(pub, 'utf8').trim()).toBe(readFileSync(join(work, 'cosign.pub'), 'utf8').trim());
    for (const p of result.published) expect(await verifySignature(p.image, pub)).toEqual({ ok: true, reason: '' });
    // neither the key nor its password reached the log
    const keyText = readFileSync(key, 'utf8');
    expect(logs.join('\n')).not.toContain(PASSWORD);
    expect(logs.join('\n')).not.toContain(keyText.split('\n')[1]);

    const again = await sync();
    expect(again.build).toEqual([]);
    expect(again.skip).toContainEqual({ tag: '1.27.3-trixie', reason: 'already published (full tags are never overwritten)' });
    expect(byTag.get('1.27.3-trixie')).toBe(await tagDigest(target, '1.27.3-trixie'));

    // a tag moved to an image nobody signed no longer verifies
    await tagImage('debian:bookworm', `${target}:1.26`);
    await pushImage(`${target}:1.26`);
    await removeImage(`${target}:1.26`);
    const moved = await verifySignature(`${target}:1.26`, pub);
    expect(moved.ok).toBe(false);
    expect(moved.reason).toMatch(/no signatures found|no matching signatures/);

    // the README of the published images, from the registry
    const readme = await runImagesReadme({ target, output: join(work, 'out', 'README.md') }, root);
    expect(readme).toContain('| `latest` | `1.27.3-trixie` |');
    expect(readme).toContain(`| \`1.26.8-bookworm\` | \`1.26.8-bookworm\`, \`1.26-bookworm\` | \`${byTag.get('1.26.8-bookworm')}\` |`);
    expect(readme).not.toContain('| `1.26` |'); // moved to an image no full tag names
  }, 60 * 60_000); // cold: two make.bash (one per Go release), four golang bases, six images pushed
});
