// A local registry on loopback from Debian's `docker-registry` binary, for tests and tools. dockerd treats
// 127.0.0.0/8 registries as insecure by default, so pushes to 127.0.0.1:<port> need no daemon configuration.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalRegistry {
  /** "127.0.0.1:<port>", the prefix for image names */
  host: string;
  port: number;
  /** temp folder holding config.yml and the storage */
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** default: a free port chosen by the OS */
  port?: number;
  /** default /usr/bin/docker-registry */
  binary?: string;
  /** how long to wait for /v2/ (ms); default 15 s */
  timeoutMs?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The registry's config.yml for a storage folder and a loopback port. */
export function registryConfig(storage: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storage)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

/** Starts a registry and waits until GET /v2/ answers 200. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<LocalRegistry> {
  const binary = options.binary ?? '/usr/bin/docker-registry';
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'registry-'));
  const config = join(dir, 'config.yml');
  await writeFile(config, registryConfig(join(dir, 'storage'), port));
  const stderr: string[] = [];
  const child: ChildProcess = spawn(binary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => stderr.push(...d.toString().split('\n').filter(Boolean)));
  let exited: string | undefined;
  child.on('error', (err) => (exited = err.message));
  child.on('exit', (code, signal) => (exited ??= `exited with ${code ?? signal}`));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`${binary} serve ${config} ${exited}: ${stderr.slice(-5).join(' | ')}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`registry on 127.0.0.1:${port} did not answer /v2/ within ${(options.timeoutMs ?? 15_000) / 1000} s: ${stderr.slice(-5).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { host: `127.0.0.1:${port}`, port, dir, pid: child.pid ?? 0, stop };
}
