// Real engine, real toolchain: the patched golang image is built (layer-cached when caddy:golang built it),
// then verified from the inside with the probe.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPatch } from '../executors/patch/executor.js';
import { applyPatch } from './apply-patch.js';
import { verifyPatchedImage } from './verify-image.js';

const root = join(import.meta.dirname, '../../../..');

describe('the go1.26 patch on this machine', () => {
  it('applies hunk by hunk to the machine GOROOT (check only)', async () => {
    const result = await applyPatch({ goroot: '/usr/local/go', dest: '/nonexistent-dest', checkOnly: true });
    expect(result.log).toMatch(/all \d+ diffs apply cleanly to go1\.26/);
  });

  it('builds a patched glibc image whose plain `go build` has 0 raw SYSCALL sites and passes the probe, and whose CGO_ENABLED=0 build is static and passes it too', async () => {
    const { ref } = await runPatch({ from: 'golang:1.26.8-bookworm', libc: 'glibc', output: 'tmp/golang-patcher-int/image.json' }, root, () => {});
    const v = await verifyPatchedImage(ref, join(root, 'packages/golang-patcher/probe'));
    expect(v.goExperiment).toBe('libcsyscall');
    expect(v.rawSites).toBe(0);
    expect(v.probe.failed).toBe(0);
    expect(v.probe.passed).toBeGreaterThanOrEqual(10);
    expect(v.staticLinked).toBe(true);
    expect(v.staticProbe).toMatchObject({ failed: 0, passed: v.probe.passed });
  });
});
