// The order of the daily job's publishing steps, with the engine, the registry and cosign replaced by fakes that
// record what was called (the real thing: executors/sync/executor.int.spec.ts).
import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls: string[] = [];
const state = { verifyInside: true, sign: true, verifySignature: true };
const DIGEST = `sha256:${'d'.repeat(64)}`;

vi.mock('@confidential/image-builder', () => ({
  tagImage: async (_from: string, to: string) => void calls.push(`tag ${to}`),
  pushImage: async (ref: string) => (calls.push(`push ${ref}`), DIGEST),
}));
vi.mock('./patch-image.js', () => ({ buildPatchedImage: async () => (calls.push('build'), { ref: 'local/golang:x', id: 'sha256:1' }) }));
vi.mock('./verify-image.js', () => ({
  verifyPatchedImage: async () => (
    calls.push('verify-inside'),
    { goExperiment: 'libcsyscall', rawSites: state.verifyInside ? 0 : 3, probe: { passed: 11, failed: 0 }, staticLinked: true, staticProbe: { passed: 1, failed: 0 } }
  ),
}));
vi.mock('./registry-tags.js', () => ({
  listTags: async () => (calls.push('list'), []),
  deleteManifest: async (_ref: string, digest: string) => void calls.push(`delete ${digest}`),
}));
vi.mock('./cosign.js', () => ({
  publicKeyOf: async () => (calls.push('key'), '-----BEGIN PUBLIC KEY-----\n'),
  signDigest: async (ref: string) => {
    calls.push(`sign ${ref}`);
    if (!state.sign) throw new Error('cosign sign r/golang@x failed (exit 1): boom');
  },
  verifySignature: async (ref: string) => (calls.push(`cosign-verify ${ref}`), state.verifySignature ? { ok: true, reason: '' } : { ok: false, reason: 'no matching signatures' }),
}));
vi.mock('node:fs', () => ({ writeFileSync: () => undefined }));

const { publishPlan } = await import('./publish.js');

const plan = { build: [{ from: '1.27.3-trixie', version: '1.27.3', variant: 'trixie', libc: 'glibc' as const, tags: ['1.27.3-trixie', '1.27-trixie', 'latest'] }], skip: [] };
const run = () => publishPlan(plan, { root: '/w', upstream: 'golang', target: 'r/golang', signingKey: 'k', publicKeyFile: '/tmp/cosign.pub' });

describe('publishPlan', () => {
  beforeEach(() => {
    calls.length = 0;
    Object.assign(state, { verifyInside: true, sign: true, verifySignature: true });
  });

  it('checks key and registry first, then build, verify inside, full tag, sign, verify signature, aliases', async () => {
    const published = await run();
    expect(calls).toEqual([
      'key', 'list', 'build', 'verify-inside', 'list',
      'tag r/golang:1.27.3-trixie', 'push r/golang:1.27.3-trixie',
      `sign r/golang@${DIGEST}`, `cosign-verify r/golang@${DIGEST}`,
      'tag r/golang:1.27-trixie', 'push r/golang:1.27-trixie', 'tag r/golang:latest', 'push r/golang:latest',
    ]);
    expect(published).toEqual([{ from: '1.27.3-trixie', image: `r/golang@${DIGEST}`, digest: DIGEST, tags: plan.build[0]!.tags, rawSites: 0, probePassed: 11 }]);
  });

  it('a failed verify from the inside pushes nothing', async () => {
    state.verifyInside = false;
    await expect(run()).rejects.toThrow(/raw sites 3.*nothing pushed/);
    expect(calls.filter((c) => c.startsWith('push') || c.startsWith('sign'))).toEqual([]);
  });

  it.each([
    ['signing', { sign: false }, /^cosign sign r\/golang@x failed \(exit 1\): boom; 1\.27\.3-trixie removed again, no alias moved$/],
    ['verifying the signature', { verifySignature: false }, /^cosign verify r\/golang@sha256:d+ failed after signing: no matching signatures; 1\.27\.3-trixie removed again, no alias moved$/],
  ])('a failure %s deletes the pushed image and moves no alias', async (_what, failure, message) => {
    Object.assign(state, failure);
    await expect(run()).rejects.toThrow(message);
    expect(calls).toContain(`delete ${DIGEST}`);
    expect(calls.filter((c) => c.startsWith('push'))).toEqual(['push r/golang:1.27.3-trixie']);
  });
});
