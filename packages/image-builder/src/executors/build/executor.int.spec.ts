// image-builder:build against the real engine: writes image.json; an upstream image.json feeds FROM ${ARG};
// an upstream image gone from the engine fails with how to rebuild.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOfflineBaseImages } from '../../lib/base-images.js';
import { inspectImage, removeImage } from '../../lib/images.js';
import { runBuild } from './executor.js';

const run = randomBytes(4).toString('hex');
const created: string[] = [];
let root = '';

beforeAll(async () => {
  await ensureOfflineBaseImages();
  root = await mkdtemp(join(tmpdir(), 'ib-exec-int-'));
  await writeFile(join(root, 'greeting.txt'), `hi ${run}\n`);
});

afterAll(async () => {
  for (const ref of created.reverse()) await removeImage(ref, { force: true });
  await rm(root, { recursive: true, force: true });
});

describe('image-builder:build (real engine)', () => {
  it('writes image.json, chains an upstream image.json as a build arg, and refuses a gone upstream image', async () => {
    const upstreamTag = `confidential-test/upstream:${run}`;
    const downstreamTag = `confidential-test/downstream:${run}`;
    created.push(downstreamTag, upstreamTag);
    await runBuild(
      {
        stages: [{ name: 'up', from: { image: 'debian', tag: 'bookworm' }, instructions: [{ kind: 'COPY', src: ['greeting.txt'], dest: '/greeting.txt' }] }],
        context: [{ src: 'greeting.txt', dest: 'greeting.txt' }],
        tags: [upstreamTag],
        labels: { 'org.confidential.test': run },
        output: 'out/up/image.json',
      },
      root,
      () => {},
    );
    const up = JSON.parse(await readFile(join(root, 'out/up/image.json'), 'utf8'));
    expect(up.ref).toBe(upstreamTag);
    expect(up.id).toBe((await inspectImage(upstreamTag))?.id);
    expect(up.digest).toBeNull();
    expect(up.labels['org.confidential.test']).toBe(run);

    const downstream = {
      args: [{ name: 'UPSTREAM' }],
      stages: [{ name: 'down', from: { arg: 'UPSTREAM' }, instructions: [{ kind: 'RUN', commands: ['grep -q hi /greeting.txt'] }] }],
      images: { UPSTREAM: 'out/up/image.json' },
      tags: [downstreamTag],
      output: 'out/down/image.json',
    };
    await runBuild(downstream, root, () => {});
    const down = JSON.parse(await readFile(join(root, 'out/down/image.json'), 'utf8'));
    expect(down.id).toBe((await inspectImage(downstreamTag))?.id);

    await removeImage(downstreamTag, { force: true });
    await removeImage(upstreamTag, { force: true });
    await expect(runBuild(downstream, root, () => {})).rejects.toThrow(
      `image ${upstreamTag} (${up.id}) recorded in ${join(root, 'out/up/image.json')} is gone from the engine; run it again (image targets hash their tag's id in the engine, so a missing image reruns its target)`,
    );
  });
});
