// The sim policy service (contract in CONTRIBUTING.md): plain HTTP/1.1 on Node's `http`, a SessionStore on disk,
// one log line per request (method, path, status, duration — never bodies, environment or secrets). It generates
// and keeps the sessions' secrets (secrets.ts, encrypted at rest: sealed.ts) and hands them out only in the launch
// answer to a measurement the service accepts; exported public parts (certificates) are served to anyone. Encrypted
// volumes (volumes.ts): their keys go the same way, their tags are checked at each start and follow each commit.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { positionOf } from '@confidential/kit';
import { formatIssue, issuePath, PolicyError } from '../errors.js';
import { loadSessionText } from '../load.js';
import { serviceMeasurements, type Session } from '../schema.js';
import { renderLaunch } from './launch.js';
import { StoreKey, StoreKeyError, type Sealed } from './sealed.js';
import { generateSecrets, publicPart, resolveService, SecretError, SecretSet, simProblems } from './secrets.js';
import { SessionStore, type StoredSession } from './store.js';
import { serviceVolumes, VolumeRefusal, VolumeStore } from './volumes.js';

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
  /** The store key (32 bytes) that encrypts the generated secrets; default: read or create `keyFile`. */
  storeKey?: Buffer;
  /** Key file used without storeKey (default `<storeDir>.key`, outside the store folder), created on first use. */
  keyFile?: string;
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
  if (options.storeKey !== undefined && options.storeKey.length !== 32) throw new StoreKeyError('storeKey: expected 32 bytes (an AES-256 key)');
  let key: Promise<StoreKey> | undefined;
  // read (or created) when a session with secrets is first stored or launched: sessions without secrets need no key
  const storeKey = (): Promise<StoreKey> => {
    key ??= options.storeKey
      ? Promise.resolve(StoreKey.fromHex(options.storeKey.toString('hex'), 'storeKey'))
      : StoreKey.fromFile(options.keyFile ?? `${options.storeDir.replace(/\/+$/, '')}.key`);
    return key;
  };
  const volumes = new VolumeStore(options.storeDir, storeKey);
  const openSecrets = async (name: string, sealed: Sealed | undefined): Promise<SecretSet> => {
    if (!sealed) return {};
    try {
      return SecretSet.parse(JSON.parse((await storeKey()).open(name, sealed).toString('utf8')));
    } catch (error) {
      if (error instanceof StoreKeyError) throw new HttpError(500, error.message);
      throw error;
    }
  };
  const sealSecrets = (session: Session) => async (current: StoredSession | undefined): Promise<Sealed | undefined> => {
    if ((session.secrets ?? []).length === 0) return undefined;
    const previous = await openSecrets(session.name, current?.secrets);
    let set: SecretSet;
    try {
      set = await generateSecrets(session, previous);
    } catch (error) {
      if (error instanceof SecretError) throw new HttpError(400, error.message);
      throw error;
    }
    if (Object.keys(set).length === 0) return undefined;
    return (await storeKey()).seal(session.name, Buffer.from(JSON.stringify(set), 'utf8'));
  };

  /** The stored record of a session and the session it holds; 404 when there is none. */
  const storedSession = async (name: string): Promise<{ record: StoredSession; session: Session }> => {
    const record = await store.get(name);
    if (!record) throw new HttpError(404, `no session "${name}"`);
    return { record, session: loadSessionText(record.session, `${name}.yml`).session };
  };

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
      let loaded;
      try {
        loaded = loadSessionText(text, 'session.yml');
      } catch (error) {
        if (error instanceof PolicyError) return send(res, 400, { errors: error.issues.map(formatIssue) });
        throw error;
      }
      const session = loaded.session;
      const problems = simProblems(session).map((p) =>
        formatIssue({ file: 'session.yml', ...positionOf(loaded, p.path), path: issuePath(p.path), message: p.message, severity: 'error' }),
      );
      if (problems.length > 0) return send(res, 400, { errors: problems });
      const result = await store.put(session.name, text, session.predecessor, sealSecrets(session));
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
      const { record, session } = await storedSession(sessionName);
      const service = session.services?.find((s) => s.name === serviceName);
      if (!service) throw new HttpError(404, `no service "${serviceName}" in session "${sessionName}"`);
      const allowed = serviceMeasurements(service).includes(measurement.toLowerCase());
      if (!allowed) return send(res, 403, `measurement ${measurement.toLowerCase()} not allowed for ${sessionName}/${serviceName}\n`, 'text/plain');
      // only now are the secrets decrypted: a refused measurement never causes them to be read
      let launch;
      try {
        launch = resolveService(session, service, await openSecrets(record.name, record.secrets));
      } catch (error) {
        if (error instanceof SecretError) throw new HttpError(500, error.message);
        throw error;
      }
      const launched = await volumes.launch(session, service);
      return send(res, 200, renderLaunch({ ...launch, volumes: launched }), 'text/plain');
    }

    if (kind === 'volumes' && rest.length >= 2) {
      const action = rest[rest.length - 1] as string;
      const post = action === 'open' || action === 'tag' || action === 'reinitialise';
      const volumeName = post ? (rest[rest.length - 2] as string) : action;
      const sessionName = rest.slice(0, post ? -2 : -1).join('/');
      if (sessionName === '') throw new HttpError(404, `no route for ${url.pathname}`);
      const { record, session } = await storedSession(sessionName);
      if (!(session.volumes ?? []).some((v) => v.name === volumeName)) throw new HttpError(404, `no volume "${volumeName}" in session "${sessionName}"`);
      if (!post) {
        if (method !== 'GET') throw new HttpError(405, 'use GET /v1/volumes/<session>/<volume>, or POST …/open, …/tag, …/reinitialise');
        const status = await volumes.status(sessionName, volumeName);
        if (!status) throw new HttpError(404, `volume "${volumeName}" of session "${sessionName}" has not been launched`);
        return send(res, 200, status);
      }
      if (method !== 'POST') throw new HttpError(405, `use POST /v1/volumes/<session>/<volume>/${action}`);
      const form = new URLSearchParams(await readBody(req, 4096));
      const field = (name: string) => form.get(name) ?? '';
      try {
        if (action === 'reinitialise') {
          if (field('session_hash') !== record.hash) {
            return send(res, 409, { error: `reinitialising volume "${volumeName}" destroys its data: session_hash must be the current hash of session "${sessionName}"`, current: record.hash });
          }
          return send(res, 200, await volumes.reinitialise(sessionName, volumeName));
        }
        if (action === 'open') {
          // the start's own image decides whether the tag is checked: a volume mounted unprotected by every image is
          // unprotected; mounted protected by any, it is checked
          const mounts = (session.services ?? []).flatMap((s) => serviceVolumes(session, s)).filter((m) => m.name === volumeName);
          const rollbackProtected = mounts.length === 0 || mounts.some((m) => m.rollbackProtected);
          await volumes.open(sessionName, volumeName, field('token'), field('tag'), rollbackProtected);
        } else {
          await volumes.report(sessionName, volumeName, field('token'), field('previous'), field('next'));
        }
        return send(res, 200, 'ok\n', 'text/plain');
      } catch (error) {
        if (error instanceof VolumeRefusal) return send(res, error.status, `${error.message}\n`, 'text/plain');
        throw error;
      }
    }

    if (kind === 'public' && rest.length >= 2) {
      if (method !== 'GET') throw new HttpError(405, 'use GET /v1/public/<session>/<secret>');
      const secretName = rest[rest.length - 1] as string;
      const sessionName = rest.slice(0, -1).join('/');
      const { record, session } = await storedSession(sessionName);
      const declared = session.secrets?.find((s) => s.name === secretName);
      if (declared?.export_public !== true) throw new HttpError(404, `no exported public part "${secretName}" in session "${sessionName}"`);
      const pem = publicPart(session, await openSecrets(record.name, record.secrets), secretName);
      if (pem === undefined) throw new HttpError(404, `no exported public part "${secretName}" in session "${sessionName}"`);
      return send(res, 200, pem, 'application/x-pem-file');
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
