import { describe, expect, it } from 'vitest';
import { canonicalJson, computeMeasurement, sha256Hex } from './measure.js';
import { measuredOptions, SignOptions } from './options.js';

const bin = sha256Hex('binary');
const ext = sha256Hex('extension');
const opts = (extra: Record<string, unknown> = {}) =>
  measuredOptions(SignOptions.parse({ binary: 'dist/caddy', include: ['/caddy/*'], outputDir: 'out', ...extra }));

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: null }], c: 'é' } })).toBe('{"a":{"c":"é","d":[2,{"x":null,"z":1}]},"b":1}');
  });
});

describe('computeMeasurement', () => {
  const base = computeMeasurement({ binarySha256: bin, extensionSha256: [ext], options: opts() });

  it('is a stable sha256 of tag, hashes and canonical options', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(computeMeasurement({ binarySha256: bin, extensionSha256: [ext], options: { ...opts() } })).toBe(base);
  });

  it('leaves build-machine paths out of the measured options', () => {
    expect(opts({ binary: '/elsewhere/caddy', root: '/x', outputDir: '/y', keyFile: '/k.pem' })).toEqual(opts());
  });

  it.each([
    ['heap', { heap: '3g' }],
    ['syslibs', { syslibs: false }],
    ['dlopen', { dlopen: true }],
    ['include', { include: ['/caddy/**'] }],
    ['hostPaths', { hostPaths: ['/root/.local/share/caddy/'] }],
    ['libc', { libc: 'musl' }],
  ])('changes with the option %s', (_name, extra) => {
    expect(computeMeasurement({ binarySha256: bin, extensionSha256: [ext], options: opts(extra) })).not.toBe(base);
  });

  it('changes with the binary or the extension and rejects non-digests', () => {
    expect(computeMeasurement({ binarySha256: ext, extensionSha256: [ext], options: opts() })).not.toBe(base);
    expect(computeMeasurement({ binarySha256: bin, extensionSha256: [bin], options: opts() })).not.toBe(base);
    expect(() => computeMeasurement({ binarySha256: 'nope', extensionSha256: [], options: {} })).toThrow(/not a sha256/);
  });
});
