import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEnv, runRun } from './executor.js';

const model = { services: { test: { image: 'x' } } };
const base = { model, testService: 'test', outputDir: 'out' };

describe('compose-runner:run options', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cr-exec-'));
    await writeFile(join(root, 'plain.txt'), 'hello\n');
    await writeFile(join(root, 'out.json'), JSON.stringify({ url: 'http://x', port: 8 }));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each([
    [{ ...base, testService: 3 }, 'testService'],
    [{ ...base, timeoutSeconds: '60' }, 'timeoutSeconds'],
    [{ ...base, timeoutSeconds: -1 }, 'timeoutSeconds'],
    [{ ...base, outputDir: undefined }, 'outputDir'],
    [{ ...base, env: { A: 1 } }, 'env.A'],
    [{ ...base, env: { 'not a name': 'x' } }, 'env.not a name'],
    [{ ...base, env: { A: { path: 'x' } } }, 'env.A'],
    [{ ...base, waitFor: [{ service: 'a', condition: 'up' }] }, 'waitFor[0].condition'],
    [{ ...base, results: ['relative'] }, 'results[0]'],
    [{ ...base, composeFiles: ['c.yml'] }, 'model'],
    [{ testService: 't', outputDir: 'o' }, 'composeFiles'],
    [{ testService: 't', outputDir: 'o', composeFiles: [] }, 'composeFiles'],
    [{ testService: 't', outputDir: 'o', composeFiles: 'c.yml' }, 'composeFiles'],
    [{ ...base, model: { services: { test: { image: 'x', healthcheck: { test: 'x', interval: 'soon' } } } } }, 'model.services.test.healthcheck.interval'],
    [{ ...base, bogus: true }, '(options)'],
  ])('a wrong option gives one sentence naming it (%j)', async (raw, name) => {
    const error = await runRun(raw, root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`compose-runner:run: option "${name}" is invalid`);
    expect(message.split('\n')).toHaveLength(1);
  });

  it.each(['.', '..', '/tmp', 'a/../..'])('outputDir %s (emptied before each run) must be a folder inside the workspace', async (outputDir) => {
    const error = await runRun({ ...base, outputDir }, root).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`compose-runner:run: option "outputDir" is invalid: expected a folder inside the workspace, got "${outputDir}".`);
  });

  it('a missing compose file names the option', async () => {
    const error = await runRun({ composeFiles: ['out.json', 'nope.yml'], testService: 't', outputDir: 'o' }, root).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^compose-runner:run: option "composeFiles" is invalid: cannot read nope\.yml \(ENOENT\)\.$/);
  });

  it('env values: strings as they are, {file} reads a JSON field or a text file', async () => {
    expect(await resolveEnv({ A: 'a', B: { file: 'plain.txt' }, C: { file: 'out.json', field: 'url' }, D: { file: 'out.json', field: 'port' } }, root)).toEqual({
      A: 'a', B: 'hello', C: 'http://x', D: '8',
    });
  });

  it('env {file} errors name the option and what is missing', async () => {
    await expect(resolveEnv({ IMAGE: { file: 'gone/image.json' } }, root)).rejects.toThrow(
      'compose-runner:run: option "env.IMAGE" is invalid: cannot read gone/image.json (ENOENT); build the upstream target first.',
    );
    await expect(resolveEnv({ IMAGE: { file: 'out.json' } }, root)).rejects.toThrow('option "env.IMAGE" is invalid: out.json has no string field "ref".');
    await expect(resolveEnv({ X: { file: 'plain.txt', field: 'a' } }, root)).rejects.toThrow('plain.txt is not JSON');
  });
});
