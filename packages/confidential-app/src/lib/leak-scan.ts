// The leak scan of a confidential app's run: the private keys the policy service hands to the measured program (its
// launch answer, asked for as the program asks) must appear nowhere outside that process — not in the image, the
// containers' file system changes (`docker diff`), their volumes and bind mounts, the compose logs, or the Nx
// outputs. Containers, volumes and logs must not hold any PEM private key at all (a program that generated its own
// key on the host would show there). Needles are derived in memory and never printed; findings name the place and
// the form (e.g. "PKCS#8 DER"), never the bytes.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { parseLaunch } from '@confidential/cas-policy';
import { projectContainers, type LogLine } from '@confidential/compose-runner';

export interface Needle {
  /** the form, e.g. "PKCS#8 DER (base64)": what a finding names */
  kind: string;
  bytes: Buffer;
}

const PEM_KEY = /-----BEGIN ((?:[A-Z0-9]+ )?PRIVATE KEY)-----\r?\n[\s\S]*?-----END \1-----/g;
/** in "-----BEGIN … PRIVATE KEY-----" and its END line, whatever the key */
export const PEM_MARKER = Buffer.from('PRIVATE KEY-----');

/** The private keys (PEM) in a text. */
export function privateKeysIn(text: string): KeyObject[] {
  return [...text.matchAll(PEM_KEY)].map((m) => createPrivateKey(m[0]));
}

const pemLines = (pem: string) => pem.split(/\r?\n/).filter((l) => l.length >= 16 && !l.startsWith('-----'));

/** Every form a key's secret bytes could take in a file, a log or an image: DER and PEM (PKCS#8 and the key type's own), the private scalar raw, hex and base64. */
export function keyNeedles(key: KeyObject): Needle[] {
  const out: Needle[] = [];
  const add = (kind: string, bytes: Buffer) => out.push({ kind, bytes });
  const der = (label: string, buf: Buffer, pem: string) => {
    add(`${label} DER`, buf);
    add(`${label} DER (base64)`, Buffer.from(buf.toString('base64')));
    add(`${label} DER (hex)`, Buffer.from(buf.toString('hex')));
    for (const line of pemLines(pem)) add(`${label} PEM line`, Buffer.from(line));
  };
  der('PKCS#8', key.export({ type: 'pkcs8', format: 'der' }), key.export({ type: 'pkcs8', format: 'pem' }) as string);
  const own = key.asymmetricKeyType === 'ec' ? 'sec1' : key.asymmetricKeyType === 'rsa' ? 'pkcs1' : undefined;
  if (own) der(own.toUpperCase(), key.export({ type: own, format: 'der' }), key.export({ type: own, format: 'pem' }) as string);
  const d = (key.export({ format: 'jwk' }) as { d?: string }).d;
  if (d) {
    const raw = Buffer.from(d, 'base64url');
    add('private scalar', raw);
    add('private scalar (hex)', Buffer.from(raw.toString('hex')));
    add('private scalar (base64)', Buffer.from(raw.toString('base64').replace(/=+$/, '')));
    add('private scalar (base64url)', Buffer.from(d));
  }
  return out;
}

/**
 * Needles of every private key in a launch answer (its injected files, environment and arguments), and of the answer's
 * own encoding of a file holding one (base64). `sources`: the decoded texts the keys came from (a self-check).
 */
export function launchNeedles(launchText: string): { keys: number; needles: Needle[]; sources: Buffer[] } {
  const launch = parseLaunch(launchText);
  const sources: Buffer[] = [];
  const needles: Needle[] = [];
  let keys = 0;
  const take = (bytes: Buffer, encoded?: string) => {
    const found = privateKeysIn(bytes.toString('latin1'));
    if (!found.length) return;
    keys += found.length;
    sources.push(bytes);
    needles.push(...found.flatMap(keyNeedles));
    if (encoded) needles.push({ kind: 'injected file (base64, as in the launch answer)', bytes: Buffer.from(encoded) });
  };
  for (const f of launch.files) take(f.content, f.content.toString('base64'));
  for (const v of [...launch.env.map(([, v]) => v), ...launch.argv]) take(Buffer.from(v, 'latin1'));
  const seen = new Set<string>();
  return {
    keys,
    sources,
    needles: needles.filter((n) => {
      const id = n.bytes.toString('hex');
      return !seen.has(id) && seen.add(id);
    }),
  };
}

/** Streaming search for needles (and, with `marker`, any PEM private key) across chunk boundaries. */
export class Scanner {
  readonly found = new Set<string>();
  bytes = 0;
  private tail = Buffer.alloc(0);
  private readonly keep: number;
  private readonly needles: Needle[];

  constructor(needles: Needle[], marker: boolean) {
    this.needles = marker ? [...needles, { kind: 'a PEM private key', bytes: PEM_MARKER }] : needles;
    this.keep = Math.max(1, ...this.needles.map((n) => n.bytes.length)) - 1;
  }

  feed(chunk: Buffer): void {
    this.bytes += chunk.length;
    const buf = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    for (const n of this.needles) if (!this.found.has(n.kind) && buf.includes(n.bytes)) this.found.add(n.kind);
    this.tail = Buffer.from(buf.subarray(Math.max(0, buf.length - this.keep)));
  }

  async feedStream(stream: Readable | NodeJS.ReadableStream): Promise<void> {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) this.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
}

