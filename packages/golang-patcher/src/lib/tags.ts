// The daily sync's planning: which upstream golang tags to patch, and which alias tags each patched image gets.
// Alias rules follow docker-library/golang + official-images:
//  - every variant: {full}-{v}, {minor}-{v}; the newest stable minor also 1-{v} and the bare {v};
//  - the first Alpine variant also gets the same aliases with "-alpine" ({full}-alpine … alpine);
//  - the first Debian variant also gets the bare {full}, {minor} (and 1, latest for the newest stable minor);
//  - release candidates: {1.27rc3}-{v}, {1.27-rc}-{v} (and bare 1.27rc3, 1.27-rc on the first Debian variant).
// Full-version tags are immutable: a tag that exists in the target registry is never overwritten.
import { DISTROS } from '@confidential/image-builder';
import { patchedTag } from './image-model.js';
import { compareGoVersions, formatGoVersion, minorOf, parseGoVersion, type GoVersion } from './versions.js';

export type Libc = 'glibc' | 'musl';

export interface UpstreamImage {
  version: GoVersion;
  variant: string;
}

export interface PlannedImage {
  /** the upstream tag this image is built from, e.g. 1.26.8-bookworm */
  from: string;
  version: string;
  variant: string;
  libc: Libc;
  /** first the immutable full tag, then the aliases */
  tags: string[];
}

export interface SkippedImage {
  tag: string;
  reason: string;
}

export interface SyncPlan {
  build: PlannedImage[];
  skip: SkippedImage[];
}

export const isAlpine = (variant: string) => variant.startsWith('alpine');
export const isDebian = (variant: string) => !isAlpine(variant) && !variant.startsWith('windows') && !variant.startsWith('nanoserver');

/** End-of-life dates of base distributions (ISO dates; Debian: end of LTS, Alpine: end of support). */
export const DEFAULT_EOL: Readonly<Record<string, string>> = {
  buster: '2024-06-30',
  bullseye: '2026-08-31',
  'alpine3.18': '2025-05-09',
  'alpine3.19': '2025-11-01',
  'alpine3.20': '2026-04-01',
  'alpine3.21': '2026-11-01',
};

/** An upstream full tag: 1.27.3-trixie, 1.27rc2-alpine3.22 (version, variant). */
export const FULL_TAG = /^(\d+\.\d+(?:\.\d+|rc\d+))-([a-z][a-z0-9.]*)$/;

/** Picks the full-version tags (1.26.8-bookworm) out of a registry's tag list; aliases are ignored. */
export function parseUpstreamTags(tags: readonly string[]): UpstreamImage[] {
  const images: UpstreamImage[] = [];
  for (const tag of tags) {
    const m = FULL_TAG.exec(tag);
    if (m?.[1] && m[2] && !m[2].startsWith('windows') && !m[2].startsWith('nanoserver')) {
      images.push({ version: parseGoVersion(m[1]), variant: m[2] });
    }
  }
  return images;
}

