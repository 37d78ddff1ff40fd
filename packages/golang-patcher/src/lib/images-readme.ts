// The README of the published images, generated from the registry itself (so it shows every image the job ever
// published, not one run's): a Version | Tags table (one row per image, every tag pointing at it) and an alias
// table (each moving tag → the full tag it names today), with the cosign command that verifies them.
import { listTags, tagDigest } from './registry-tags.js';
import { FULL_TAG } from './tags.js';

export interface TaggedDigest {
  tag: string;
  digest: string;
}

/** Full (immutable) tags: upstream's (1.27.3-trixie, 1.27rc2-trixie), or one of them with -musl appended. */
const isFullTag = (tag: string) => FULL_TAG.test(tag.replace(/-musl$/, ''));
/** cosign's own attachments (sha256-<hex>.sig) are not images */
const ATTACHMENT = /^sha256-[0-9a-f]{64}(\.\w+)?$/;

export function renderImagesReadme(target: string, entries: readonly TaggedDigest[]): string {
  const images = new Map<string, string[]>();
  for (const { tag, digest } of entries) {
    if (ATTACHMENT.test(tag)) continue;
    images.set(digest, [...(images.get(digest) ?? []), tag]);
  }
  const rows: { full: string; tags: string[]; digest: string }[] = [];
  const aliases: [string, string][] = [];
  for (const [digest, tags] of images) {
    const full = tags.find(isFullTag);
    if (!full) continue; // an image no full tag names (a moved alias' old target is not listed)
    const rest = tags.filter((t) => t !== full).sort();
    rows.push({ full, tags: [full, ...rest], digest });
    for (const a of rest) aliases.push([a, full]);
  }
  rows.sort((a, b) => b.full.localeCompare(a.full, 'en', { numeric: true }));
  aliases.sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const code = (s: string) => `\`${s}\``;
  return [
    `# ${target}`,
    '',
    'Patched `golang` images: every system call of Go code goes through libc (`GOEXPERIMENT=libcsyscall`, cgo and',
    'external linking on by default). Built every day from the upstream images by `nx run golang-patcher:sync --execute`,',
    'verified from the inside (0 raw SYSCALL sites in a probe built with the image), then pushed and signed by digest.',
    'musl images are the Debian image with `CC=musl-gcc` (tags end in `-musl`); full tags are never overwritten.',
    '',
    'Verify an image (the public key is `cosign.pub`, published beside this file):',
    '',
    '```sh',
    `cosign verify --key cosign.pub --insecure-ignore-tlog ${target}@<digest>`,
    '```',
    '',
    '## Images',
    '',
    '| Version | Tags | Digest |',
    '|---|---|---|',
    ...rows.map((r) => `| ${code(r.full)} | ${r.tags.map(code).join(', ')} | ${code(r.digest)} |`),
    '',
    '## Aliases',
    '',
    '| Alias | Points at |',
    '|---|---|',
    ...aliases.map(([a, full]) => `| ${code(a)} | ${code(full)} |`),
    '',
  ].join('\n');
}

/** Reads every tag and the digest it points at from the registry, then renders the README. */
export async function imagesReadme(target: string): Promise<string> {
  const tags = (await listTags(target)).filter((t) => !ATTACHMENT.test(t));
  const entries: TaggedDigest[] = [];
  for (const tag of tags) {
    const digest = await tagDigest(target, tag);
    if (digest) entries.push({ tag, digest });
  }
  return renderImagesReadme(target, entries);
}
