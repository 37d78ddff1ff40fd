import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToolchain } from './executor.js';

describe('golang-patcher:toolchain options', () => {
  it('names a wrong option in one sentence', async () => {
    await expect(runToolchain({ dest: 3 }, '/nonexistent')).rejects.toThrow(/^golang-patcher:toolchain: option "dest" is invalid: .*expected string/);
    await expect(runToolchain({ goroot: '/usr/local/go', flavour: 'x' }, '/nonexistent')).rejects.toThrow(/^golang-patcher:toolchain: option "\(options\)" is invalid: .*flavour/);
  });
  it('refuses a directory that is not a GOROOT before it replaces the destination', async () => {
    const root = mkdtempSync(join(tmpdir(), 'toolchain-spec-'));
    try {
      mkdirSync(join(root, 'goroot'));
      writeFileSync(join(root, 'goroot/VERSION'), 'go1.26.8\n');
      await expect(runToolchain({ goroot: '/nonexistent-goroot', dest: 'goroot' }, root)).rejects.toThrow('/nonexistent-goroot is not a GOROOT');
      expect(existsSync(join(root, 'goroot/VERSION'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
