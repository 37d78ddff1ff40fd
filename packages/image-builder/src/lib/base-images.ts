// Offline base images: `debian:<distro>` and `golang:<go>-<distro>` (bookworm, trixie; any Go version). Pull first
// (short timeout); when no registry answers, bootstrap: debootstrap --variant=minbase → tar → docker import (the
// rootfs tarball is cached under /var/cache/confidential), then golang = debian + a GOROOT at /usr/local/go (the
// machine's Go when the version matches, else that release's toolchain module from the Go module proxy,
// `GOTOOLCHAIN=go<version> go env GOROOT`) + the official image's ENV + the C toolchain from apt (gcc, libc6-dev,
// git, ca-certificates, make, pkg-config, musl-tools for the musl variant: CC=musl-gcc). Idempotent: an image
// whose source label matches is kept.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { BuildError, buildImage } from './build.js';
import type { Dockerfile, Instruction } from './dockerfile.js';
import { docker as defaultDocker } from './engine.js';
import { inspectImage, pullImage, splitRepoTag, tagImage } from './images.js';
import { followStream } from './stream.js';

export const SOURCE_LABEL = 'org.confidential.base.source';
export const PATH_LABEL = 'org.confidential.base.path';
export const DEFAULT_CACHE_DIR = '/var/cache/confidential';
export const GOLANG_APT_PACKAGES = ['gcc', 'libc6-dev', 'git', 'ca-certificates', 'make', 'pkg-config', 'musl-tools'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BaseImageResult {
  ref: string;
  id: string;
  /** pulled from a registry, bootstrapped here, or already present with the same source label */
  action: 'pulled' | 'bootstrapped' | 'present';
  source: string;
  seconds: number;
  notes: string[];
}

export interface BaseImagesOptions {
  client?: Docker;
  log?: (line: string) => void;
  /** where the debootstrap rootfs tarball is cached; default /var/cache/confidential */
  cacheDir?: string;
  /** how long a pull may take before we bootstrap (ms); default 15 s; 0 = do not try to pull */
  pullTimeoutMs?: number;
  /** default: `go env GOROOT` / `go env GOVERSION` of the machine */
  goroot?: string;
  goVersion?: string;
  /** default: the first bookworm mirror of /etc/apt/sources.list(.d) */
  mirror?: string;
  /** rebuild even when the image exists with the same source label */
  force?: boolean;
  /** Debian release of both images; default bookworm */
  distro?: Distro;
  /** image names to produce (default debian:<distro>, golang:<go>-<distro>); pulls use the official names */
  debianRef?: string;
  golangRef?: string;
}

export const DISTROS = ['bookworm', 'trixie'] as const;
export type Distro = (typeof DISTROS)[number];

export interface GoToolchain {
  goroot: string;
  /** "1.26.8" */
  version: string;
}

/** The machine's Go: `go env GOROOT GOVERSION` ("go1.26.8" → "1.26.8"). */
/** A Go release's GOROOT: the machine's Go when it is that version, else the toolchain module (downloaded once). */
export async function goToolchain(version: string): Promise<GoToolchain> {
  const host = await hostGo();
  if (host.version === version) return host;
  const res = await execa('go', ['env', 'GOROOT', 'GOVERSION'], { reject: false, env: { GOTOOLCHAIN: `go${version}` } });
  const [goroot = '', goversion = ''] = res.stdout.trim().split('\n');
  if (res.exitCode !== 0 || goversion !== `go${version}`) {
    throw new Error(`GOTOOLCHAIN=go${version} go env GOROOT failed (exit ${res.exitCode}): ${res.stderr.split('\n').slice(-2).join(' ')}; the Go module proxy must serve golang.org/toolchain@v0.0.1-go${version}.linux-amd64`);
  }
  return { goroot, version };
}

export async function hostGo(): Promise<GoToolchain> {
  const res = await execa('go', ['env', 'GOROOT', 'GOVERSION'], { reject: false });
  if (res.exitCode !== 0) throw new Error(`go env GOROOT GOVERSION failed (exit ${res.exitCode}): ${res.stderr.split('\n').slice(-3).join(' ')}; install Go or pass goroot/goVersion`);
  const [goroot = '', goversion = ''] = res.stdout.trim().split('\n');
  const version = goversion.replace(/^go/, '').split(/\s/)[0] ?? '';
  if (!goroot || !/^\d+\.\d+(\.\d+)?/.test(version)) throw new Error(`go env printed an unexpected GOROOT/GOVERSION: ${JSON.stringify(res.stdout)}`);
  return { goroot, version };
}

/** The first Debian bookworm mirror (not the security archive) in apt's sources (one-line and deb822 formats). */
export function aptMirrorFrom(files: { name: string; text: string }[]): string | undefined {
  for (const { name, text } of files) {
    if (name.endsWith('.sources')) {
      for (const block of text.split(/\n\s*\n/)) {
        const field = (key: string) => new RegExp(`^${key}:\\s*(.+)$`, 'im').exec(block)?.[1]?.trim().split(/\s+/) ?? [];
        if (!field('Types').includes('deb')) continue;
        const uri = field('URIs').find((u) => /^https?:\/\//.test(u) && !u.includes('security'));
        if (uri && field('Suites').includes('bookworm')) return uri;
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/.exec(line.trim());
        if (m?.[1] && !m[1].includes('security')) return m[1];
      }
    }
  }
  return undefined;
}

export async function hostAptMirror(): Promise<string> {
  const files: { name: string; text: string }[] = [];
  if (existsSync('/etc/apt/sources.list')) files.push({ name: 'sources.list', text: await readFile('/etc/apt/sources.list', 'utf8') });
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const name of (await readdir('/etc/apt/sources.list.d')).sort()) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push({ name, text: await readFile(join('/etc/apt/sources.list.d', name), 'utf8') });
    }
  }
  return aptMirrorFrom(files) ?? 'http://deb.debian.org/debian';
}

