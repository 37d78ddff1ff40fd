// A local registry from Debian's docker-registry: push, drop the local image, pull back by digest.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOfflineBaseImages } from './base-images.js';
import { buildImage } from './build.js';
import { imageJsonFor, inspectImage, pullImage, pushedRecord, pushImage, removeImage, tagImage, verifyImageJson, writeImageJson } from './images.js';
import { type LocalRegistry, startRegistry } from './registry.js';

const run = randomBytes(4).toString('hex');
let registry: LocalRegistry | undefined;
const created: string[] = [];

beforeAll(async () => {
  await ensureOfflineBaseImages();
  registry = await startRegistry();
});

afterAll(async () => {
  for (const ref of created.reverse()) await removeImage(ref, { force: true });
  await registry?.stop();
});

describe('local registry (real engine)', () => {
  it('answers /v2/ on loopback', async () => {
    const res = await fetch(`http://${registry!.host}/v2/`);
    expect(res.status).toBe(200);
  });

  it('push, remove locally, pull back by digest: same image id', async () => {
    const local = `confidential-test/pushme:${run}`;
    const remote = `${registry!.host}/confidential-test/pushme:${run}`;
    const built = await buildImage({
      dockerfile: { stages: [{ name: 'x', from: { image: 'debian', tag: 'bookworm' }, instructions: [{ kind: 'RUN', commands: [`echo ${run} > /run-id`] }] }] },
      tags: [local],
      onProgress: () => {},
    });
    created.push(local, remote);
    await tagImage(local, remote);
    const digest = await pushImage(remote);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const pushed = await inspectImage(remote);
    expect(pushed?.repoDigests).toContain(`${registry!.host}/confidential-test/pushme@${digest}`);

    // the image must really be gone before the pull
    await removeImage(remote);
    await removeImage(local);
    expect(await inspectImage(built.id)).toBeUndefined();

    const byDigest = `${registry!.host}/confidential-test/pushme@${digest}`;
    created.push(byDigest);
    const pulled = await pullImage(byDigest, { timeoutMs: 60_000 });
    expect(pulled.id).toBe(built.id);
    expect(pulled.repoDigests).toContain(byDigest);
  });

  it('an image.json with a repoDigest brings its image back into an engine that lost it (pull by digest, checked, tagged)', async () => {
    const ref = `confidential-test/record:${run}`;
    const built = await buildImage({
      dockerfile: { stages: [{ name: 'x', from: { image: 'debian', tag: 'bookworm' }, instructions: [{ kind: 'RUN', commands: [`echo record ${run} > /run-id`] }] }] },
      tags: [ref],
      onProgress: () => {},
    });
    const record = await pushedRecord(await imageJsonFor(ref), registry!.host, () => {});
    expect(record.repoDigest).toMatch(new RegExp(`^${registry!.host}/confidential-test/record@sha256:[0-9a-f]{64}$`));
    const dir = mkdtempSync(join(tmpdir(), 'record-'));
    created.push(ref, `${registry!.host}/${ref}`, record.repoDigest!);
    try {
      await writeImageJson(join(dir, 'image.json'), record);
      await removeImage(`${registry!.host}/${ref}`);
      await removeImage(ref);
      expect(await inspectImage(built.id)).toBeUndefined();
      const lines: string[] = [];
      const checked = await verifyImageJson(join(dir, 'image.json'), undefined, (l) => lines.push(l));
      expect(lines).toEqual([`image ${ref} is not in the engine: pulling ${record.repoDigest}`]);
      expect(checked.refMatches).toBe(true);
      expect((await inspectImage(ref))?.id).toBe(built.id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