/** Variant order as upstream lists them: newest Debian first, then newest Alpine first. */
function variantOrder(variants: Iterable<string>): string[] {
  const debianAge = ['trixie', 'bookworm', 'bullseye', 'buster'];
  const rank = (v: string) => (isAlpine(v) ? 100 - Number(v.slice('alpine'.length).split('.')[1] ?? 0) : debianAge.indexOf(v) === -1 ? 50 : debianAge.indexOf(v));
  return [...new Set(variants)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Alias tags for the newest release of each minor (and the newest rc newer than every release), per variant.
 * Returns a map from the full tag ({full}-{variant}) to all its tags, full tag first.
 */
export function aliasTags(images: readonly UpstreamImage[]): Map<string, string[]> {
  // newest version per minor line (rc lines are separate: 1.27rc3 belongs to "1.27-rc")
  const newest = new Map<string, GoVersion>();
  for (const { version } of images) {
    const line = version.rc !== undefined ? `${minorOf(version)}-rc` : minorOf(version);
    const cur = newest.get(line);
    if (!cur || compareGoVersions(version, cur) > 0) newest.set(line, version);
  }
  const stable = [...newest.entries()].filter(([line]) => !line.endsWith('-rc')).map(([, v]) => v);
  const newestStable = stable.sort(compareGoVersions).at(-1);
  // an rc line whose minor already has a release is over
  for (const [line, v] of newest) {
    if (line.endsWith('-rc') && newestStable && compareGoVersions(v, { major: newestStable.major, minor: newestStable.minor }) <= 0) {
      newest.delete(line);
    }
  }

  const result = new Map<string, string[]>();
  for (const [line, version] of newest) {
    const full = formatGoVersion(version);
    const isNewestStable = newestStable !== undefined && version.rc === undefined && compareGoVersions(version, newestStable) === 0;
    const versionAliases = line.endsWith('-rc') ? [full, line] : [full, line, ...(isNewestStable ? ['1', 'latest'] : [])];
    const variants = variantOrder(images.filter((i) => compareGoVersions(i.version, version) === 0).map((i) => i.variant));
    const firstAlpine = variants.find(isAlpine);
    const firstDebian = variants.find(isDebian);
    for (const variant of variants) {
      const suffixed = (suffix: string) => versionAliases.map((a) => (a === 'latest' ? suffix : `${a}-${suffix}`));
      const tags = suffixed(variant);
      if (variant === firstAlpine) tags.push(...suffixed('alpine'));
      if (variant === firstDebian) tags.push(...versionAliases);
      result.set(`${full}-${variant}`, tags);
    }
  }
  return result;
}

export interface PlanOptions {
  /** the upstream registry's tag list (golang on Docker Hub) */
  upstreamTags: readonly string[];
  /** tags the target repository already has */
  existingTags: readonly string[];
  /** ISO date of today; variants whose distribution is past its EOL date are skipped */
  today: string;
  eol?: Readonly<Record<string, string>>;
  /** Go minors for which a runtime patch exists (e.g. ["1.26"]); others are skipped with the reason */
  patchedMinors: readonly string[];
}

/** What the daily job does today: builds only new full tags, never overwriting one, with their aliases. */
export function planSync(options: PlanOptions): SyncPlan {
  const eol = options.eol ?? DEFAULT_EOL;
  const existing = new Set(options.existingTags);
  const images = parseUpstreamTags(options.upstreamTags);
  const skip: SkippedImage[] = [];
  const live = images.filter(({ version, variant }) => {
    const tag = `${formatGoVersion(version)}-${variant}`;
    const end = eol[variant];
    if (end !== undefined && end < options.today) {
      skip.push({ tag, reason: `${variant} reached end of life on ${end}` });
      return false;
    }
    return true;
  });
  const aliases = aliasTags(live);
  const build: PlannedImage[] = [];
  const plan = (image: PlannedImage) => {
    if (existing.has(image.tags[0]!)) skip.push({ tag: image.tags[0]!, reason: 'already published (full tags are never overwritten)' });
    else build.push(image);
  };
  for (const { version, variant } of live) {
    const from = `${formatGoVersion(version)}-${variant}`;
    const tags = aliases.get(from);
    if (!tags) continue; // not the newest of its minor: upstream keeps it, we have nothing new to do
    if (!options.patchedMinors.includes(minorOf(version))) {
      skip.push({ tag: from, reason: `no runtime patch for go${minorOf(version)}` });
    } else if (!isAlpine(variant) && !(DISTROS as readonly string[]).includes(variant)) {
      skip.push({ tag: from, reason: `unknown distro ${variant} (patched: ${DISTROS.join(', ')})` });
    } else if (isAlpine(variant)) {
      skip.push({ tag: from, reason: `musl images are built on Debian and tagged -musl (an -${variant} tag would pass for upstream's)` });
    } else {
      const image = { from, version: formatGoVersion(version), variant };
      plan({ ...image, libc: 'glibc', tags });
      // the first Debian variant (it carries the bare version tags) also gets the musl image, every tag + "-musl"
      if (tags.includes(image.version)) plan({ ...image, libc: 'musl', tags: tags.map((t) => (t === 'latest' ? 'musl' : patchedTag(t, 'musl'))) });
    }
  }
  build.sort((a, b) => a.from.localeCompare(b.from));
  return { build, skip };
}
