// The sim policy service (contract in CONTRIBUTING.md): plain HTTP/1.1 on Node's `http`, a SessionStore on disk,
// one log line per request (method, path, status, duration — never bodies, environment or secrets).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatIssue, PolicyError } from '../errors.js';
import { loadSessionText } from '../load.js';
import { serviceMeasurements } from '../schema.js';
import { launchConfig, renderLaunch } from './launch.js';
import { SessionStore } from './store.js';

export interface PolicyServiceOptions {
  /** Default 8081; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 inside a compose network. */
  host?: string;
  storeDir: string;
  /** One line per request; default: console.log. */
  log?: (line: string) => void;
  /** Largest accepted session body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

export interface PolicyService {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? `${JSON.stringify(body)}\n` : String(body);
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `session larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function decodeSegments(path: string): string[] {
  try {
    return path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path');
  }
}

export async function startPolicyService(options: PolicyServiceOptions): Promise<PolicyService> {
  const store = new SessionStore(options.storeDir);
  const log = options.log ?? ((line: string) => console.log(line));
  const limit = options.maxBodyBytes ?? 1024 * 1024;

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const segments = decodeSegments(url.pathname);
    const [head, kind, ...rest] = segments;

    if (url.pathname === '/health') {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'use GET /health');
      return send(res, 200, { status: 'ok' });
    }
    if (head !== 'v1') throw new HttpError(404, `no route for ${url.pathname}`);

    if (kind === 'sessions' && rest.length === 0) {
      if (method !== 'POST') throw new HttpError(405, 'use POST /v1/sessions with the session YAML as body');
      const text = await readBody(req, limit);
      let session;
      try {
        session = loadSessionText(text, 'session.yml').session;
      } catch (error) {
        if (error instanceof PolicyError) return send(res, 400, { errors: error.issues.map(formatIssue) });
        throw error;
      }
      const result = await store.put(session.name, text, session.predecessor);
      if (result.status === 'conflict') return send(res, 409, { error: result.message, ...(result.current ? { current: result.current } : {}) });
      return send(res, result.status === 'created' ? 201 : 200, { name: result.record.name, hash: result.record.hash });
    }

    if (kind === 'sessions') {
      if (method !== 'GET') throw new HttpError(405, 'use GET /v1/sessions/<name>');
      const name = rest.join('/');
      const record = await store.get(name);
      if (!record) throw new HttpError(404, `no session "${name}"`);
      return send(res, 200, { name: record.name, hash: record.hash, session: record.session });
    }

    if (kind === 'launch' && rest.length >= 2) {
      if (method !== 'GET') throw new HttpError(405, 'use GET /v1/launch/<session>/<service>?measurement=<64 hex>');
      const serviceName = rest[rest.length - 1] as string;
      const sessionName = rest.slice(0, -1).join('/');
      const measurement = url.searchParams.get('measurement') ?? '';
      if (!HEX64.test(measurement)) throw new HttpError(400, 'measurement: expected 64 hex characters');
      const record = await store.get(sessionName);
      if (!record) throw new HttpError(404, `no session "${sessionName}"`);
      const service = loadSessionText(record.session, `${sessionName}.yml`).session.services?.find((s) => s.name === serviceName);
      if (!service) throw new HttpError(404, `no service "${serviceName}" in session "${sessionName}"`);
      const allowed = serviceMeasurements(service).includes(measurement.toLowerCase());
      if (!allowed) return send(res, 403, `measurement ${measurement.toLowerCase()} not allowed for ${sessionName}/${serviceName}\n`, 'text/plain');
      return send(res, 200, renderLaunch(launchConfig(service)), 'text/plain');
    }
    throw new HttpError(404, `no route for ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // the path only (no query string, no body): names of sessions and services are not secret.
      log(`${new Date().toISOString()} ${req.method} ${url.pathname} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    handle(req, res, url).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) {
        const body = error.status === 404 || error.status === 403 ? `${error.message}\n` : { error: error.message };
        return send(res, error.status, body, typeof body === 'string' ? 'text/plain' : 'application/json');
      }
      send(res, 500, { error: 'internal error' });
      log(`${new Date().toISOString()} error ${(error as Error).message}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8081, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
