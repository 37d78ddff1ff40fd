import { describe, expect, it } from 'vitest';
import { renderImagesReadme } from './images-readme.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe('renderImagesReadme', () => {
  const text = renderImagesReadme('r.example/confidential/golang', [
    { tag: '1.27.3-trixie', digest: d('a') },
    { tag: 'latest', digest: d('a') },
    { tag: '1', digest: d('a') },
    { tag: '1.27.3-bookworm', digest: d('b') },
    { tag: 'bookworm', digest: d('b') },
    { tag: '1.27.3-trixie-musl', digest: d('c') },
    { tag: 'musl', digest: d('c') },
    { tag: '1.26.8-trixie', digest: d('e') },
    { tag: `sha256-${'a'.repeat(64)}.sig`, digest: d('f') },
    { tag: 'stale-alias', digest: d('9') },
  ]);

  it('has one row per image, newest version first, every tag of that image in it', () => {
    const rows = text.split('\n').filter((l) => /^\| `\d/.test(l) && l.includes('sha256:'));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| `1.27.3-trixie-musl`', '| `1.27.3-trixie`', '| `1.27.3-bookworm`', '| `1.26.8-trixie`']);
    expect(text).toContain(`| \`1.27.3-trixie\` | \`1.27.3-trixie\`, \`1\`, \`latest\` | \`${d('a')}\` |`);
  });

  it('lists each alias with the full tag it names; no cosign attachments, no alias of an image without a full tag', () => {
    expect(text).toContain('| `latest` | `1.27.3-trixie` |');
    expect(text).toContain('| `musl` | `1.27.3-trixie-musl` |');
    expect(text).not.toContain('.sig');
    expect(text).not.toContain('stale-alias');
    expect(text).toContain('cosign verify --key cosign.pub --insecure-ignore-tlog r.example/confidential/golang@<digest>');
  });
});
