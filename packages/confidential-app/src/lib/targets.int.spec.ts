// The runtime input of image targets against the real engine: the engine's id of the tag while the image is
// there, a value never seen before once it is gone (so that Nx never restores a record of a missing image).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, inspectImage, removeImage } from '@confidential/image-builder';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { imageState } from './targets.js';

const tag = `confidential-app-state:${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'image-state-'));
afterAll(async () => {
  await removeImage(tag, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

// Nx runs a runtime input as a shell command and hashes what it prints
const state = async (env: Record<string, string> = { CONFIDENTIAL_REGISTRY: '' }) => (await execa('sh', ['-c', imageState(tag).runtime], { env })).stdout.trim();

describe('imageState (runtime input of image targets)', () => {
  it('prints the engine\'s id of the tag, and a new value each time once the image is gone', async () => {
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    await buildImage({ dockerfile: { stages: [{ name: 'x', from: { image: 'debian', tag: 'bookworm' }, instructions: [{ kind: 'COPY', src: ['hello.txt'], dest: '/hello.txt' }] }] }, context: [{ src: join(dir, 'hello.txt'), dest: 'hello.txt' }], tags: [tag], onProgress: () => {} });
    const id = (await inspectImage(tag))!.id;
    expect(await state()).toBe(id);
    expect(await state()).toBe(id);
    await removeImage(tag, { force: true });
    const [a, b] = [await state(), await state()];
    expect(a).toMatch(/^absent \d+ \d+$/);
    expect(b).not.toBe(a);
  });

  it('with a registry configured, is the same on every machine, image or not (engines pull by digest)', async () => {
    expect(await state({ CONFIDENTIAL_REGISTRY: '127.0.0.1:5000' })).toBe('registry 127.0.0.1:5000');
  });
});
