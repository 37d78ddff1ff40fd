import { describe, expect, it } from 'vitest';
import { aliasTags, parseUpstreamTags, planSync } from './tags.js';

// A slice of Docker Hub's golang tag list as it looks in late 2026 (aliases included: they must be ignored).
const upstream = [
  '1.26.8-trixie', '1.26.8-bookworm', '1.26.8-alpine3.22', '1.26.8-alpine3.21', '1.26.7-bookworm',
  '1.25.12-trixie', '1.25.12-bookworm', '1.25.12-alpine3.22', '1.25.12-bullseye',
  '1.27rc2-trixie', '1.27rc2-alpine3.22', '1.27rc1-trixie',
  '1.26-bookworm', '1-bookworm', 'bookworm', 'latest', 'alpine', '1.26.8-windowsservercore-ltsc2022',
];

describe('aliasTags', () => {
  const tags = aliasTags(parseUpstreamTags(upstream));

  it('gives the newest stable minor 1, latest and bare variant aliases; the first Debian variant the shared tags', () => {
    expect(tags.get('1.26.8-trixie')).toEqual(['1.26.8-trixie', '1.26-trixie', '1-trixie', 'trixie', '1.26.8', '1.26', '1', 'latest']);
    expect(tags.get('1.26.8-bookworm')).toEqual(['1.26.8-bookworm', '1.26-bookworm', '1-bookworm', 'bookworm']);
  });

  it('gives only the first Alpine variant the -alpine aliases', () => {
    expect(tags.get('1.26.8-alpine3.22')).toEqual([
      '1.26.8-alpine3.22', '1.26-alpine3.22', '1-alpine3.22', 'alpine3.22',
      '1.26.8-alpine', '1.26-alpine', '1-alpine', 'alpine',
    ]);
    expect(tags.get('1.26.8-alpine3.21')).toEqual(['1.26.8-alpine3.21', '1.26-alpine3.21', '1-alpine3.21', 'alpine3.21']);
  });

  it('keeps older minors to their own aliases and names release candidates 1.27rc2 / 1.27-rc', () => {
    expect(tags.get('1.25.12-trixie')).toEqual(['1.25.12-trixie', '1.25-trixie', '1.25.12', '1.25']);
    expect(tags.get('1.27rc2-trixie')).toEqual(['1.27rc2-trixie', '1.27-rc-trixie', '1.27rc2', '1.27-rc']);
    expect(tags.has('1.27rc1-trixie')).toBe(false);
    expect(tags.has('1.26.7-bookworm')).toBe(false);
  });

  it('drops an rc line once its minor is released', () => {
    const released = aliasTags(parseUpstreamTags(['1.27rc2-trixie', '1.27.0-trixie']));
    expect([...released.keys()]).toEqual(['1.27.0-trixie']);
    expect(released.get('1.27.0-trixie')).toContain('latest');
  });
});

describe('planSync', () => {
  const plan = planSync({
    upstreamTags: upstream,
    existingTags: ['1.26.8-trixie', '1.26-trixie'],
    today: '2026-11-28',
    patchedMinors: ['1.26'],
  });

  it('builds only new full tags of patched minors, with their aliases and libc', () => {
    expect(plan.build.map((b) => [b.from, b.libc, b.tags[0]])).toEqual([
      ['1.26.8-bookworm', 'glibc', '1.26.8-bookworm'],
      ['1.26.8-trixie', 'musl', '1.26.8-trixie-musl'],
    ]);
  });

  it('builds musl on the first Debian variant, every tag suffixed -musl (never an upstream-looking -alpine tag)', () => {
    expect(plan.build.find((b) => b.libc === 'musl')!.tags).toEqual([
      '1.26.8-trixie-musl', '1.26-trixie-musl', '1-trixie-musl', 'trixie-musl', '1.26.8-musl', '1.26-musl', '1-musl', 'musl',
    ]);
    expect(plan.skip).toContainEqual({ tag: '1.26.8-alpine3.22', reason: "musl images are built on Debian and tagged -musl (an -alpine3.22 tag would pass for upstream's)" });
  });

  it('says why each other image is skipped: existing tag, end of life, no patch', () => {
    const reasons = Object.fromEntries(plan.skip.map((s) => [s.tag, s.reason]));
    expect(reasons['1.26.8-trixie']).toMatch(/never overwritten/);
    expect(reasons['1.26.8-alpine3.21']).toMatch(/end of life on 2026-11-01/);
    expect(reasons['1.25.12-bullseye']).toMatch(/end of life on 2026-08-31/);
    expect(reasons['1.25.12-bookworm']).toBe('no runtime patch for go1.25');
    expect(reasons['1.27rc2-trixie']).toBe('no runtime patch for go1.27');
    expect(planSync({ upstreamTags: ['1.26.8-jammy'], existingTags: [], today: '2026-11-28', patchedMinors: ['1.26'] }).skip).toEqual([
      { tag: '1.26.8-jammy', reason: 'unknown distro jammy (patched: bookworm, trixie)' },
    ]);
  });
});
