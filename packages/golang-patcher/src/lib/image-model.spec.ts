import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderDockerfile } from '@confidential/image-builder';
import { describe, expect, it } from 'vitest';
import { patchDigest, patchedImageModel, patchedTag } from './image-model.js';

describe('patched golang image model', () => {
  const spec = { from: 'golang:1.26.8-bookworm', goVersion: '1.26.8', patchName: 'go1.26', patchDigest: `sha256:${'c'.repeat(64)}` };

  it('rebuilds the toolchain inside the build from the upstream image and labels what it was made from', () => {
    const text = renderDockerfile(patchedImageModel({ ...spec, libc: 'glibc' }));
    expect(text).toContain('FROM golang:1.26.8-bookworm AS patched');
    expect(text).toContain('CC=gcc bash /opt/golang-patcher/scripts/apply-patch.sh /usr/local/go /usr/local/go.patched');
    expect(text).toContain(`"org.confidential.golang-patcher.patch"="go1.26@sha256:${'c'.repeat(64)}"`);
    expect(text).not.toContain('musl-tools');
  });

  it('uses musl-gcc from musl-tools for the musl variant on a Debian base, apk on Alpine', () => {
    expect(renderDockerfile(patchedImageModel({ ...spec, libc: 'musl' }))).toMatch(/musl-tools[\s\S]*CC=musl-gcc/);
    const alpine = renderDockerfile(patchedImageModel({ ...spec, from: 'golang:1.26.8-alpine3.22', libc: 'musl' }));
    expect(alpine).toContain('apk add --no-cache bash patch gcc musl-dev binutils');
    expect(alpine).toContain('CC=gcc');
  });

  it('keeps a registry port apart from the tag of the upstream image', () => {
    const text = renderDockerfile(patchedImageModel({ ...spec, from: '127.0.0.1:5000/golang:1.26.8-bookworm', libc: 'glibc' }));
    expect(text).toContain('FROM 127.0.0.1:5000/golang:1.26.8-bookworm AS patched');
  });

  it('tags musl builds on glibc bases apart', () => {
    expect(patchedTag('1.26.8-bookworm', 'musl')).toBe('1.26.8-bookworm-musl');
    expect(patchedTag('1.26.8-alpine3.22', 'musl')).toBe('1.26.8-alpine3.22');
    expect(patchedTag('1.26.8-bookworm', 'glibc')).toBe('1.26.8-bookworm');
  });

  it('digests a patch folder by paths, modes and contents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patch-'));
    writeFileSync(join(dir, 'a.diff'), 'x');
    const first = patchDigest(dir);
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(patchDigest(dir)).toBe(first);
    chmodSync(join(dir, 'a.diff'), 0o755);
    expect(patchDigest(dir)).not.toBe(first);
  });
});
