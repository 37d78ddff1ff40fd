// Tag lists from an OCI/Docker registry (v2 API): Docker Hub with its anonymous token, or a plain registry
// (a local one on loopback). Responses are validated; pagination follows the Link header.
import { z } from 'zod';

const TagList = z.object({ name: z.string(), tags: z.array(z.string()).nullable() });
const Token = z.object({ token: z.string().optional(), access_token: z.string().optional() });

export interface RegistryRepo {
  /** registry base URL, e.g. https://registry-1.docker.io or http://127.0.0.1:5000 */
  registry: string;
  /** repository, e.g. library/golang */
  repository: string;
}

/** Parses "golang", "localhost:5000/confidential/golang", "ghcr.io/x/golang" into registry + repository. */
export function parseRepo(ref: string): RegistryRepo {
  const [first, ...rest] = ref.split('/');
  const hasHost = rest.length > 0 && first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasHost) {
    return { registry: 'https://registry-1.docker.io', repository: rest.length ? ref : `library/${ref}` };
  }
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/.test(first);
  return { registry: `${loopback ? 'http' : 'https'}://${first}`, repository: rest.join('/') };
}

async function hubToken(repository: string, fetchImpl: typeof fetch): Promise<string> {
  const url = `https://auth.docker.io/token?service=registry.docker.io&scope=repository:${repository}:pull`;
  const res = await fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Docker Hub refused a pull token for ${repository}: HTTP ${res.status}.`);
  const body = Token.parse(await res.json());
  const token = body.token ?? body.access_token;
  if (!token) throw new Error(`Docker Hub's token answer for ${repository} has no token.`);
  return token;
}

/** All tags of a repository; a registry that does not answer gives one sentence saying which and why. */
export async function listTags(ref: string, fetchImpl: typeof fetch = fetch): Promise<string[]> {
  const { registry, repository } = parseRepo(ref);
  const headers: Record<string, string> = {};
  try {
    if (registry === 'https://registry-1.docker.io') headers.authorization = `Bearer ${await hubToken(repository, fetchImpl)}`;
    const tags: string[] = [];
    let next: string | undefined = `${registry}/v2/${repository}/tags/list?n=1000`;
    while (next) {
      const res: Response = await fetchImpl(next, { headers, signal: AbortSignal.timeout(15_000) });
      if (res.status === 404) return tags; // a repository nobody pushed to yet has no tags
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const page = TagList.safeParse(await res.json());
      if (!page.success) throw new Error(`unexpected tag list: ${page.error.issues[0]?.message ?? 'invalid'}`);
      tags.push(...(page.data.tags ?? []));
      const link = res.headers.get('link');
      const m = link ? /<([^>]+)>;\s*rel="next"/.exec(link) : null;
      next = m?.[1] ? new URL(m[1], registry).toString() : undefined;
    }
    return tags;
  } catch (err) {
    const why = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new Error(`Could not list the tags of ${ref} at ${registry}: ${why}. Check that the registry answers (for the upstream list, --upstreamTagsFile works offline).`, {
      cause: err,
    });
  }
}

/** Deletes a manifest by digest (the registry must allow deletes); every tag that pointed at it goes with it. */
export async function deleteManifest(ref: string, digest: string, fetchImpl: typeof fetch = fetch): Promise<void> {
  const { registry, repository } = parseRepo(ref);
  const res = await fetchImpl(`${registry}/v2/${repository}/manifests/${digest}`, { method: 'DELETE', signal: AbortSignal.timeout(15_000) }).catch((err: unknown) => {
    throw new Error(`Could not delete ${ref}@${digest} at ${registry}: ${err instanceof Error ? err.message : String(err)}`);
  });
  if (res.status !== 202 && res.status !== 404) throw new Error(`${registry} refused to delete ${ref}@${digest}: HTTP ${res.status} (enable storage.delete in the registry)`);
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** The digest a tag points at (Docker-Content-Digest of a HEAD request), or undefined when the tag does not exist. */
export async function tagDigest(ref: string, tag: string, fetchImpl: typeof fetch = fetch): Promise<string | undefined> {
  const { registry, repository } = parseRepo(ref);
  const res = await fetchImpl(`${registry}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { accept: MANIFEST_TYPES }, signal: AbortSignal.timeout(15_000) });
  if (res.status === 404) return undefined;
  const digest = res.headers.get('docker-content-digest');
  if (!res.ok || !digest) throw new Error(`${registry} gave HTTP ${res.status} for the manifest of ${ref}:${tag}`);
  return digest;
}
