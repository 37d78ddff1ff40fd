// Cache entries as OCI artifacts in a container registry (the Distribution HTTP API, v2): an entry is one blob
// (Nx's tar), referenced by a manifest tagged with the entry's hash. Blobs are content-addressed and checked on
// read; a registry scales (its storage driver: filesystem, S3, …), replicates and garbage-collects by itself.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const ENTRY_MEDIA_TYPE = 'application/vnd.confidential.nx-cache.entry.v1.tar';
const ARTIFACT_TYPE = 'application/vnd.confidential.nx-cache.v1';
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', data: Buffer.from('{}') };

const Manifest = z.object({ layers: z.array(z.object({ mediaType: z.string(), digest: z.string().regex(/^sha256:[0-9a-f]{64}$/), size: z.number() })).min(1) }).loose();

/** A cache key as a registry tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}` (Nx's hashes are decimal digits). */
export const CacheKey = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, 'expected a cache key (letters, digits, "._-", at most 128)');

export interface BlobStore {
  get(key: string): Promise<Buffer | undefined>;
  /** false when the key exists already (entries are never overwritten) */
  put(key: string, data: Buffer): Promise<boolean>;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface OciStoreOptions {
  /** e.g. http://127.0.0.1:5000 */
  registry: string;
  /** repository holding the entries, e.g. "nx-cache" */
  repository: string;
  /** Authorization header value for the registry (e.g. "Basic …"), if it needs one */
  authorization?: string;
  fetch?: typeof fetch;
}

export class OciStore implements BlobStore {
  private readonly base: string;
  private readonly fetch: typeof fetch;
  constructor(private readonly o: OciStoreOptions) {
    this.base = `${o.registry.replace(/\/+$/, '')}/v2/${o.repository}`;
    this.fetch = o.fetch ?? fetch;
  }

  private async call(path: string, init: RequestInit & { expect: number[] }): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const headers = new Headers(init.headers);
    if (this.o.authorization) headers.set('authorization', this.o.authorization);
    let res: Response;
    try {
      res = await this.fetch(url, { ...init, headers });
    } catch (err) {
      throw new RegistryError(`registry ${this.o.registry} did not answer ${init.method ?? 'GET'} ${new URL(url).pathname} (${(err as Error).message})`, { cause: err });
    }
    if (!init.expect.includes(res.status)) {
      const text = (await res.text().catch(() => '')).slice(0, 300);
      throw new RegistryError(`registry ${init.method ?? 'GET'} ${new URL(url).pathname}: ${res.status} ${text.trim()}`);
    }
    return res;
  }

  private async uploadBlob(data: Buffer): Promise<string> {
    const digest = sha256(data);
    const head = await this.call(`/blobs/${digest}`, { method: 'HEAD', expect: [200, 404] });
    if (head.status === 200) return digest;
    const start = await this.call('/blobs/uploads/', { method: 'POST', expect: [202] });
    const location = start.headers.get('location');
    if (!location) throw new RegistryError('registry gave no upload location');
    const url = new URL(location, this.o.registry);
    url.searchParams.set('digest', digest);
    await this.call(url.href, { method: 'PUT', body: new Uint8Array(data), headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.length) }, expect: [201] });
    return digest;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const res = await this.call(`/manifests/${CacheKey.parse(key)}`, { headers: { accept: MANIFEST_MEDIA_TYPE }, expect: [200, 404] });
    if (res.status === 404) return undefined;
    const manifest = Manifest.parse(await res.json());
    const layer = manifest.layers.find((l) => l.mediaType === ENTRY_MEDIA_TYPE);
    if (!layer) throw new RegistryError(`manifest ${key} has no ${ENTRY_MEDIA_TYPE} layer`);
    const blob = Buffer.from(await (await this.call(`/blobs/${layer.digest}`, { expect: [200] })).arrayBuffer());
    if (sha256(blob) !== layer.digest || blob.length !== layer.size) throw new RegistryError(`blob of ${key} does not match its digest ${layer.digest}`);
    return blob;
  }

  async put(key: string, data: Buffer): Promise<boolean> {
    const tag = CacheKey.parse(key);
    const head = await this.call(`/manifests/${tag}`, { method: 'HEAD', headers: { accept: MANIFEST_MEDIA_TYPE }, expect: [200, 404] });
    if (head.status === 200) return false;
    const digest = await this.uploadBlob(data);
    const config = await this.uploadBlob(EMPTY.data);
    const manifest = {
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      artifactType: ARTIFACT_TYPE,
      config: { mediaType: EMPTY.mediaType, digest: config, size: EMPTY.data.length },
      layers: [{ mediaType: ENTRY_MEDIA_TYPE, digest, size: data.length }],
    };
    await this.call(`/manifests/${tag}`, { method: 'PUT', body: JSON.stringify(manifest), headers: { 'content-type': MANIFEST_MEDIA_TYPE }, expect: [201] });
    return true;
  }
}

/** For tests and single-process use. */
export class MemoryStore implements BlobStore {
  readonly entries = new Map<string, Buffer>();
  async get(key: string) {
    return this.entries.get(CacheKey.parse(key));
  }
  async put(key: string, data: Buffer) {
    if (this.entries.has(CacheKey.parse(key))) return false;
    this.entries.set(key, data);
    return true;
  }
}
