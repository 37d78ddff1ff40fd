// Images in the engine: inspect, tag, push (stream checked; the pushed digest), pull, remove; and the
// image.json contract (CONTRIBUTING.md) with a check that the recorded image still exists.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import { z } from 'zod';
import { docker as defaultDocker } from './engine.js';
import { formatIssues } from '@confidential/kit';
import { followStream, type StreamEntry } from './stream.js';

export interface ImageInfo {
  id: string;
  /** `repo@sha256:…` entries (present after a push or a pull from a registry) */
  repoDigests: string[];
  repoTags: string[];
  size: number;
  labels: Record<string, string>;
  created: string;
}

const isNotFound = (err: unknown) => typeof err === 'object' && err !== null && (err as { statusCode?: number }).statusCode === 404;

/** Inspects an image by reference or id; undefined when the engine does not have it. */
export async function inspectImage(ref: string, client: Docker = defaultDocker()): Promise<ImageInfo | undefined> {
  try {
    const info = await client.getImage(ref).inspect();
    return {
      id: info.Id,
      repoDigests: info.RepoDigests ?? [],
      repoTags: info.RepoTags ?? [],
      size: info.Size,
      labels: (info.Config?.Labels as Record<string, string> | null) ?? {},
      created: info.Created,
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Splits "host:port/name:tag" into repo and tag (tag defaults to latest). */
export function splitRepoTag(ref: string): { repo: string; tag: string } {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? { repo: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) } : { repo: noDigest, tag: 'latest' };
}

/** Tags an image (`source` ref or id) as `target` ("repo:tag"). */
export async function tagImage(source: string, target: string, client: Docker = defaultDocker()): Promise<void> {
  const { repo, tag } = splitRepoTag(target);
  await client.getImage(source).tag({ repo, tag });
}

/** Pushes "registry/repo:tag"; every stream entry checked; returns the digest the registry reported. */
export async function pushImage(ref: string, options: { client?: Docker; onEntry?: (e: StreamEntry) => void } = {}): Promise<string> {
  const client = options.client ?? defaultDocker();
  const { repo, tag } = splitRepoTag(ref);
  const stream = await client.getImage(`${repo}:${tag}`).push({ tag });
  const entries = await followStream(client, stream, `push ${ref}`, options.onEntry);
  const digest = entries.map((e) => e.aux?.Digest ?? /digest: (sha256:[0-9a-f]{64})/.exec(e.status ?? '')?.[1]).find(Boolean);
  if (!digest) throw new Error(`push ${ref}: the engine reported no digest`);
  return digest;
}

/** Pulls a reference (tag or `repo@sha256:…`); every entry checked; optional timeout (ms). Returns the image info. */
export async function pullImage(ref: string, options: { client?: Docker; timeoutMs?: number; onEntry?: (e: StreamEntry) => void } = {}): Promise<ImageInfo> {
  const client = options.client ?? defaultDocker();
  const controller = new AbortController();
  const timer = options.timeoutMs ? setTimeout(() => controller.abort(), options.timeoutMs) : undefined;
  try {
    const stream = (await client.pull(ref, { abortSignal: controller.signal })) as NodeJS.ReadableStream;
    await followStream(client, stream as never, `pull ${ref}`, options.onEntry);
  } catch (err) {
    if (controller.signal.aborted) throw new Error(`pull ${ref}: no registry answered within ${options.timeoutMs} ms`, { cause: err });
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
  }
  const info = await inspectImage(ref, client);
  if (!info) throw new Error(`pull ${ref}: finished but the engine does not have the image`);
  return info;
}

/** Removes an image reference (a tag, or the image when it is the last one); missing images are ignored. */
export async function removeImage(ref: string, options: { client?: Docker; force?: boolean } = {}): Promise<boolean> {
  const client = options.client ?? defaultDocker();
  try {
    await client.getImage(ref).remove({ force: options.force ?? false, noprune: false });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** The image.json contract shared by golang-patcher:patch and image-builder:build. */
export const ImageJson = z
  .object({
    ref: z.string().min(1),
    id: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" and 64 hex digits'),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/).nullable(),
    size: z.number().int().nonnegative(),
    labels: z.record(z.string(), z.string()),
    builtAt: z.string().min(1),
    /** `<registry>/<repo>@sha256:…` when the image was pushed: where an engine that lacks it pulls it from */
    repoDigest: z.string().regex(/^[^@\s]+@sha256:[0-9a-f]{64}$/, 'expected <registry>/<repository>@sha256:<64 hex>').optional(),
  })
  .loose();
export type ImageJson = z.infer<typeof ImageJson>;

/** Builds the image.json record of an image in the engine (digest: the first repo digest, or null); a function of the image alone. */
export async function imageJsonFor(ref: string, client: Docker = defaultDocker(), extra: Record<string, unknown> = {}): Promise<ImageJson> {
  const info = await inspectImage(ref, client);
  if (!info) throw new Error(`image ${ref} is not in the engine`);
  const digest = info.repoDigests.map((d) => d.split('@')[1]).find((d): d is string => !!d) ?? null;
  // builtAt is the image's own creation time: the same image always gives the same record (downstream Nx hashes stay put)
  return { ref, id: info.id, digest, size: info.size, labels: info.labels, builtAt: info.created, ...extra };
}

export async function writeImageJson(path: string, record: ImageJson): Promise<void> {
  const checked = ImageJson.parse(record);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(checked, null, 2)}\n`);
}

export async function readImageJson(path: string): Promise<ImageJson> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read the image.json (${(err as NodeJS.ErrnoException).code ?? String(err)}); build the upstream target first`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = ImageJson.safeParse(raw);
  if (!parsed.success) throw new Error(formatIssues(path, parsed.error), { cause: parsed.error });
  return parsed.data;
}

export class ImageGoneError extends Error {
  override name = 'ImageGoneError';
}

/**
 * Reads an image.json and makes sure the engine has the recorded image (a cached Nx output can outlive it): when
 * the engine lost it and the record names a pushed `repoDigest`, it is pulled by that digest, checked to be the
 * recorded id, and tagged with the recorded ref again. Otherwise throws ImageGoneError: "image X (sha256:…)
 * recorded in <file> is gone from the engine; run it again …".
 */
export async function verifyImageJson(path: string, client: Docker = defaultDocker(), log: (line: string) => void = console.log): Promise<ImageJson & { refMatches: boolean }> {
  const record = await readImageJson(path);
  let byId = await inspectImage(record.id, client);
  if (!byId && record.repoDigest) {
    log(`image ${record.ref} is not in the engine: pulling ${record.repoDigest}`);
    const pulled = await pullImage(record.repoDigest, { client, timeoutMs: 600_000 }).catch((err: Error) => {
      throw new ImageGoneError(`image ${record.ref} (${record.id}) recorded in ${path} is gone from the engine and ${record.repoDigest} could not be pulled (${err.message}); run it again with --skip-nx-cache`, { cause: err });
    });
    if (pulled.id !== record.id) throw new ImageGoneError(`${record.repoDigest} pulled as ${pulled.id}, but ${path} records ${record.id}: the registry does not hold the recorded image`);
    await tagImage(record.id, record.ref, client);
    byId = pulled;
  }
  if (!byId) {
    throw new ImageGoneError(`image ${record.ref} (${record.id}) recorded in ${path} is gone from the engine; run it again (image targets hash their tag's id in the engine, so a missing image reruns its target)`);
  }
  const byRef = await inspectImage(record.ref, client);
  return { ...record, refMatches: byRef?.id === record.id };
}

/** The image an image.json names, checked against the engine: its tag, or its id when the tag moved on since. */
export async function builtImage(path: string, client: Docker = defaultDocker()): Promise<string> {
  const checked = await verifyImageJson(path, client);
  return checked.refMatches ? checked.ref : checked.id;
}

/** Pushes an image to `registry` (host[:port]) as `<registry>/<ref>`; returns the repoDigest `<registry>/<repo>@sha256:…`. */
export async function pushToRegistry(ref: string, registry: string, options: { client?: Docker; onEntry?: (e: StreamEntry) => void } = {}): Promise<string> {
  const client = options.client ?? defaultDocker();
  const remote = `${registry.replace(/\/+$/, '')}/${ref}`;
  await tagImage(ref, remote, client);
  const digest = await pushImage(remote, options);
  return `${splitRepoTag(remote).repo}@${digest}`;
}

/** The registry image targets push to: CONFIDENTIAL_REGISTRY (host[:port]), when set. */
export const configuredRegistry = (): string | undefined => process.env.CONFIDENTIAL_REGISTRY?.trim() || undefined;

/** The record of an image after pushing it to `registry` (when one is given): digest and repoDigest filled in. */
export async function pushedRecord(record: ImageJson, registry: string | undefined, log: (line: string) => void = console.log): Promise<ImageJson> {
  if (!registry) return record;
  const repoDigest = await pushToRegistry(record.ref, registry);
  log(`pushed ${record.ref} as ${repoDigest}`);
  return { ...record, digest: repoDigest.slice(repoDigest.indexOf('@') + 1), repoDigest };
}

/** The image.json contract in one place: `of` (record of an engine image), `write`, `read`, `verify` (id still in the engine). */
export const imageJson = { of: imageJsonFor, write: writeImageJson, read: readImageJson, verify: verifyImageJson } as const;
