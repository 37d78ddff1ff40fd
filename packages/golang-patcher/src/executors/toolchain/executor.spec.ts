import { describe, expect, it } from 'vitest';
import { runToolchain } from './executor.js';

describe('golang-patcher:toolchain options', () => {
  it('names a wrong option in one sentence', async () => {
    await expect(runToolchain({ dest: 3 }, '/nonexistent')).rejects.toThrow(/^golang-patcher:toolchain: option "dest" is invalid: .*expected string/);
    await expect(runToolchain({ goroot: '/usr/local/go', flavour: 'x' }, '/nonexistent')).rejects.toThrow(/^golang-patcher:toolchain: option "\(options\)" is invalid: .*flavour/);
  });
  it('refuses a directory that is not a GOROOT before touching anything else', async () => {
    await expect(runToolchain({ goroot: '/nonexistent-goroot', dest: 'tmp/toolchain-spec' }, '/tmp')).rejects.toThrow('/nonexistent-goroot is not a GOROOT');
  });
});
