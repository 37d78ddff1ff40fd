// Against the real engine: base images (bootstrapped when no registry answers), a two-stage Go build, a failing
// RUN, a missing base image.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOfflineBaseImages, hostGo } from './base-images.js';
import { BuildError, buildImage, MissingBaseImageError } from './build.js';
import type { Dockerfile } from './dockerfile.js';
import { docker } from './engine.js';
import { inspectImage, removeImage } from './images.js';

const client = docker();
const run = randomBytes(4).toString('hex');
const created: string[] = [];
let goImage = '';
let dir = '';

async function runContainer(image: string): Promise<{ code: number; output: string }> {
  const container = await client.createContainer({ Image: image, Labels: { 'org.confidential.test': run } });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await container.logs({ stdout: true, stderr: true, follow: false });
    // multiplexed stream: strip the 8-byte frame headers
    const out: string[] = [];
    for (let i = 0; i + 8 <= logs.length; ) {
      const size = logs.readUInt32BE(i + 4);
      out.push(logs.subarray(i + 8, i + 8 + size).toString());
      i += 8 + size;
    }
    return { code: StatusCode, output: out.join('') };
  } finally {
    await container.remove({ force: true });
  }
}

beforeAll(async () => {
  const results = await ensureOfflineBaseImages({ log: (l) => console.log(`[base-images] ${l}`) });
  for (const r of results) console.log(`[base-images] ${r.ref}: ${r.action} (${r.seconds} s)`);
  goImage = `golang:${(await hostGo()).version}-bookworm`;
  dir = await mkdtemp(join(tmpdir(), 'ib-int-'));
  await writeFile(join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.22\n');
  await writeFile(join(dir, 'main.go'), `package main\n\nimport (\n\t"fmt"\n\t"runtime"\n)\n\nfunc main() { fmt.Printf("hello %s from %s\\n", "${run}", runtime.Version()) }\n`);
});

afterAll(async () => {
  for (const ref of created.reverse()) await removeImage(ref, { force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('buildImage (real engine)', () => {
  it('builds a Go hello-world in the bootstrapped golang image and copies it into a debian stage', async () => {
    const tag = `confidential-test/hello:${run}`;
    created.push(tag);
    const model: Dockerfile = {
      stages: [
        {
          name: 'builder',
          from: { image: goImage.split(':')[0]!, tag: goImage.split(':')[1]! },
          instructions: [
            { kind: 'WORKDIR', path: '/src' },
            { kind: 'COPY', src: ['go.mod', 'main.go'], dest: '/src/' },
            { kind: 'RUN', commands: ['CGO_ENABLED=0 go build -trimpath -o /out/hello .'] },
          ],
        },
        {
          name: 'runtime',
          from: { image: 'debian', tag: 'bookworm' },
          instructions: [
            { kind: 'COPY', from: 'builder', src: ['/out/hello'], dest: '/usr/local/bin/hello' },
            { kind: 'CMD', exec: ['/usr/local/bin/hello'] },
          ],
        },
      ],
    };
    const context = [
      { src: join(dir, 'go.mod'), dest: 'go.mod' },
      { src: join(dir, 'main.go'), dest: 'main.go' },
    ];
    // the builder stage first, tagged, so that removing the tag at the end also removes that stage's image
    const builderTag = `confidential-test/hello-builder:${run}`;
    created.push(builderTag);
    const builder = await buildImage({
      dockerfile: model,
      target: 'builder',
      context,
      tags: [builderTag],
      onProgress: () => {},
    });
    expect((await inspectImage(builderTag))?.id).toBe(builder.id);

    const lines: string[] = [];
    const result = await buildImage({
      dockerfile: model,
      context,
      tags: [tag],
      labels: { 'org.confidential.test': run },
      onProgress: (l) => lines.push(l),
    });
    expect(result.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines.some((l) => /^Step 4\/\d+ : RUN CGO_ENABLED=0 go build/.test(l))).toBe(true);
    // the builder stage came from the layer cache of the target build
    expect(lines.filter((l) => l === ' ---> Using cache').length).toBeGreaterThanOrEqual(3);
    const info = await inspectImage(tag);
    expect(info?.id).toBe(result.id);
    expect(info?.labels['org.confidential.test']).toBe(run);
    const { code, output } = await runContainer(tag);
    expect(code).toBe(0);
    expect(output.trim()).toBe(`hello ${run} from go${(await hostGo()).version}`);

    // same inputs again: every step from the layer cache, same image
    const again = await buildImage({
      dockerfile: model,
      context,
      tags: [tag],
      labels: { 'org.confidential.test': run },
      onProgress: () => {},
    });
    expect(again.id).toBe(result.id);
    expect(again.cachedSteps).toBeGreaterThanOrEqual(4);
  });

  it('a failing RUN rejects with the step text and the log tail, and leaves no container behind', async () => {
    const tag = `confidential-test/fails:${run}`;
    const marker = `marker-${run}`;
    const before = new Set((await client.listContainers({ all: true })).map((c) => c.Id));
    const error = await buildImage({
      dockerfile: {
        stages: [
          {
            name: 'broken',
            from: { image: 'debian', tag: 'bookworm' },
            instructions: [{ kind: 'RUN', commands: [`echo "about to fail ${marker}"`, 'echo to-stderr >&2', 'exit 3'] }],
          },
        ],
      },
      tags: [tag],
      onProgress: () => {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    const err = error as BuildError;
    expect(err.step).toMatch(new RegExp(`^Step 2/2 : RUN echo "about to fail ${marker}"`));
    expect(err.engineError).toMatch(/returned a non-zero code: 3/);
    expect(err.logTail).toContain(`about to fail ${marker}`);
    expect(err.logTail).toContain('to-stderr');
    expect(err.message).toContain(`failed at Step 2/2 : RUN echo "about to fail ${marker}"`);
    expect(err.message).toContain(`about to fail ${marker}`);
    // other engineers share the engine: look only at containers that are new and ran our marker
    const leftover = (await client.listContainers({ all: true })).filter((c) => !before.has(c.Id) && c.Command.includes(marker));
    expect(leftover).toEqual([]);
    expect(await inspectImage(tag)).toBeUndefined();
  });

  it('a missing base image gives a clear error (model and Dockerfile text)', async () => {
    const image = `confidential-missing/none-${run}`;
    const model = buildImage({ dockerfile: { stages: [{ name: 'x', from: { image, tag: 'v1' } }] }, tags: [`confidential-test/x:${run}`], pullTimeoutMs: 5000, onProgress: () => {} });
    await expect(model).rejects.toBeInstanceOf(MissingBaseImageError);
    await expect(model).rejects.toThrow(`base image ${image}:v1 is not in the engine and its registry did not answer: log in to its registry (docker login) and pull it`);
    const golang = buildImage({ dockerfile: { stages: [{ name: 'x', from: { image: 'golang', tag: `0.0.0-missing-${run}` } }] }, tags: [`confidential-test/x:${run}`], pullTimeoutMs: 0, onProgress: () => {} });
    await expect(golang).rejects.toThrow(`base image golang:0.0.0-missing-${run} is not in the engine and no registry answered: run \`npx nx run image-builder:base-images -- golang:0.0.0-missing-${run}\` or pull it`);
    const text = buildImage({ dockerfile: `ARG BASE=${image}:v2\nFROM \${BASE} AS x\nRUN true\n`, tags: [`confidential-test/x:${run}`], pullTimeoutMs: 0, onProgress: () => {} });
    await expect(text).rejects.toThrow(`base image ${image}:v2 is not in the engine`);
  });
});
