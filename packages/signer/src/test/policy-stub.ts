// STUB of the sim policy service contract (CONTRIBUTING "Sim policy service"): only GET /v1/launch/<session>/<service>
// is implemented, for the signer's integration tests. The real service is @confidential/cas-policy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubLaunch {
  /** allowed measurements (the service's mrenclaves) */
  mrenclaves: string[];
  args: string[];
  env: Record<string, string>;
  pwd?: string;
  /** injected files (`file` lines) */
  files?: { path: string; mode: number; content: Buffer }[];
  /** lines added as they are, before "end" (malformed answers) */
  extraLines?: string[];
}

/** Percent-encodes `%`, control bytes and space, as the launch format requires. */
export function encodeLaunchValue(value: string): string {
  return Buffer.from(value)
    .toString('latin1')
    .replace(/[%\x00-\x20\x7f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

export function renderLaunch(l: StubLaunch): string {
  return [
    'confidential-launch v1',
    ...l.args.map((a) => `arg ${encodeLaunchValue(a)}`),
    ...Object.entries(l.env).map(([k, v]) => `env ${encodeLaunchValue(`${k}=${v}`)}`),
    ...(l.files ?? []).map((f) => `file ${encodeLaunchValue(f.path)} ${f.mode.toString(8).padStart(4, '0')} ${f.content.toString('base64')}`),
    ...(l.pwd ? [`pwd ${encodeLaunchValue(l.pwd)}`] : []),
    ...(l.extraLines ?? []),
    'end',
    '',
  ].join('\n');
}

export interface PolicyStub {
  addr: string;
  services: Map<string, StubLaunch>;
  requests: string[];
  close(): Promise<void>;
}

export async function startPolicyStub(): Promise<PolicyStub> {
  const services = new Map<string, StubLaunch>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://stub');
    const m = /^\/v1\/launch\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const id = m ? `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}` : '';
    const launch = services.get(id);
    if (req.method !== 'GET' || !launch) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`unknown session/service ${id}`);
      return;
    }
    const measurement = url.searchParams.get('measurement') ?? '';
    if (!launch.mrenclaves.includes(measurement)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`measurement ${measurement} not allowed for ${id}`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(renderLaunch(launch));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    addr: `127.0.0.1:${port}`,
    services,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
