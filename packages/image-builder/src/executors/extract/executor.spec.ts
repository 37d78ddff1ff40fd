import { describe, expect, it } from 'vitest';
import { runExtract } from './executor.js';

describe('image-builder:extract options', () => {
  it('names the option that is wrong, in one sentence', async () => {
    await expect(runExtract({ image: 'x.json', paths: ['out/bin'], outputDir: 'd' }, '/nonexistent')).rejects.toThrow(
      /^image-builder:extract: option "paths\[0\]" is invalid: expected an absolute path in the image\.$/,
    );
    await expect(runExtract({ image: 'x.json', paths: '/out', outputDir: 'd' }, '/nonexistent')).rejects.toThrow(/option "paths" is invalid: .*expected array/);
  });
  it('fails clearly when the image.json cannot be read', async () => {
    await expect(runExtract({ image: 'x.json', paths: ['/out'], outputDir: 'd' }, '/nonexistent')).rejects.toThrow(/x\.json: cannot read the image\.json \(ENOENT\)/);
  });
});
