// Nx's self-hosted remote cache API (Nx ≥ 20.8: NX_SELF_HOSTED_REMOTE_CACHE_SERVER, ..._ACCESS_TOKEN):
//   PUT /v1/cache/{hash}  body: the task's tar → 200; 409 when the entry exists (never overwritten);
//                          403 for a read-only token; 401 without a valid token
//   GET /v1/cache/{hash}  → 200 the tar; 404 when there is none
// Tokens are compared in constant time and never logged; the log names method, hash, status and size only.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CacheKey, type BlobStore } from './oci-store.js';

export interface CacheServerOptions {
  store: BlobStore;
  /** a token that may read and write */
  readWriteToken: string;
  /** a token that may only read (CI of forks, laptops), optional */
  readOnlyToken?: string;
  host?: string;
  /** 0: a free port */
  port?: number;
  /** largest accepted entry, bytes (default 2 GiB) */
  maxBytes?: number;
  log?: (line: string) => void;
}

export interface CacheServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function access(req: IncomingMessage, o: CacheServerOptions): 'rw' | 'ro' | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return undefined;
  if (same(m[1], o.readWriteToken)) return 'rw';
  if (o.readOnlyToken && same(m[1], o.readOnlyToken)) return 'ro';
  return undefined;
}

async function body(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw Object.assign(new Error(`entry larger than ${max} bytes`), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startCacheServer(o: CacheServerOptions): Promise<CacheServer> {
  const log = o.log ?? ((line: string) => console.log(line));
  const max = o.maxBytes ?? 2 ** 31;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<[number, number]> => {
    const send = (status: number, text = '', type = 'text/plain'): [number, number] => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
      return [status, 0];
    };
    const m = /^\/v1\/cache\/([^/?]+)$/.exec(req.url ?? '');
    if (!m) return send(404, 'not found');
    const who = access(req, o);
    if (!who) return send(401, 'missing or invalid bearer token');
    const key = CacheKey.safeParse(decodeURIComponent(m[1]!));
    if (!key.success) return send(400, key.error.issues[0]?.message ?? 'bad hash');
    if (req.method === 'GET') {
      const data = await o.store.get(key.data);
      if (!data) return send(404, 'no such entry');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length }).end(data);
      return [200, data.length];
    }
    if (req.method === 'PUT') {
      if (who !== 'rw') return send(403, 'this token may only read');
      const data = await body(req, max);
      if (!(await o.store.put(key.data, data))) return send(409, 'the entry exists; entries are never overwritten');
      send(200);
      return [200, data.length];
    }
    return send(405, 'GET or PUT');
  };
  const server = createServer((req, res) => {
    const started = Date.now();
    handle(req, res).then(
      ([status, bytes]) => log(`nx-cache ${req.method} ${req.url} ${status} ${bytes} bytes ${Date.now() - started} ms`),
      (err: Error & { status?: number }) => {
        const status = err.status ?? 502;
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' }).end(err.message);
        log(`nx-cache ${req.method} ${req.url} ${status} ${err.message}`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
