// Building an image through the engine's /build endpoint (the classic builder here: no BuildKit).
// The progress stream is shown live and every entry is checked: an error entry becomes a BuildError naming the
// failing step (the last `Step N/M : …` line) and the last log lines. forcerm+rm: no container is left behind.
import type Docker from 'dockerode';
import { type ContextEntry, packContext } from './context.js';
import { baseImages, type Dockerfile, renderDockerfile } from './dockerfile.js';
import { docker as defaultDocker } from './engine.js';
import { inspectImage, pullImage } from './images.js';
import { lineSplitter } from '@confidential/kit';
import { entryError, followStream, type StreamEntry } from './stream.js';

export interface BuildImageOptions {
  /** a Dockerfile model (rendered) or Dockerfile text */
  dockerfile: Dockerfile | string;
  /** files of the context (declared files only) */
  context?: ContextEntry[];
  /** base for relative context paths; default process.cwd() */
  cwd?: string;
  /** at least one "repo:tag" */
  tags: string[];
  target?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** each progress line (default: printed to stdout) */
  onProgress?: (line: string) => void;
  /** do not use the layer cache */
  noCache?: boolean;
  /** try to pull a missing base image for this long before failing (ms); 0 = do not try; default 10 s */
  pullTimeoutMs?: number;
  /** for a base image no registry gives (bootstrapBaseImage: debian and golang bootstrapped offline) */
  bootstrap?: Bootstrap;
  client?: Docker;
}

export interface BuildResult {
  id: string;
  tags: string[];
  size: number;
  /** how many steps the engine took from its layer cache ("Using cache") */
  cachedSteps: number;
  /** the rendered Dockerfile */
  dockerfile: string;
}

export class BuildError extends Error {
  override name = 'BuildError';
  constructor(
    message: string,
    /** the failing step as the engine printed it, e.g. "Step 3/5 : RUN make" */
    readonly step: string | undefined,
    /** the engine's error text */
    readonly engineError: string,
    /** the last log lines before the failure */
    readonly logTail: string[],
  ) {
    super(message);
  }
}

