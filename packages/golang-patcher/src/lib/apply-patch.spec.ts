import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPatch, applyPatchCommand, applyPatchScript } from './apply-patch.js';

describe('applyPatch', () => {
  it('runs the script with an argument array and the C compiler in the environment', () => {
    const c = applyPatchCommand({ goroot: '/usr/local/go', dest: '/tmp/x y', cc: 'musl-gcc', checkOnly: true });
    expect(c.file).toBe('bash');
    expect(c.args).toEqual([applyPatchScript, '/usr/local/go', '/tmp/x y']);
    expect(c.env).toEqual({ CC: 'musl-gcc', CHECK_ONLY: '1' });
    expect(existsSync(applyPatchScript)).toBe(true);
  });

  it('rejects a directory that is not a GOROOT', async () => {
    await expect(applyPatch({ goroot: '/nonexistent', dest: '/tmp/none' })).rejects.toThrow('not a GOROOT');
  });

  it.skipIf(!existsSync('/usr/local/go/VERSION'))('checks that every diff applies to the machine GOROOT', async () => {
    const r = await applyPatch({ goroot: '/usr/local/go', dest: '/tmp/unused', checkOnly: true });
    expect(r.log).toMatch(/diffs apply cleanly/);
  }, 60_000);
});
