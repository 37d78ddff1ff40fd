// The Dockerfile model of a patched golang image: the upstream image, the patch applied to its GOROOT and the
// toolchain rebuilt inside the build (so the image is self-contained, whatever Go the host has), cgo and
// external linking on by default through $GOROOT/go.env.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseImageRef, type Dockerfile } from '@confidential/image-builder';
import type { Libc } from './tags.js';

export interface PatchedImageSpec {
  /** upstream image, e.g. golang:1.26.8-bookworm */
  from: string;
  libc: Libc;
  /** Go version of the upstream image, e.g. 1.26.8 */
  goVersion: string;
  /** the patch folder's name inside the build context, e.g. go1.26 */
  patchName: string;
  /** content hash of the patch folder (patchDigest) */
  patchDigest: string;
}

export const LABEL_PREFIX = 'org.confidential.golang-patcher';

/** SHA-256 over the sorted relative paths and contents of a folder: the patch's identity in labels and build ids. */
export function patchDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]))
      .sort();
  for (const file of walk(dir)) {
    hash.update(relative(dir, file)).update('\0').update(String(statSync(file).mode & 0o111 ? 'x' : '-')).update(readFileSync(file)).update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The tag of the patched image for an upstream tag: same tag, and "-musl" for a musl build on a glibc base. */
export function patchedTag(upstreamTag: string, libc: Libc): string {
  return libc === 'musl' && !upstreamTag.includes('alpine') ? `${upstreamTag}-musl` : upstreamTag;
}

export function patchedImageModel(spec: PatchedImageSpec): Dockerfile {
  const alpine = spec.from.includes('alpine');
  const tools = alpine
    ? 'apk add --no-cache bash patch gcc musl-dev binutils'
    : `apt-get update -qq && apt-get install -y -qq --no-install-recommends patch gcc libc6-dev binutils${spec.libc === 'musl' ? ' musl-tools' : ''} && rm -rf /var/lib/apt/lists/*`;
  const cc = spec.libc === 'musl' && !alpine ? 'musl-gcc' : 'gcc';
  return {
    stages: [
      {
        name: 'patched',
        from: parseImageRef(spec.from),
        instructions: [
          { kind: 'COPY', src: ['golang-patcher'], dest: '/opt/golang-patcher' },
          {
            kind: 'RUN',
            commands: [
              tools,
              `CC=${cc} bash /opt/golang-patcher/scripts/apply-patch.sh /usr/local/go /usr/local/go.patched`,
              'rm -rf /usr/local/go',
              'mv /usr/local/go.patched /usr/local/go',
              'go version',
              'go env CGO_ENABLED CC GOEXPERIMENT',
            ],
          },
          {
            kind: 'LABEL',
            labels: {
              [`${LABEL_PREFIX}.from`]: spec.from,
              [`${LABEL_PREFIX}.go`]: spec.goVersion,
              [`${LABEL_PREFIX}.libc`]: spec.libc,
              [`${LABEL_PREFIX}.patch`]: `${spec.patchName}@${spec.patchDigest}`,
            },
          },
        ],
      },
    ],
  };
}