export interface PlaceResult {
  place: string;
  bytes: number;
  /** files, paths or lines looked at */
  items: number;
  /** the forms found there (empty: clean) */
  found: string[];
}

/** Files under a folder (or the file itself), fed to one scanner. */
export async function scanPath(path: string, scanner: Scanner): Promise<number> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return 0;
  if (st.isFile()) {
    scanner.feed(await readFile(path));
    scanner.feed(Buffer.from('\n')); // no match across two files
    return 1;
  }
  if (!st.isDirectory()) return 0;
  let n = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory() || entry.isFile()) n += await scanPath(join(path, entry.name), scanner);
  }
  return n;
}

const result = (place: string, scanner: Scanner, items: number): PlaceResult => ({ place, bytes: scanner.bytes, items, found: [...scanner.found] });

/** The paths of `docker diff` added or changed (not deleted) that no other listed path lies under. */
export function changedLeaves(changes: { Path: string; Kind: number }[]): string[] {
  const paths = changes.filter((c) => c.Kind !== 2).map((c) => c.Path).sort();
  return paths.filter((p, i) => !(paths[i + 1] ?? '').startsWith(`${p}/`));
}

export interface RunScanOptions {
  client: Docker;
  project: string;
  needles: Needle[];
  logs: LogLine[];
  /** the app's images, each scanned whole (docker save) when there are needles */
  images?: string[];
  onEvent?: (message: string) => void;
}

/** The compose label of a service the scan leaves out, its value the reason (e.g. "Pebble, the test ACME CA: its own keys"). */
export const SKIP_LABEL = 'confidential.leak-scan.skip';

/** Scans a finished run's containers (changes, volumes, bind mounts), logs and image, before teardown. */
export async function scanRun(options: RunScanOptions): Promise<PlaceResult[]> {
  const { client, needles } = options;
  const out: PlaceResult[] = [];
  for (const image of needles.length ? (options.images ?? []) : []) {
    const scanner = new Scanner(needles, false);
    await scanner.feedStream(await client.getImage(image).get());
    out.push(result(`image ${image}`, scanner, 1));
  }
  for (const c of await projectContainers(client, options.project)) {
    const container = client.getContainer(c.id);
    const info = await container.inspect();
    // a service that is not confidential and keeps keys by design (a test CA) says so in the compose file
    const label = info.Config.Labels?.[SKIP_LABEL];
    if (label !== undefined) {
      out.push({ place: `${c.service}: not scanned (label ${SKIP_LABEL}: ${label})`, bytes: 0, items: 0, found: [] });
      continue;
    }
    const changes: unknown = await container.changes(); // no changes: the engine answers null (dockerode: a Buffer)
    const leaves = changedLeaves(Array.isArray(changes) ? (changes as { Path: string; Kind: number }[]) : []);
    const changed = new Scanner(needles, true);
    for (const path of leaves) await changed.feedStream(await container.getArchive({ path }));
    out.push(result(`${c.service}: file system changes (docker diff)`, changed, leaves.length));
    for (const m of info.Mounts ?? []) {
      const scanner = new Scanner(needles, true);
      let items = 1;
      if (m.Type === 'bind') items = await scanPath(m.Source, scanner);
      else await scanner.feedStream(await container.getArchive({ path: m.Destination }));
      out.push(result(`${c.service}: ${m.Type} ${m.Type === 'bind' ? `${m.Source} → ` : ''}${m.Destination}`, scanner, items));
    }
  }
  const logs = new Scanner(needles, true);
  for (const l of options.logs) logs.feed(Buffer.from(`${l.line}\n`));
  out.push(result('compose logs', logs, options.logs.length));
  return out;
}

/** Nx outputs (workspace folders), after the run wrote its own. */
export async function scanOutputs(root: string, folders: string[], needles: Needle[]): Promise<PlaceResult[]> {
  const out: PlaceResult[] = [];
  for (const folder of folders) {
    const scanner = new Scanner(needles, false);
    const items = await scanPath(join(root, folder), scanner);
    out.push(result(`Nx outputs ${folder}`, scanner, items));
  }
  return out;
}

/** Runs `node -e` in a container (the policy service's) to GET a URL there: its status and body, in memory only. */
export async function fetchInContainer(client: Docker, containerId: string, url: string): Promise<{ status: number; body: Buffer }> {
  const script = "fetch(process.argv[1]).then(async (r) => { process.stdout.write(r.status + '\\n'); process.stdout.write(Buffer.from(await r.arrayBuffer())); }, (e) => { console.error(String(e)); process.exit(1); })";
  const exec = await client.getContainer(containerId).exec({ Cmd: ['node', '-e', script, url], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const o = new PassThrough().on('data', (b: Buffer) => stdout.push(b));
  const e = new PassThrough().on('data', (b: Buffer) => stderr.push(b));
  client.modem.demuxStream(stream, o, e);
  await new Promise<void>((resolve, reject) => stream.on('end', () => resolve()).on('error', reject));
  const { ExitCode } = await exec.inspect();
  const text = Buffer.concat(stdout);
  const nl = text.indexOf(0x0a);
  if (ExitCode !== 0 || nl < 0) throw new Error(`GET ${url} inside the policy service's container failed (exit ${ExitCode}): ${Buffer.concat(stderr).toString().trim().slice(0, 300)}`);
  return { status: Number(text.subarray(0, nl).toString()), body: text.subarray(nl + 1) };
}
