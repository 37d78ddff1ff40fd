import { describe, expect, it } from 'vitest';
import { runPatch } from './executor.js';

describe('golang-patcher:patch options', () => {
  it('names a wrong-typed option in one sentence', async () => {
    await expect(runPatch({ output: 'x', libc: 'uclibc' }, '/nonexistent')).rejects.toThrow(/^golang-patcher:patch: option "libc" is invalid: /);
    await expect(runPatch({ output: 3 }, '/nonexistent')).rejects.toThrow(/^golang-patcher:patch: option "output" is invalid: .*expected string/);
  });
  it('wants an upstream image with a tag that carries a Go version', async () => {
    await expect(runPatch({ output: 'x', from: 'golang' }, '/nonexistent')).rejects.toThrow(/option "from" is invalid: expected an upstream image with its tag/);
    await expect(runPatch({ output: 'x', from: 'golang:bookworm' }, '/nonexistent')).rejects.toThrow(/cannot read a Go version in the tag of golang:bookworm/);
  });
  it('refuses a Go minor without a patch folder, naming the folders there are', async () => {
    await expect(runPatch({ output: 'x', from: 'golang:1.19.1-bookworm' }, '/nonexistent')).rejects.toThrow(/No runtime patch for go1.19.1: \/nonexistent\/packages\/golang-patcher\/patches has none/);
  });
});
