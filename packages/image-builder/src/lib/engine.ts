// Finding (and, where allowed, installing and starting) a Docker engine.
// Order: DOCKER_HOST, then the default socket. When neither answers and we are root on Debian, install
// docker.io (+ docker-compose) with apt and start dockerd in the background. Two racing callers serialise on
// a lock file; the loser waits for the winner's engine.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';

export interface EngineInfo {
  /** where the engine listens, e.g. unix:///var/run/docker.sock */
  host: string;
  serverVersion: string;
  apiVersion: string;
  storageDriver: string;
  /** what this call did: found a running engine, or installed/started one */
  action: 'found' | 'started' | 'installed-and-started';
}

export interface EnsureEngineOptions {
  /** install docker.io with apt and start dockerd when no engine answers (needs root on Debian); default true */
  install?: boolean;
  /** how long to wait for a starting engine, ms; default 90 s */
  timeoutMs?: number;
  /** where to write engine.json and dockerd.log; default <workspace>/tmp/engine */
  stateDir?: string;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** dockerode options for DOCKER_HOST (unix:// or tcp://) or the default socket. */
export function dockerOptions(env: NodeJS.ProcessEnv = process.env): Docker.DockerOptions {
  const host = env.DOCKER_HOST;
  if (!host) return { socketPath: DEFAULT_SOCKET };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

export function engineHost(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST ?? `unix://${DEFAULT_SOCKET}`;
}

/**
 * A dockerode client for the configured engine. dockerode is loaded on the first call, not with this package: code
 * that only reads configs or models (the Nx plugin computing the project graph) never loads the engine client.
 */
export function docker(env: NodeJS.ProcessEnv = process.env): Docker {
  dockerode ??= createRequire(import.meta.url)('dockerode') as typeof Docker;
  return new dockerode(dockerOptions(env));
}
let dockerode: typeof Docker | undefined;

async function probe(env: NodeJS.ProcessEnv): Promise<Omit<EngineInfo, 'action'> | undefined> {
  const client = docker(env);
  try {
    const ping = client.ping();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000).unref());
    await Promise.race([ping, timeout]);
    const [version, info] = await Promise.all([client.version(), client.info() as Promise<{ Driver?: string }>]);
    return { host: engineHost(env), serverVersion: version.Version, apiVersion: version.ApiVersion, storageDriver: info.Driver ?? '?' };
  } catch {
    return undefined;
  }
}

async function waitFor(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Omit<EngineInfo, 'action'> | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe(env);
    if (found || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const onDebian = () => existsSync('/etc/debian_version');
const which = async (cmd: string) => (await execa('sh', ['-c', 'command -v "$1"', 'sh', cmd], { reject: false })).stdout.trim();

function acquireLock(path: string): (() => void) | undefined {
  mkdirSync(dirname(path), { recursive: true });
  try {
    const fd = openSync(path, 'wx');
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    return () => rmSync(path, { force: true });
  } catch {
    // held by someone else; stale when its pid is gone
    const pid = Number(readFileSync(path, 'utf8') || 0);
    if (pid > 0) {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        rmSync(path, { force: true });
        return acquireLock(path);
      }
    }
    return undefined;
  }
}

/**
 * Returns a reachable engine, starting one when allowed. Idempotent: a running engine is only probed.
 * Throws EngineUnavailableError with one sentence saying what to install or start.
 */
export async function ensureEngine(options: EnsureEngineOptions = {}): Promise<EngineInfo> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const stateDir = options.stateDir ?? join(process.cwd(), 'tmp', 'engine');
  const timeoutMs = options.timeoutMs ?? 90_000;
  const record = (info: EngineInfo) => {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'engine.json'), `${JSON.stringify(info, null, 2)}\n`);
    return info;
  };

  const found = await probe(env);
  if (found) return record({ ...found, action: 'found' });

  if (env.DOCKER_HOST) {
    throw new EngineUnavailableError(`No Docker engine answers at DOCKER_HOST=${env.DOCKER_HOST}: start it, or unset DOCKER_HOST to use ${DEFAULT_SOCKET}.`);
  }
  if (options.install === false || !isRoot() || !onDebian()) {
    throw new EngineUnavailableError(
      `No Docker engine answers at ${DEFAULT_SOCKET}: install and start one (on Debian as root: apt-get install docker.io docker-compose && dockerd &), or set DOCKER_HOST.`,
    );
  }

  const release = acquireLock(join(stateDir, 'engine.lock'));
  if (!release) {
    log('another process is starting the engine; waiting for it');
    const other = await waitFor(env, timeoutMs * 3);
    if (other) return record({ ...other, action: 'found' });
    throw new EngineUnavailableError(`Waited ${Math.round((timeoutMs * 3) / 1000)} s for another process to start the Docker engine; see ${join(stateDir, 'dockerd.log')}.`);
  }
  try {
    let action: EngineInfo['action'] = 'started';
    if (!(await which('dockerd')) || !(await which('docker-compose'))) {
      log('installing docker.io and docker-compose with apt-get');
      const apt = { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, reject: false } as const;
      await execa('apt-get', ['update', '-qq'], apt);
      const res = await execa('apt-get', ['install', '-y', '-qq', 'docker.io', 'docker-compose'], apt);
      if (res.exitCode !== 0) {
        throw new EngineUnavailableError(`apt-get install docker.io docker-compose failed (exit ${res.exitCode}): ${res.stderr.split('\n').slice(-3).join(' ')}`);
      }
      action = 'installed-and-started';
    }
    const again = await probe(env); // the package's postinst may have started it
    if (again) return record({ ...again, action });
    const logFile = join(stateDir, 'dockerd.log');
    log(`starting dockerd in the background (log: ${logFile})`);
    const out = openSync(logFile, 'a');
    const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    closeSync(out);
    const started = await waitFor(env, timeoutMs);
    if (!started) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
      throw new EngineUnavailableError(`dockerd did not answer within ${timeoutMs / 1000} s; last lines of ${logFile}:\n${tail}`);
    }
    return record({ ...started, action });
  } finally {
    release();
  }
}
