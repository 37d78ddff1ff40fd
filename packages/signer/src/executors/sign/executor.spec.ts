import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSign } from './executor.js';

describe('signer:sign options', () => {
  it.each([
    [{ binary: 'a', include: '/caddy/*', outputDir: 'o' }, 'include'],
    [{ binary: 'a', include: ['/x'], outputDir: 'o', heap: 2 }, 'heap'],
    [{ binary: 'a', include: ['/x'], outputDir: 'o', syslibs: 'yes' }, 'syslibs'],
    [{ binary: 'a', include: ['/x'], outputDir: 'o', backend: 'sgx' }, 'backend'],
    [{ include: ['/x'], outputDir: 'o' }, 'binary'],
    [{ binary: 'a', include: ['/x'], outputDir: 'o', bogus: 1 }, '(options)'],
  ])('a wrong option gives one sentence naming it (%j)', async (raw, name) => {
    const error = await runSign(raw, '/tmp', () => {}).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`signer:sign: option "${name}" is invalid`);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('scone backend writes the builder stage and the commands', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sign-exec-'));
    try {
      const lines: string[] = [];
      await runSign({ backend: 'scone', binary: '/caddy/cmd/caddy/caddy', include: ['/caddy/*'], hostPaths: ['/root/.local/share/caddy/'], configId: 'caddy/binaryfs', outputDir: 'out' }, root, (l) => lines.push(l));
      const dockerfile = await readFile(join(root, 'out/Dockerfile.signer'), 'utf8');
      expect(dockerfile).toContain('scone-signer sign --sconify --extensions libbinaryfs.so --heap 2g --syslibs 1 --dlopen 0 /caddy/cmd/caddy/caddy');
      const json = JSON.parse(await readFile(join(root, 'out/scone.json'), 'utf8'));
      expect(json.runtimeEnv.SCONE_CONFIG_ID).toBe('caddy/binaryfs');
      expect(lines.join('\n')).toMatch(/rendered/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
