// The daily job's second half: for each planned image, build (patched toolchain), verify from the inside, push
// every tag, sign the pushed digest. A full tag that appeared meanwhile is not overwritten; a failed verify
// pushes nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushImage, tagImage } from '@confidential/image-builder';
import { buildPatchedImage } from './patch-image.js';
import { listTags } from './registry-tags.js';
import { signImageDigest } from './sign-digest.js';
import type { SyncPlan } from './tags.js';
import { verifyPatchedImage } from './verify-image.js';

export interface PublishOptions {
  root: string;
  /** upstream repository, e.g. golang */
  upstream: string;
  /** target repository, e.g. 127.0.0.1:5000/confidential/golang */
  target: string;
  /** where <full tag>.sig.json files go */
  signaturesDir: string;
  keyFile?: string;
  log?: (line: string) => void;
}

export interface Published {
  from: string;
  digest: string;
  tags: string[];
  rawSites: number;
  probePassed: number;
  signature: string;
}

export async function publishPlan(plan: SyncPlan, o: PublishOptions): Promise<Published[]> {
  const log = o.log ?? (() => {});
  const published: Published[] = [];
  mkdirSync(o.signaturesDir, { recursive: true });
  for (const b of plan.build) {
    const image = await buildPatchedImage({ root: o.root, from: `${o.upstream}:${b.from}`, libc: b.libc, repository: o.target, log });
    const v = await verifyPatchedImage(image.ref, join(o.root, 'packages/golang-patcher/probe'));
    if (v.goExperiment !== 'libcsyscall' || v.rawSites !== 0 || v.probe.failed !== 0 || !v.staticLinked || v.staticProbe.failed !== 0) {
      throw new Error(
        `verify of ${image.ref} failed (GOEXPERIMENT=${v.goExperiment}, raw sites ${v.rawSites}, probe ${v.probe.failed} failed, ` +
          `CGO_ENABLED=0 build ${v.staticLinked ? 'static' : 'not static'} with ${v.staticProbe.failed} failed): nothing pushed`,
      );
    }
    if ((await listTags(o.target)).includes(b.from)) {
      log(`skip ${b.from}: published meanwhile (full tags are never overwritten)`);
      continue;
    }
    let digest: string | undefined;
    for (const tag of b.tags) {
      await tagImage(image.ref, `${o.target}:${tag}`);
      const d = await pushImage(`${o.target}:${tag}`);
      if (digest && d !== digest) throw new Error(`push of ${o.target}:${tag} gave ${d}, expected ${digest}`);
      digest = d;
    }
    if (!digest) throw new Error(`nothing pushed for ${b.from}`);
    const sig = signImageDigest(o.target, digest, b.tags, o.keyFile);
    const file = join(o.signaturesDir, `${b.from}.sig.json`);
    writeFileSync(file, `${JSON.stringify(sig, null, 2)}\n`);
    log(`published ${o.target}@${digest} as ${b.tags.join(', ')}; signature ${file}`);
    published.push({ from: b.from, digest, tags: b.tags, rawSites: v.rawSites, probePassed: v.probe.passed, signature: file });
  }
  return published;
}
