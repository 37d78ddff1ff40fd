import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from './executor.js';

const stages = [
  { name: 'builder', from: { image: 'debian', tag: 'bookworm' }, instructions: [] },
  { name: 'runtime', from: { stage: 'builder' }, instructions: [] },
];
const base = { stages, tags: ['confidential/x:dev'], output: 'out/image.json' };

describe('image-builder:build options', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ib-exec-'));
    await writeFile(join(root, 'Dockerfile'), 'FROM debian:bookworm AS one\nRUN true\nFROM one AS two\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each([
    [{ ...base, tags: 'confidential/x:dev' }, 'tags'],
    [{ ...base, tags: [] }, 'tags'],
    [{ ...base, target: 'nope' }, 'target'],
    [{ ...base, target: 3 }, 'target'],
    [{ ...base, buildArgs: { A: 1 } }, 'buildArgs.A'],
    [{ ...base, labels: ['a'] }, 'labels'],
    [{ ...base, output: undefined }, 'output'],
    [{ ...base, context: [{ src: 'a' }] }, 'context[0].dest'],
    [{ ...base, context: [{ src: 'a', dest: 'b', mode: '755' }] }, 'context[0].mode'],
    [{ ...base, images: { 'not an arg': 'x.json' } }, 'images.not an arg'],
    [{ ...base, stages: [{ name: 'Bad Name', from: { image: 'debian' } }] }, 'stages[0].name'],
    [{ ...base, dockerfile: 'Dockerfile' }, 'dockerfile'],
    [{ tags: ['a:b'], output: 'o.json' }, 'stages'],
    [{ ...base, bogus: true }, '(options)'],
  ])('a wrong option gives one sentence naming it (%j)', async (raw, name) => {
    const error = await runBuild(raw, root, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`image-builder:build: option "${name}" is invalid`);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('an unknown target of a Dockerfile text names the option and lists the stages', async () => {
    const error = await runBuild({ dockerfile: 'Dockerfile', tags: ['a:b'], output: 'o.json', target: 'three' }, root, () => {}).catch((e: unknown) => e);
    expect((error as Error).message).toBe('image-builder:build: option "target" is invalid: unknown stage "three" in Dockerfile (stages: one, two).');
  });

  it('a missing Dockerfile names the option', async () => {
    const error = await runBuild({ dockerfile: 'nope/Dockerfile', tags: ['a:b'], output: 'o.json' }, root, () => {}).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^image-builder:build: option "dockerfile" is invalid: cannot read .*nope\/Dockerfile \(ENOENT\)\.$/);
  });

  it('an unreadable upstream image.json fails before any build', async () => {
    const error = await runBuild({ ...base, images: { BASE: 'missing/image.json' } }, root, () => {}).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/missing\/image\.json: cannot read the image\.json \(ENOENT\); build the upstream target first/);
  });
});
