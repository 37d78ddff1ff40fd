// The Dockerfile model of a patched golang image, two stages:
//   toolchain — FROM the upstream bookworm image of the same Go version: the patch applied to its GOROOT and the
//               toolchain rebuilt inside the build (self-contained, whatever Go the host has);
//   patched   — FROM the upstream image of the variant (bookworm, trixie): its GOROOT replaced by the patched one,
//               cgo and external linking on by default through $GOROOT/go.env, CC=musl-gcc for musl.
// The toolchain stage is the same for every distro and libc of a Go version, so the engine's layer cache builds
// it (make.bash, minutes) once per version. The Go tools are static (built with cgo off): any distro runs them.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseImageRef, type Dockerfile } from '@confidential/image-builder';
import type { Libc } from './tags.js';

export interface PatchedImageSpec {
  /** upstream image, e.g. golang:1.26.8-trixie */
  from: string;
  /** upstream image the toolchain is built in; default: from's repository, tag <goVersion>-bookworm */
  builder?: string;
  libc: Libc;
  /** Go version of the upstream image, e.g. 1.26.8 */
  goVersion: string;
  /** the patch folder's name inside the build context, e.g. go1.26 */
  patchName: string;
  /** content hash of the patch folder (patchDigest) */
  patchDigest: string;
}

export const LABEL_PREFIX = 'org.confidential.golang-patcher';

/** What of a patch folder the build reads: everything but its documentation (README.md). */
export const PATCH_DOCS = '**/*.md';

/** SHA-256 over the sorted relative paths and contents of a folder's build files: the patch's identity in labels and build ids. */
export function patchDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.md') ? [] : [join(d, e.name)]))
      .sort();
  for (const file of walk(dir)) {
    hash.update(relative(dir, file)).update('\0').update(String(statSync(file).mode & 0o111 ? 'x' : '-')).update(readFileSync(file)).update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The tag of the patched image for an upstream tag: the same tag, and "-musl" appended for musl. */
export function patchedTag(upstreamTag: string, libc: Libc): string {
  return libc === 'musl' ? `${upstreamTag}-musl` : upstreamTag;
}

/** The builder of a variant: the bookworm image of the same repository and Go version. */
export function builderOf(from: string, goVersion: string): string {
  const ref = parseImageRef(from);
  return `${ref.image}:${goVersion}-bookworm`;
}

export function patchedImageModel(spec: PatchedImageSpec): Dockerfile {
  if (spec.from.includes('alpine')) throw new Error(`${spec.from}: Alpine bases are not patched; musl images are built on Debian (libc musl, tags -musl)`);
  const apt = (packages: string) => `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages} && rm -rf /var/lib/apt/lists/*`;
  const labels = {
    [`${LABEL_PREFIX}.from`]: spec.from,
    [`${LABEL_PREFIX}.go`]: spec.goVersion,
    [`${LABEL_PREFIX}.libc`]: spec.libc,
    [`${LABEL_PREFIX}.patch`]: `${spec.patchName}@${spec.patchDigest}`,
  };
  return {
    stages: [
      {
        name: 'toolchain',
        from: parseImageRef(spec.builder ?? builderOf(spec.from, spec.goVersion)),
        instructions: [
          { kind: 'COPY', src: ['golang-patcher'], dest: '/opt/golang-patcher' },
          { kind: 'RUN', commands: [apt('patch gcc libc6-dev binutils'), 'CC=gcc bash /opt/golang-patcher/scripts/apply-patch.sh /usr/local/go /usr/local/go.patched'] },
        ],
      },
      {
        name: 'patched',
        from: parseImageRef(spec.from),
        instructions: [
          { kind: 'RUN', commands: [...(spec.libc === 'musl' ? [apt('musl-tools')] : []), 'rm -rf /usr/local/go'] },
          { kind: 'COPY', from: 'toolchain', src: ['/usr/local/go.patched'], dest: '/usr/local/go' },
          {
            kind: 'RUN',
            commands: [
              ...(spec.libc === 'musl' ? ["sed -i 's|^CC=.*|CC=/usr/bin/musl-gcc|' /usr/local/go/go.env"] : []),
              'go version',
              'go env CGO_ENABLED CC GOEXPERIMENT',
            ],
          },
          { kind: 'LABEL', labels },
        ],
      },
    ],
  };
}
