// The daily job's second half, for each planned image:
//   build (patched toolchain) → verify from the inside → push the full tag → cosign sign the pushed digest →
//   cosign verify it with the public key → only then move the alias tags.
// A signature that cannot be made or verified removes the pushed image again (the full tag with it), so no tag
// stays on an unsigned image and no alias ever points at one. The key, its password and the registry are checked
// before anything is built. A full tag that appeared meanwhile is not overwritten; aliases move (they name the
// newest image of their line).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushImage, tagImage } from '@confidential/image-builder';
import { publicKeyOf, signDigest, verifySignature, type CosignOptions } from './cosign.js';
import { buildPatchedImage } from './patch-image.js';
import { deleteManifest, listTags } from './registry-tags.js';
import type { SyncPlan } from './tags.js';
import { verifyPatchedImage } from './verify-image.js';

export interface PublishOptions {
  root: string;
  /** upstream repository, e.g. golang */
  upstream: string;
  /** target repository, e.g. 127.0.0.1:5000/confidential/golang */
  target: string;
  /** cosign private key: a file or env://NAME; password in COSIGN_PASSWORD */
  signingKey: string;
  /** where the public key is written (cosign.pub, what users verify with) */
  publicKeyFile: string;
  tlog?: boolean;
  log?: (line: string) => void;
}

export interface Published {
  from: string;
  /** repository@sha256:… in the target repository */
  image: string;
  digest: string;
  tags: string[];
  rawSites: number;
  probePassed: number;
}

export async function publishPlan(plan: SyncPlan, o: PublishOptions): Promise<Published[]> {
  const log = o.log ?? (() => {});
  const cosign: CosignOptions = { key: o.signingKey, tlog: o.tlog ?? false };
  // before building anything: the key opens with its password, the registry answers
  writeFileSync(o.publicKeyFile, await publicKeyOf(cosign));
  await listTags(o.target);
  const published: Published[] = [];
  for (const b of plan.build) {
    const image = await buildPatchedImage({ root: o.root, from: `${o.upstream}:${b.from}`, libc: b.libc, repository: o.target, log });
    const v = await verifyPatchedImage(image.ref, join(o.root, 'packages/golang-patcher/probe'));
    if (v.goExperiment !== 'libcsyscall' || v.rawSites !== 0 || v.probe.failed !== 0 || !v.staticLinked || v.staticProbe.failed !== 0) {
      throw new Error(
        `verify of ${image.ref} failed (GOEXPERIMENT=${v.goExperiment}, raw sites ${v.rawSites}, probe ${v.probe.failed} failed, ` +
          `CGO_ENABLED=0 build ${v.staticLinked ? 'static' : 'not static'} with ${v.staticProbe.failed} failed): nothing pushed`,
      );
    }
    const full = b.tags[0]!;
    if ((await listTags(o.target)).includes(full)) {
      log(`skip ${full}: published meanwhile (full tags are never overwritten)`);
      continue;
    }
    const push = async (tag: string) => {
      await tagImage(image.ref, `${o.target}:${tag}`);
      return pushImage(`${o.target}:${tag}`);
    };
    const digest = await push(full);
    const signed = `${o.target}@${digest}`;
    try {
      await signDigest(signed, cosign);
      const check = await verifySignature(signed, o.publicKeyFile, cosign);
      if (!check.ok) throw new Error(`cosign verify ${signed} failed after signing: ${check.reason}`);
    } catch (err) {
      await deleteManifest(o.target, digest);
      throw new Error(`${(err as Error).message}; ${full} removed again, no alias moved`, { cause: err });
    }
    for (const alias of b.tags.slice(1)) {
      const d = await push(alias);
      if (d !== digest) throw new Error(`push of ${o.target}:${alias} gave ${d}, expected ${digest}`);
    }
    log(`published ${signed} as ${b.tags.join(', ')}; signed, verify with: cosign verify --key ${o.publicKeyFile} --insecure-ignore-tlog ${signed}`);
    published.push({ from: b.from, image: signed, digest, tags: b.tags, rawSites: v.rawSites, probePassed: v.probe.passed });
  }
  return published;
}
