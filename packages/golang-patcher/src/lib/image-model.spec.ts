import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderDockerfile } from '@confidential/image-builder';
import { describe, expect, it } from 'vitest';
import { patchDigest, patchedImageModel, patchedTag } from './image-model.js';

describe('patched golang image model', () => {
  const spec = { from: 'golang:1.26.8-bookworm', goVersion: '1.26.8', patchName: 'go1.26', patchDigest: `sha256:${'c'.repeat(64)}` };

  it('builds the toolchain in the bookworm image of the version, then replaces the variant\'s GOROOT with it', () => {
    const text = renderDockerfile(patchedImageModel({ ...spec, from: 'golang:1.26.8-trixie', libc: 'glibc' }));
    expect(text).toContain('FROM golang:1.26.8-bookworm AS toolchain');
    expect(text).toContain('CC=gcc bash /opt/golang-patcher/scripts/apply-patch.sh /usr/local/go /usr/local/go.patched');
    expect(text).toContain('FROM golang:1.26.8-trixie AS patched');
    expect(text).toContain('COPY --from=toolchain ["/usr/local/go.patched","/usr/local/go"]');
    expect(text).toContain(`"org.confidential.golang-patcher.patch"="go1.26@sha256:${'c'.repeat(64)}"`);
    expect(text).not.toContain('musl');
  });

  it('shares the toolchain stage between libc variants and distros; musl adds musl-tools and CC=musl-gcc', () => {
    const toolchain = (from: string, libc: 'glibc' | 'musl') => JSON.stringify(patchedImageModel({ ...spec, from, libc }).stages[0]);
    expect(toolchain('golang:1.26.8-trixie', 'musl')).toBe(toolchain('golang:1.26.8-bookworm', 'glibc'));
    const musl = renderDockerfile(patchedImageModel({ ...spec, libc: 'musl' }));
    expect(musl).toMatch(/musl-tools[\s\S]*CC=\/usr\/bin\/musl-gcc/);
    expect(() => patchedImageModel({ ...spec, from: 'golang:1.26.8-alpine3.22', libc: 'musl' })).toThrow(/Alpine bases are not patched/);
  });

  it('keeps a registry port apart from the tag of the upstream image', () => {
    const text = renderDockerfile(patchedImageModel({ ...spec, from: '127.0.0.1:5000/golang:1.26.8-bookworm', libc: 'glibc' }));
    expect(text).toContain('FROM 127.0.0.1:5000/golang:1.26.8-bookworm AS toolchain');
  });

  it('tags musl images apart from glibc and from upstream\'s -alpine tags', () => {
    expect(patchedTag('1.26.8-bookworm', 'musl')).toBe('1.26.8-bookworm-musl');
    expect(patchedTag('1.26.8-bookworm', 'glibc')).toBe('1.26.8-bookworm');
  });

  it('digests a patch folder by paths, modes and contents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patch-'));
    writeFileSync(join(dir, 'a.diff'), 'x');
    const first = patchDigest(dir);
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(patchDigest(dir)).toBe(first);
    writeFileSync(join(dir, 'README.md'), 'notes');
    expect(patchDigest(dir), 'the README is documentation, not the patch').toBe(first);
    chmodSync(join(dir, 'a.diff'), 0o755);
    expect(patchDigest(dir)).not.toBe(first);
  });
});