export class MissingBaseImageError extends Error {
  override name = 'MissingBaseImageError';
  constructor(readonly image: string, cause?: unknown) {
    super(
      /^(debian|golang):/.test(image)
        ? `base image ${image} is not in the engine and no registry answered: run \`npx nx run image-builder:base-images -- ${image}\` or pull it`
        : `base image ${image} is not in the engine and its registry did not answer: log in to ${image.includes('/') && image.split('/')[0]!.includes('.') ? image.split('/')[0] : 'its registry'} (docker login) and pull it${image.includes('scontain.com') ? ' — SCONE images need a SCONE registry account' : ''}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

const TAIL = 20;

/** The images a Dockerfile text starts from (FROM lines; ARGs resolved from buildArgs then global defaults). */
export function baseImagesOfText(text: string, buildArgs: Record<string, string> = {}): string[] {
  const globals: Record<string, string> = {};
  const stages = new Set<string>();
  const refs: string[] = [];
  let seenFrom = false;
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const subst = (v: string) => v.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => buildArgs[n] ?? globals[n] ?? '');
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [instr = '', ...rest] = line.split(/\s+/);
    const upper = instr.toUpperCase();
    if (upper === 'ARG' && !seenFrom) {
      const [name = '', ...value] = (rest.join(' ')).split('=');
      globals[name] = value.join('=').replace(/^"(.*)"$/, '$1');
    } else if (upper === 'FROM') {
      seenFrom = true;
      const args = rest.filter((a) => !a.startsWith('--'));
      const image = subst(args[0] ?? '');
      if (args[1]?.toUpperCase() === 'AS' && args[2]) stages.add(args[2].toLowerCase());
      if (image && image !== 'scratch' && !stages.has(image.toLowerCase()) && !refs.includes(image)) refs.push(image);
    }
  }
  return refs.filter((r) => !stages.has(r.toLowerCase()));
}

/** The stage names of a Dockerfile text (FROM … AS name). */
export function stageNamesOfText(text: string): string[] {
  return [...text.matchAll(/^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)/gim)].map((m) => (m[1] ?? '').toLowerCase());
}

/** Makes a missing base image available some other way (bootstrapBaseImage); false when it cannot. */
export type Bootstrap = (image: string) => Promise<boolean>;

/**
 * Makes sure every base image is in the engine: pulled with a short timeout, else `bootstrap`ped when given;
 * else MissingBaseImageError.
 */
export async function requireBaseImages(
  images: string[],
  options: { client?: Docker; pullTimeoutMs?: number; log?: (line: string) => void; bootstrap?: Bootstrap } = {},
): Promise<void> {
  const client = options.client ?? defaultDocker();
  const timeout = options.pullTimeoutMs ?? 10_000;
  for (const image of images) {
    if (/^sha256:[0-9a-f]{64}$/.test(image) || (await inspectImage(image, client))) continue;
    let failure: unknown;
    if (timeout > 0) {
      options.log?.(`base image ${image} is not in the engine; trying to pull it (${timeout / 1000} s)`);
      failure = await pullImage(image, { client, timeoutMs: timeout }).then(
        () => undefined,
        (err: unknown) => err ?? new Error('pull failed'),
      );
      if (failure === undefined) continue;
    }
    if (!(await options.bootstrap?.(image))) throw new MissingBaseImageError(image, failure);
  }
}

/** Builds an image; resolves with its id, tags and size; rejects with BuildError / MissingBaseImageError. */
export async function buildImage(options: BuildImageOptions): Promise<BuildResult> {
  const client = options.client ?? defaultDocker();
  if (options.tags.length === 0) throw new Error('buildImage: at least one tag is needed');
  const text = typeof options.dockerfile === 'string' ? options.dockerfile : renderDockerfile(options.dockerfile);
  const bases =
    typeof options.dockerfile === 'string'
      ? baseImagesOfText(text, options.buildArgs)
      : baseImages(options.dockerfile).map((b) => b.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => options.buildArgs?.[n] ?? ''));
  // FROM ${ARG} stages of the model: resolve the ARG from buildArgs or its default
  if (typeof options.dockerfile !== 'string') {
    for (const stage of options.dockerfile.stages) {
      if ('arg' in stage.from) {
        const name = stage.from.arg;
        const value = options.buildArgs?.[name] ?? options.dockerfile.args?.find((a) => a.name === name)?.default;
        if (value && !bases.includes(value)) bases.push(value);
      }
    }
  }
  const progress = options.onProgress ?? ((line: string) => process.stdout.write(`${line}\n`));
  await requireBaseImages(bases, { client, pullTimeoutMs: options.pullTimeoutMs ?? 10_000, log: progress, ...(options.bootstrap ? { bootstrap: options.bootstrap } : {}) });

  const tar = await packContext({ dockerfile: text, entries: options.context ?? [], cwd: options.cwd });
  const stream = await client.buildImage(tar as never, {
    t: options.tags,
    dockerfile: 'Dockerfile',
    ...(options.target ? { target: options.target } : {}),
    ...(options.buildArgs ? { buildargs: options.buildArgs } : {}),
    ...(options.labels ? { labels: options.labels } : {}),
    rm: true,
    forcerm: true,
    pull: false,
    nocache: options.noCache ?? false,
  } as unknown as Docker.ImageBuildOptions);

  const log: string[] = [];
  let step: string | undefined;
  let cachedSteps = 0;
  let auxId: string | undefined;
  let error: string | undefined;
  const lines = lineSplitter((line) => {
    const clean = line.replace(/\r/g, '').replace(/\x1b\[[0-9;]*m/g, '');
    if (/^Step \d+\/\d+ : /.test(clean)) step = clean;
    if (/^ ---> Using cache$/.test(clean)) cachedSteps++;
    log.push(clean);
    progress(clean);
  });
  const onEntry = (entry: StreamEntry) => {
    if (entry.aux?.ID) auxId = entry.aux.ID;
    if (entry.stream !== undefined) lines.write(entry.stream);
    if (entry.status) progress(`${entry.status}${entry.progress ? ` ${entry.progress}` : ''}`);
    const err = entryError(entry);
    if (err !== undefined && error === undefined) {
      error = err;
      progress(`ERROR: ${err}`);
    }
  };
  try {
    await followStream(client, stream, 'build', onEntry);
  } catch (err) {
    if (lines.rest) log.push(lines.rest);
    const engineError = error ?? (err instanceof Error ? err.message : String(err));
    const missing = /pull access denied|manifest unknown|no such host|repository does not exist|dial tcp|i\/o timeout/i.exec(engineError);
    if (missing && step && /^Step \d+\/\d+ : FROM /i.test(step)) {
      throw new MissingBaseImageError(step.replace(/^Step \d+\/\d+ : FROM\s+/i, '').split(/\s+/)[0] ?? step, err);
    }
    const tail = log.filter((l) => l.trim() !== '').slice(-TAIL);
    throw new BuildError(
      `build of ${options.tags[0]} failed at ${step ?? '(before the first step)'}: ${engineError}\n--- last ${tail.length} log lines ---\n${tail.join('\n')}`,
      step,
      engineError,
      tail,
      // keep the stream error as cause
    );
  }
  const shortId = log.map((l) => /^Successfully built ([0-9a-f]+)$/.exec(l)?.[1]).find(Boolean);
  const info = await inspectImage(options.tags[0]!, client);
  if (!info) throw new Error(`build of ${options.tags[0]} finished but the engine has no such image (last step: ${step ?? '?'})`);
  if ((auxId && auxId !== info.id) || (shortId && !info.id.replace('sha256:', '').startsWith(shortId))) {
    throw new Error(`build of ${options.tags[0]}: the engine built ${auxId ?? shortId} but the tag names ${info.id}`);
  }
  return { id: info.id, tags: options.tags, size: info.size, cachedSteps, dockerfile: text };
}
