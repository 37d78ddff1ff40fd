// HTTP client for the sim policy service (contract in CONTRIBUTING.md). Uses the global fetch of Node ≥ 20.
import { z } from 'zod';
import { parseLaunch } from '../service/launch.js';

export const UploadAnswer = z.object({ name: z.string(), hash: z.string() });
export type UploadAnswer = z.infer<typeof UploadAnswer>;
const StoredAnswer = z.object({ name: z.string(), hash: z.string(), session: z.string() });
const ErrorAnswer = z.object({ error: z.string().optional(), errors: z.array(z.string()).optional() });

export class SimServiceError extends Error {
  override readonly name = 'SimServiceError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

async function failure(res: Response, what: string): Promise<SimServiceError> {
  const text = await res.text();
  let detail = text.trim();
  try {
    const body = ErrorAnswer.parse(JSON.parse(text));
    detail = body.errors?.join('\n') ?? body.error ?? detail;
  } catch {
    // plain-text answers (403/404) are the detail as they are
  }
  return new SimServiceError(res.status, `${what} failed with HTTP ${res.status}: ${detail}`);
}

export interface UploadResult extends UploadAnswer {
  created: boolean;
}

/** POST /v1/sessions: 201 created, 200 updated; anything else throws SimServiceError with the service's words. */
export async function uploadSessionSim(url: string, sessionText: string): Promise<UploadResult> {
  const res = await fetch(`${base(url)}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: sessionText });
  if (res.status !== 201 && res.status !== 200) throw await failure(res, `upload to ${base(url)}`);
  return { ...UploadAnswer.parse(await res.json()), created: res.status === 201 };
}

/** GET /v1/sessions/<name>; undefined when the service has no such session. */
export async function getSessionSim(url: string, name: string): Promise<z.infer<typeof StoredAnswer> | undefined> {
  const res = await fetch(`${base(url)}/v1/sessions/${name.split('/').map(encodeURIComponent).join('/')}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw await failure(res, `get session ${name}`);
  return StoredAnswer.parse(await res.json());
}

/** The path and query of a launch request: /v1/launch/<session>/<service>?measurement=… */
export function launchPath(configId: string, measurement: string): string {
  return `/v1/launch/${configId.split('/').map(encodeURIComponent).join('/')}?measurement=${encodeURIComponent(measurement)}`;
}

/** GET /v1/launch/<session>/<service>?measurement=…, parsed. Refusals (403/404) throw SimServiceError. */
export async function launchSim(url: string, configId: string, measurement: string): Promise<ReturnType<typeof parseLaunch>> {
  const res = await fetch(`${base(url)}${launchPath(configId, measurement)}`);
  if (res.status !== 200) throw await failure(res, `launch ${configId}`);
  return parseLaunch(await res.text());
}

/** GET /v1/public/<session>/<secret>: the PEM of an exported public part (no attestation); 404 throws. */
export async function publicSim(url: string, sessionName: string, secret: string): Promise<string> {
  const path = [...sessionName.split('/'), secret].map(encodeURIComponent).join('/');
  const res = await fetch(`${base(url)}/v1/public/${path}`);
  if (res.status !== 200) throw await failure(res, `public part ${sessionName}/${secret}`);
  const pem = await res.text();
  if (!/^-----BEGIN (CERTIFICATE|PUBLIC KEY)-----\n/.test(pem)) throw new SimServiceError(res.status, `public part ${sessionName}/${secret}: expected a PEM certificate or public key`);
  return pem;
}

const VolumeStatusAnswer = z.object({
  session: z.string(),
  volume: z.string(),
  tag: z.string().nullable(),
  pending: z.string().nullable(),
  launches: z.number(),
  commits: z.number(),
  updatedAt: z.string(),
});
export type VolumeStatusAnswer = z.infer<typeof VolumeStatusAnswer>;

function volumePath(sessionName: string, volume: string): string {
  return `/v1/volumes/${[...sessionName.split('/'), volume].map(encodeURIComponent).join('/')}`;
}

/** GET /v1/volumes/<session>/<volume>: its committed and pending tags and counters (never its key). */
export async function volumeStatusSim(url: string, sessionName: string, volume: string): Promise<VolumeStatusAnswer> {
  const res = await fetch(`${base(url)}${volumePath(sessionName, volume)}`);
  if (res.status !== 200) throw await failure(res, `volume ${sessionName}/${volume}`);
  return VolumeStatusAnswer.parse(await res.json());
}

/**
 * POST /v1/volumes/<session>/<volume>/<action> with a form body: `open` {token, tag}, `tag` {token, previous,
 * next} (what the runtime sends), `reinitialise` {session_hash}. Refusals throw SimServiceError with the sentence.
 */
export async function volumeActionSim(url: string, sessionName: string, volume: string, action: 'open' | 'tag' | 'reinitialise', form: Record<string, string>): Promise<void> {
  const res = await fetch(`${base(url)}${volumePath(sessionName, volume)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  if (res.status !== 200) throw await failure(res, `volume ${sessionName}/${volume} ${action}`);
}

export async function healthSim(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${base(url)}/health`);
    return res.status === 200 && ((await res.json()) as { status?: string }).status === 'ok';
  } catch {
    return false;
  }
}
