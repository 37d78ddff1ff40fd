import { describe, expect, it } from 'vitest';
import { aptMirrorFrom, debianSource, golangDockerfile } from './base-images.js';
import { renderDockerfile } from './dockerfile.js';

describe('aptMirrorFrom', () => {
  it('reads deb822 sources, skipping the security archive', () => {
    const text = [
      'Types: deb',
      'URIs: http://deb.debian.org/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Types: deb',
      'URIs: http://mirror.example/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
    ].join('\n');
    expect(aptMirrorFrom([{ name: 'debian.sources', text }])).toBe('http://mirror.example/debian');
  });

  it('reads one-line sources and ignores other suites', () => {
    const text = 'deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\ndeb [arch=amd64] http://ftp.de.debian.org/debian bookworm main\n';
    expect(aptMirrorFrom([{ name: 'sources.list', text }])).toBe('http://ftp.de.debian.org/debian');
    expect(aptMirrorFrom([{ name: 'x.list', text: 'deb http://x/debian bullseye main' }])).toBeUndefined();
  });
});

describe('golangDockerfile', () => {
  it('has the official image ENV, the C and musl toolchain from apt, and GOROOT at /usr/local/go', () => {
    const text = renderDockerfile(golangDockerfile({ image: 'debian', tag: 'bookworm' }, '1.26.8', true));
    expect(text).toContain('FROM debian:bookworm AS golang');
    expect(text).toContain('GOLANG_VERSION="1.26.8"');
    expect(text).toContain('GOTOOLCHAIN="local"');
    expect(text).toContain('GOPATH="/go"');
    expect(text).toContain('PATH="/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"');
    expect(text).toMatch(/apt-get install -y --no-install-recommends gcc libc6-dev git ca-certificates make pkg-config musl-tools/);
    expect(text).toContain('COPY ["go","/usr/local/go"]');
    expect(text).toContain('WORKDIR /go');
  });

  it('leaves apt out in the fallback', () => {
    expect(renderDockerfile(golangDockerfile({ image: 'debian', tag: 'bookworm' }, '1.26.8', false))).not.toContain('apt-get');
  });

  it('labels the debian source with the variant and mirror', () => {
    expect(debianSource('http://deb.debian.org/debian')).toBe('debootstrap --variant=minbase bookworm http://deb.debian.org/debian');
  });
});