export const debianSource = (mirror: string, distro: Distro = 'bookworm') => `debootstrap --variant=minbase ${distro} ${mirror}`;

/** The golang image's Dockerfile model (base: an image id or ref of the debian base). */
export function golangDockerfile(base: { image: string; tag?: string }, goVersion: string, withApt: boolean): Dockerfile {
  const instructions: Instruction[] = [
    { kind: 'ENV', vars: { GOLANG_VERSION: goVersion, GOTOOLCHAIN: 'local', GOPATH: '/go', PATH: `/go/bin:/usr/local/go/bin:${DEFAULT_PATH}` } },
  ];
  if (withApt) {
    instructions.push({
      kind: 'RUN',
      commands: [
        'apt-get update',
        `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${GOLANG_APT_PACKAGES.join(' ')}`,
        'rm -rf /var/lib/apt/lists/*',
      ],
    });
  }
  instructions.push(
    { kind: 'COPY', src: ['go'], dest: '/usr/local/go' },
    { kind: 'RUN', commands: ['mkdir -p /go/src /go/bin', 'chmod -R 1777 /go', 'go version'] },
    { kind: 'WORKDIR', path: '/go' },
  );
  return { stages: [{ name: 'golang', from: base, instructions }] };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Runs debootstrap (minbase) and caches the rootfs as a tarball; returns its path (reused when present). */
export async function debianRootfsTarball(mirror: string, cacheDir: string, log: (line: string) => void, distro: Distro = 'bookworm'): Promise<{ path: string; cached: boolean }> {
  const key = createHash('sha256').update(debianSource(mirror, distro)).digest('hex').slice(0, 12);
  const path = join(cacheDir, `debian-${distro}-minbase-${key}.tar`);
  if (existsSync(path)) return { path, cached: true };
  await mkdir(cacheDir, { recursive: true });
  const dir = await mkdtemp(join(cacheDir, 'rootfs-'));
  try {
    log(`debootstrap --variant=minbase ${distro} ${dir} ${mirror}`);
    const boot = await execa('nice', ['-n', '10', 'debootstrap', '--variant=minbase', distro, dir, mirror], { reject: false, all: true });
    if (boot.exitCode !== 0) {
      throw new Error(`debootstrap --variant=minbase ${distro} ${dir} ${mirror} failed (exit ${boot.exitCode}): ${(boot.all ?? '').split('\n').slice(-5).join(' | ')}`);
    }
    const tmp = `${path}.${process.pid}.tmp`;
    const packed = await execa('tar', ['--numeric-owner', '-C', dir, '-cf', tmp, '.'], { reject: false });
    if (packed.exitCode !== 0) throw new Error(`tar -C ${dir} -cf ${tmp} . failed (exit ${packed.exitCode}): ${packed.stderr.split('\n').slice(-3).join(' ')}`);
    await rename(tmp, path);
    return { path, cached: false };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function tryPull(official: string, ref: string, client: Docker, timeoutMs: number, log: (line: string) => void): Promise<string | undefined> {
  if (timeoutMs <= 0) return undefined;
  log(`pulling ${official} (timeout ${timeoutMs / 1000} s)`);
  try {
    const info = await pullImage(official, { client, timeoutMs });
    if (ref !== official) await tagImage(official, ref, client);
    return info.id;
  } catch (err) {
    log(`pull ${official} failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
    return undefined;
  }
}

/** `debian:<distro>`: pulled, or debootstrapped and imported. */
export async function ensureDebianBase(options: BaseImagesOptions = {}): Promise<BaseImageResult> {
  const client = options.client ?? defaultDocker();
  const log = options.log ?? (() => {});
  const started = Date.now();
  const distro = options.distro ?? 'bookworm';
  const ref = options.debianRef ?? `debian:${distro}`;
  const mirror = options.mirror ?? (await hostAptMirror());
  const source = debianSource(mirror, distro);
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  const existing = await inspectImage(ref, client);
  if (existing && !options.force && (existing.labels[SOURCE_LABEL] === source || !existing.labels[SOURCE_LABEL])) {
    const how = existing.labels[SOURCE_LABEL] ? 'bootstrapped earlier' : 'pulled earlier';
    return { ref, id: existing.id, action: 'present', source: existing.labels[SOURCE_LABEL] ?? 'registry', seconds: seconds(), notes: [how] };
  }
  const pulled = await tryPull(`debian:${distro}`, ref, client, options.pullTimeoutMs ?? 15_000, log);
  if (pulled) return { ref, id: pulled, action: 'pulled', source: 'registry', seconds: seconds(), notes: [] };

  const tarball = await debianRootfsTarball(mirror, options.cacheDir ?? DEFAULT_CACHE_DIR, log, distro);
  const rootfsSha = await sha256File(tarball.path);
  log(`importing ${tarball.path}${tarball.cached ? ' (cached rootfs)' : ''} as ${ref}`);
  const changes = [
    `ENV PATH=${DEFAULT_PATH}`,
    'CMD ["bash"]',
    `LABEL ${JSON.stringify(SOURCE_LABEL)}=${JSON.stringify(source)} "org.confidential.base.rootfs-sha256"=${JSON.stringify(rootfsSha)} ${JSON.stringify(PATH_LABEL)}="bootstrapped"`,
  ];
  const stream = (await client.importImage(createReadStream(tarball.path) as never, { ...splitRepoTag(ref), changes } as never)) as unknown as NodeJS.ReadableStream;
  await followStream(client, stream, `import ${tarball.path} as ${ref}`);
  const info = await inspectImage(ref, client);
  if (!info) throw new Error(`import of ${tarball.path} finished but ${ref} is not in the engine`);
  return {
    ref,
    id: info.id,
    action: 'bootstrapped',
    source,
    seconds: seconds(),
    notes: [tarball.cached ? `rootfs from cache ${tarball.path}` : `debootstrap rootfs cached at ${tarball.path}`],
  };
}

/** `golang:<go>-<distro>`: pulled, or built from the debian base + the GOROOT of that Go + apt toolchain. */
export async function ensureGolangBase(debian: BaseImageResult, options: BaseImagesOptions = {}): Promise<BaseImageResult> {
  const client = options.client ?? defaultDocker();
  const log = options.log ?? (() => {});
  const started = Date.now();
  const go = options.goroot && options.goVersion ? { goroot: options.goroot, version: options.goVersion } : options.goVersion ? await goToolchain(options.goVersion) : await hostGo();
  const official = `golang:${go.version}-${options.distro ?? 'bookworm'}`;
  const ref = options.golangRef ?? official;
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  const source = `${debian.ref}@${debian.id} + ${go.goroot} (go${go.version}) at /usr/local/go + apt: ${GOLANG_APT_PACKAGES.join(' ')}`;
  const existing = await inspectImage(ref, client);
  if (existing && !options.force) {
    const label = existing.labels[SOURCE_LABEL];
    if (!label || label === source || label === source.replace(/ \+ apt: .*$/, ' (apt failed: no C toolchain)')) {
      return { ref, id: existing.id, action: 'present', source: label ?? 'registry', seconds: seconds(), notes: [label ? 'bootstrapped earlier' : 'pulled earlier'] };
    }
  }
  const pulled = await tryPull(official, ref, client, options.pullTimeoutMs ?? 15_000, log);
  if (pulled) return { ref, id: pulled, action: 'pulled', source: 'registry', seconds: seconds(), notes: ['the official image has no musl-tools: install it in a later stage for the musl variant'] };

  if ((await stat(go.goroot).catch(() => undefined))?.isDirectory() !== true) throw new Error(`GOROOT ${go.goroot} is not a folder`);
  const context = [{ src: go.goroot, dest: 'go', exclude: ['pkg/obj/**', 'pkg/bootstrap/**', '.git/**'] }];
  const labels = (src: string) => ({ [SOURCE_LABEL]: src, [PATH_LABEL]: 'bootstrapped', 'org.confidential.go.version': go.version, 'org.confidential.base.musl': 'CC=musl-gcc' });
  const { repo, tag } = splitRepoTag(debian.ref);
  const base = { image: repo, tag };
  const notes: string[] = [];
  let result;
  try {
    result = await buildImage({ dockerfile: golangDockerfile(base, go.version, true), context, tags: [ref], labels: labels(source), onProgress: log, pullTimeoutMs: 0, client });
  } catch (err) {
    if (!(err instanceof BuildError) || !/apt-get/.test(err.step ?? '')) throw err;
    const fallback = source.replace(/ \+ apt: .*$/, ' (apt failed: no C toolchain)');
    notes.push(`apt-get failed inside the container (${err.engineError}); built WITHOUT gcc, libc6-dev, git, make, pkg-config, musl-tools: cgo and the musl variant will not work`);
    log(notes[0]!);
    result = await buildImage({ dockerfile: golangDockerfile(base, go.version, false), context, tags: [ref], labels: labels(fallback), onProgress: log, pullTimeoutMs: 0, client });
  }
  return { ref, id: result.id, action: 'bootstrapped', source, seconds: seconds(), notes };
}

/** Holds an exclusive lock file (pid inside; a lock whose pid is gone is taken over); waits up to timeoutMs. */
async function withLock<T>(path: string, timeoutMs: number, log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const pid = Number(readFileSync(path, 'utf8') || 0);
      let alive = false;
      try {
        if (pid > 0) process.kill(pid, 0);
        alive = pid > 0;
      } catch {
        alive = false;
      }
      if (!alive) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${path} (held by pid ${pid}); remove it if that process is not preparing base images`);
      if (!said) log(`another process (pid ${pid}) is preparing the base images; waiting`);
      said = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * Both base images of one distro and Go version (default: bookworm and the machine's Go), in order; each result
 * says whether it was pulled, bootstrapped or already present. Two racing callers serialise on a lock file in the
 * cache folder; the second finds the images present.
 */
export async function ensureOfflineBaseImages(options: BaseImagesOptions = {}): Promise<BaseImageResult[]> {
  const lock = join(options.cacheDir ?? DEFAULT_CACHE_DIR, 'base-images.lock');
  return withLock(lock, 15 * 60_000, options.log ?? (() => {}), async () => {
    const debian = await ensureDebianBase(options);
    const golang = await ensureGolangBase(debian, options);
    return [debian, golang];
  });
}

/** `debian:<distro>` or `golang:<version>-<distro>` (the names base images have), else undefined. */
export function baseImageOf(ref: string): { distro: Distro; goVersion?: string } | undefined {
  const m = /^(?:docker\.io\/)?(?:library\/)?(debian|golang):(?:(\d+\.\d+(?:\.\d+)?)-)?([a-z]+)$/.exec(ref);
  const distro = DISTROS.find((d) => d === m?.[3]);
  if (!m || !distro || (m[1] === 'golang') !== (m[2] !== undefined)) return undefined;
  return m[2] ? { distro, goVersion: m[2] } : { distro };
}

/** Makes one base image available (pull, else bootstrap), with the debian image it is built on. */
export async function ensureBaseImage(ref: string, options: BaseImagesOptions = {}): Promise<BaseImageResult> {
  const base = baseImageOf(ref);
  if (!base) throw new Error(`${ref} is not a base image this project can bootstrap (debian:<distro> or golang:<version>-<distro>, distro one of ${DISTROS.join(', ')})`);
  const results = await ensureOfflineBaseImages({ ...options, distro: base.distro, ...(base.goVersion ? { goVersion: base.goVersion } : {}) });
  return base.goVersion ? results[1]! : results[0]!;
}

/** A Bootstrap for buildImage: makes a missing debian/golang base image (pulled, else bootstrapped); false for others. */
export function bootstrapBaseImage(options: BaseImagesOptions = {}): (image: string) => Promise<boolean> {
  return async (image) => {
    if (!baseImageOf(image)) return false;
    await ensureBaseImage(image, { ...options, pullTimeoutMs: 0 });
    return true;
  };
}
