// Building a patched golang image from an upstream one (the patch executor and the daily sync share this).
import { join } from 'node:path';
import { bootstrapBaseImage, buildImage, imageJsonFor, parseImageRef, type ImageJson } from '@confidential/image-builder';
import { builderOf, PATCH_DOCS, patchDigest, patchedImageModel, patchedTag } from './image-model.js';
import type { Libc } from './tags.js';
import { formatGoVersion, parseGoVersion, patchDirFor } from './versions.js';

export interface PatchImageOptions {
  /** workspace root (holds packages/golang-patcher) */
  root: string;
  /** upstream image with tag, e.g. golang:1.26.8-bookworm */
  from: string;
  libc: Libc;
  /** repository of the patched image, e.g. confidential/golang */
  repository: string;
  noCache?: boolean;
  log?: (line: string) => void;
}

/** The Go version of an upstream golang tag ("golang:1.26.8-bookworm" → 1.26.8). */
export function goVersionOfTag(from: string): string {
  const m = /^(\d+\.\d+(?:\.\d+|rc\d+)?)/.exec(parseImageRef(from).tag ?? '');
  if (!m?.[1]) throw new Error(`cannot read a Go version in the tag of ${from}`);
  return formatGoVersion(parseGoVersion(m[1]));
}

/** Builds (layer-cached) the patched image; returns its image.json record with go, libc, patch and from. */
export async function buildPatchedImage(o: PatchImageOptions): Promise<ImageJson & { cachedSteps: number }> {
  const log = o.log ?? (() => {});
  const goVersion = goVersionOfTag(o.from);
  const packageRoot = join(o.root, 'packages/golang-patcher');
  const patchDir = patchDirFor(parseGoVersion(goVersion), join(packageRoot, 'patches'));
  const patchName = patchDir.slice(patchDir.lastIndexOf('/') + 1);
  const digest = patchDigest(patchDir);
  const ref = `${o.repository}:${patchedTag(parseImageRef(o.from).tag ?? 'latest', o.libc)}`;
  const builder = builderOf(o.from, goVersion);
  log(`golang-patcher: ${o.from} + ${patchName} (${digest.slice(0, 19)}…) built in ${builder} → ${ref} [${o.libc}]`);
  const result = await buildImage({
    dockerfile: patchedImageModel({ from: o.from, builder, libc: o.libc, goVersion, patchName, patchDigest: digest }),
    context: [
      // only what the build runs: a change in another script, or in the patch's README, must not rebuild the toolchain
      { src: patchDir, dest: `golang-patcher/patches/${patchName}`, exclude: [PATCH_DOCS] },
      { src: join(packageRoot, 'scripts/apply-patch.sh'), dest: 'golang-patcher/scripts/apply-patch.sh' },
    ],
    cwd: o.root,
    tags: [ref],
    noCache: o.noCache ?? false,
    onProgress: log,
    // upstream images the engine lacks: pulled, else bootstrapped (only when this build runs: a cache hit needs none)
    bootstrap: bootstrapBaseImage({ log }),
  });
  const record = await imageJsonFor(ref, undefined, { go: goVersion, libc: o.libc, patch: `${patchName}@${digest}`, from: o.from });
  return { ...record, cachedSteps: result.cachedSteps };
}
