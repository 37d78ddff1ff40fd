import { describe, expect, it } from 'vitest';
import { listTags, parseRepo } from './registry-tags.js';

describe('parseRepo', () => {
  it('maps official images to Docker Hub library/, keeps hosts and uses http only on loopback', () => {
    expect(parseRepo('golang')).toEqual({ registry: 'https://registry-1.docker.io', repository: 'library/golang' });
    expect(parseRepo('scontain/golang')).toEqual({ registry: 'https://registry-1.docker.io', repository: 'scontain/golang' });
    expect(parseRepo('127.0.0.1:5000/confidential/golang')).toEqual({ registry: 'http://127.0.0.1:5000', repository: 'confidential/golang' });
    expect(parseRepo('ghcr.io/scontain/golang')).toEqual({ registry: 'https://ghcr.io', repository: 'scontain/golang' });
  });
});

describe('listTags', () => {
  // A recorded-shape registry: two pages joined by a Link header (as the v2 API paginates).
  const pages: Record<string, { body: unknown; link?: string }> = {
    'http://127.0.0.1:5000/v2/x/golang/tags/list?n=1000': { body: { name: 'x/golang', tags: ['1.26.8-bookworm'] }, link: '</v2/x/golang/tags/list?n=1000&last=1.26.8-bookworm>; rel="next"' },
    'http://127.0.0.1:5000/v2/x/golang/tags/list?n=1000&last=1.26.8-bookworm': { body: { name: 'x/golang', tags: ['bookworm'] } },
  };
  const fakeFetch = (async (url: string) => {
    const page = pages[url];
    if (!page) return new Response('{}', { status: 404 });
    return new Response(JSON.stringify(page.body), { status: 200, headers: page.link ? { link: page.link } : {} });
  }) as typeof fetch;

  it('follows pagination', async () => {
    expect(await listTags('127.0.0.1:5000/x/golang', fakeFetch)).toEqual(['1.26.8-bookworm', 'bookworm']);
  });

  it('treats an unknown repository as empty and a bad answer as an error naming the registry', async () => {
    expect(await listTags('127.0.0.1:5000/none', fakeFetch)).toEqual([]);
    const bad = (async () => new Response(JSON.stringify({ tags: 'x' }), { status: 200 })) as unknown as typeof fetch;
    await expect(listTags('127.0.0.1:5000/x/golang', bad)).rejects.toThrow(/Could not list the tags of 127.0.0.1:5000\/x\/golang at http:\/\/127.0.0.1:5000: unexpected tag list/);
  });
});
