import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareGoVersions, formatGoVersion, parseGoVersion, patchDirFor, patchedMinors } from './versions.js';

describe('Go versions', () => {
  it('parses releases, go-prefixed versions, minors and release candidates', () => {
    expect(parseGoVersion('go1.26.8')).toEqual({ major: 1, minor: 26, patch: 8 });
    expect(parseGoVersion('1.27rc3')).toEqual({ major: 1, minor: 27, rc: 3 });
    expect(formatGoVersion(parseGoVersion('1.26'))).toBe('1.26');
    expect(() => parseGoVersion('1.x')).toThrow('"1.x" is not a Go version');
  });

  it('orders rc before the release and patches numerically', () => {
    const sorted = ['1.26.10', '1.27rc1', '1.26.9', '1.27.0'].map(parseGoVersion).sort(compareGoVersions).map(formatGoVersion);
    expect(sorted).toEqual(['1.26.9', '1.26.10', '1.27rc1', '1.27.0']);
  });

  it('finds the patch folder of a minor, and names the folders there are when none fits', () => {
    const root = mkdtempSync(join(tmpdir(), 'patches-'));
    mkdirSync(join(root, 'go1.26'));
    expect(patchDirFor(parseGoVersion('1.26.8'), root)).toBe(join(root, 'go1.26'));
    mkdirSync(join(root, 'notes'));
    expect(patchedMinors(root)).toEqual(['1.26']);
    expect(patchedMinors(join(root, 'none'))).toEqual([]);
    expect(() => patchDirFor(parseGoVersion('1.27.0'), root)).toThrow(`No runtime patch for go1.27.0: ${root} has go1.26; port the newest one to go1.27.`);
  });
});
