// runCompose: up → live logs → wait on health/completion (polled through the engine, all containers, so a
// one-shot that already exited is seen) → the test service's exit code → always tear down (`down -v
// --remove-orphans`, then a check through the engine that nothing labelled with the project remains), also on
// failure, on a wait timeout and on SIGINT/SIGTERM.
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { execa } from 'execa';
import tar from 'tar-stream';
import { docker as defaultDocker } from '@confidential/image-builder';
import { lineSplitter } from '@confidential/kit';
import { cliName, composeArgs, detectCompose, downArgs, PROJECT_NAME, projectName as makeProjectName, upArgs, type ComposeCli, type ProjectRef } from './cli.js';
import { LogFollower, tailLogs, type LogLine } from './logs.js';
import { renderCompose, withLabels, type ComposeModel, type DependsOnCondition } from './model.js';

export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';
export const RUNNER_LABEL = 'org.confidential.compose-runner.project';
/** pid and host of the runner process, on every service of a model run (for sweepOrphanedRuns) */
export const PID_LABEL = 'org.confidential.compose-runner.pid';
export const HOST_LABEL = 'org.confidential.compose-runner.host';

export interface WaitFor {
  service: string;
  condition: DependsOnCondition;
}

export interface RunComposeOptions {
  /** compose files (absolute or relative to cwd), merged in order like `compose -f a -f b` … */
  files?: string[];
  /** … or an inline model (rendered to YAML in a temporary folder; every service gets the runner's labels) */
  model?: ComposeModel;
  /** default: `cr-<name>-<random>` */
  projectName?: string;
  /** the <name> part of a generated project name; default the test service */
  name?: string;
  /** folder relative paths resolve against; default: the first file's folder, for a model the cwd */
  projectDirectory?: string;
  /** the service whose exit code is the result */
  testService: string;
  /** for the whole run (up, waits, test service); teardown comes on top */
  timeoutMs: number;
  /** checked in order, all before the test service's exit counts */
  waitFor?: WaitFor[];
  /** each log line of each container; default: `service | line` on stdout */
  onLog?: (line: LogLine) => void;
  /** progress messages of the runner and of compose itself; default: stderr */
  onEvent?: (message: string) => void;
  /** environment of the compose process (interpolation of `${VAR}`), on top of process.env */
  env?: Record<string, string>;
  /** extra labels for every service of a model */
  labels?: Record<string, string>;
  /**
   * Called after the test service exited (and copyFromTest), before teardown, with every container of the project
   * still there (e.g. to inspect their file system changes); what it throws fails the run, teardown still follows.
   */
  beforeTeardown?: (run: { project: string; client: Docker; exitCode: number; logs: LogLine[] }) => Promise<void>;
  /** files or folders to copy out of the test container after it exited, into `dest` */
  copyFromTest?: { paths: string[]; dest: string };
  /** after teardown on SIGINT/SIGTERM: exit the process with 130/143 (default) or throw ComposeInterruptedError */
  signals?: 'exit' | 'throw';
  /** lines of log in failure messages; default 20 */
  logTailLines?: number;
  pollMs?: number;
  client?: Docker;
  cli?: ComposeCli;
  cwd?: string;
}

export interface RunComposeResult {
  project: string;
  exitCode: number;
  logs: LogLine[];
  cli: ComposeCli;
  durationMs: number;
  /** host paths written by copyFromTest */
  copied: string[];
  /** copyFromTest paths the test container did not have */
  missing: string[];
}

export class ComposeRunError extends Error {
  override name = 'ComposeRunError';
  constructor(
    message: string,
    readonly project: string,
    readonly service?: string,
    readonly logTail: string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class ComposeInterruptedError extends Error {
  override name = 'ComposeInterruptedError';
  readonly exitCode: number;
  constructor(
    readonly signal: 'SIGINT' | 'SIGTERM',
    readonly project: string,
  ) {
    super(`compose run ${project} interrupted by ${signal}; torn down`);
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

export class TeardownError extends Error {
  override name = 'TeardownError';
}

interface ContainerState {
  id: string;
  name: string;
  service: string;
  status: string;
  exitCode: number;
  health?: string;
  tty: boolean;
  volumes: string[];
}

/** All containers of a project (running or not), inspected. */
export async function projectContainers(client: Docker, project: string): Promise<ContainerState[]> {
  const list = await client.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`] } });
  const states: ContainerState[] = [];
  for (const c of list) {
    const info = await client
      .getContainer(c.Id)
      .inspect()
      .catch(() => undefined);
    if (!info) continue;
    states.push({
      id: c.Id,
      name: info.Name.replace(/^\//, ''),
      service: info.Config.Labels?.[SERVICE_LABEL] ?? '?',
      status: info.State.Status,
      exitCode: info.State.ExitCode,
      ...(info.State.Health ? { health: info.State.Health.Status } : {}),
      tty: Boolean(info.Config.Tty),
      volumes: (info.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!),
    });
  }
  return states;
}

export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** What the engine still holds of a project: containers, networks and volumes labelled with it (+ given volumes). */
export async function projectLeftovers(client: Docker, project: string, volumeNames: Iterable<string> = []): Promise<Leftovers> {
  const filters = { label: [`${PROJECT_LABEL}=${project}`] };
  const [containers, networks, volumes] = await Promise.all([
    client.listContainers({ all: true, filters }),
    client.listNetworks({ filters }),
    client.listVolumes({ filters }),
  ]);
  const named = new Set((volumes.Volumes ?? []).map((v) => v.Name));
  for (const name of volumeNames) {
    if (named.has(name)) continue;
    const exists = await client
      .getVolume(name)
      .inspect()
      .then(() => true)
      .catch(() => false);
    if (exists) named.add(name);
  }
  return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id), volumes: [...named] };
}

const isEmpty = (l: Leftovers) => !l.containers.length && !l.networks.length && !l.volumes.length;
const describeLeftovers = (l: Leftovers) =>
  [`${l.containers.length} container(s)`, `${l.networks.length} network(s)`, `${l.volumes.length} volume(s)`].join(', ');

/** Projects of this process whose run has not finished its teardown yet. */
const activeRuns = new Set<string>();

type WaitState = { ok: true } | { ok: false; failed?: string; state: string };

export function evaluateWait(condition: DependsOnCondition, containers: ContainerState[], upFinished: boolean): WaitState {
  if (!containers.length) {
    return upFinished ? { ok: false, failed: 'no container was created', state: 'absent' } : { ok: false, state: 'not created yet' };
  }
  const describe = (c: ContainerState) => `${c.status}${c.status === 'exited' ? ` (exit code ${c.exitCode})` : ''}${c.health ? `, health ${c.health}` : ''}`;
  for (const c of containers) {
    const stopped = c.status === 'exited' || c.status === 'dead';
    switch (condition) {
      case 'service_started':
        if (c.status === 'created') return { ok: false, state: describe(c) };
        break;
      case 'service_healthy':
        if (c.health === 'healthy' && c.status === 'running') break;
        if (stopped) return { ok: false, failed: `exited with code ${c.exitCode} before becoming healthy`, state: describe(c) };
        if (c.status === 'running' && !c.health) return { ok: false, failed: 'has no healthcheck (add one to the service or its image)', state: describe(c) };
        if (c.health === 'unhealthy') return { ok: false, failed: 'became unhealthy', state: describe(c) };
        return { ok: false, state: describe(c) };
      case 'service_completed_successfully':
        if (stopped && c.exitCode === 0) break;
        if (stopped) return { ok: false, failed: `exited with code ${c.exitCode}, not 0`, state: describe(c) };
        return { ok: false, state: describe(c) };
    }
  }
  return { ok: true };
}

const conditionText: Record<DependsOnCondition, string> = {
  service_started: 'to start',
  service_healthy: 'to become healthy',
  service_completed_successfully: 'to complete successfully',
};

const tailOf = (text: string, n: number) => text.trim().split('\n').filter(Boolean).slice(-n);

/** Runs a compose project to the exit of its test service; see the file comment. */
export async function runCompose(options: RunComposeOptions): Promise<RunComposeResult> {
  if (!options.files?.length === !options.model) throw new Error('runCompose: give exactly one of "files" or "model".');
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const client = options.client ?? defaultDocker();
  const project = options.projectName ?? makeProjectName(options.name ?? options.testService);
  if (!PROJECT_NAME.test(project)) throw new Error(`runCompose: project name "${project}" must be lower-case letters, digits, "_" or "-".`);
  const tailLines = options.logTailLines ?? 20;
  const pollMs = options.pollMs ?? 250;
  const onEvent = options.onEvent ?? ((m: string) => process.stderr.write(`[compose-runner] ${m}\n`));
  const logs: LogLine[] = [];
  const width = { n: 0 };
  const onLog =
    options.onLog ??
    ((l: LogLine) => {
      width.n = Math.max(width.n, l.service.length);
      process.stdout.write(`${l.service.padEnd(width.n)} | ${l.line}\n`);
    });
  const env = { ...process.env, ...options.env };

  // validated before anything touches the engine
  let yamlText: string | undefined;
  if (options.model) {
    yamlText = renderCompose(
      withLabels(options.model, { ...options.labels, [RUNNER_LABEL]: project, [PID_LABEL]: String(process.pid), [HOST_LABEL]: hostname() }),
    );
    const services = Object.keys(options.model.services);
    for (const s of [options.testService, ...(options.waitFor ?? []).map((w) => w.service)]) {
      if (!services.includes(s)) throw new Error(`runCompose: service "${s}" is not in the model (services: ${services.join(', ')}).`);
    }
  }
  const cli = options.cli ?? (await detectCompose());

  const abort = new AbortController();
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (interrupted) {
      onEvent(`${signal} again: teardown of ${project} is under way, please wait`);
      return;
    }
    interrupted = signal;
    onEvent(`${signal}: stopping ${project} and tearing it down`);
    abort.abort(new ComposeInterruptedError(signal, project));
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  activeRuns.add(project);

  const workdir = await mkdtemp(join(tmpdir(), `${project}-`));
  let ref: ProjectRef;
  if (yamlText !== undefined) {
    const file = join(workdir, 'docker-compose.yml');
    await writeFile(file, yamlText);
    ref = { project, files: [file], projectDirectory: resolve(cwd, options.projectDirectory ?? '.') };
  } else {
    ref = { project, files: options.files!.map((f) => resolve(cwd, f)), ...(options.projectDirectory ? { projectDirectory: resolve(cwd, options.projectDirectory) } : {}) };
  }

  const follower = new LogFollower(client, (line) => {
    logs.push(line);
    onLog(line);
  });
  const volumeNames = new Set<string>();
  let up: ReturnType<typeof execa> | undefined;
  let result: RunComposeResult | undefined;
  let failure: unknown;

  const failWith = async (service: string | undefined, message: string, containers: ContainerState[], cause?: unknown) => {
    const ids = containers.filter((c) => c.service === service).map((c) => c.id);
    const tail = ids.length ? await tailLogs(client, ids[ids.length - 1]!, tailLines) : [];
    const text = tail.length ? `${message}; last ${tail.length} log line(s) of ${service}:\n${tail.map((l) => `  ${l}`).join('\n')}` : message;
    return new ComposeRunError(text, project, service, tail, cause === undefined ? undefined : { cause });
  };

  try {
    if (yamlText === undefined) {
      // files: check they parse (merged) and have the services we were told about
      const config = await execa(cli.command, composeArgs(cli, ref, ['config', '--services']), { reject: false, env, cancelSignal: abort.signal });
      if (abort.signal.aborted) throw abort.signal.reason;
      if (config.exitCode !== 0) {
        throw new ComposeRunError(`${cli.command} ${composeArgs(cli, ref, ['config']).join(' ')} failed (exit ${config.exitCode}): ${tailOf(String(config.stderr), 5).join(' ')}`, project);
      }
      const services = String(config.stdout).split('\n').map((s) => s.trim()).filter(Boolean);
      for (const s of [options.testService, ...(options.waitFor ?? []).map((w) => w.service)]) {
        if (!services.includes(s)) throw new ComposeRunError(`service "${s}" is not in ${ref.files.join(' + ')} (services: ${services.join(', ')})`, project, s);
      }
    }

    onEvent(`${cliName(cli)} ${cli.version}: up ${project}`);
    // its own process group: `docker compose` runs the plugin as a child of the docker CLI, and only a signal to
    // the whole group reaches both (killing the CLI alone leaves the plugin running, holding our pipes)
    up = execa(cli.command, composeArgs(cli, ref, upArgs(cli)), { reject: false, env, detached: true, all: true });
    let upResult: Awaited<ReturnType<typeof execa>> | undefined;
    void up.then((r) => (upResult = r));
    const upLines = lineSplitter((line) => {
      if (line.trim()) onEvent(`compose: ${line.trim()}`);
    });
    up.all?.on('data', (chunk: Buffer) => upLines.write(String(chunk)));

    const pending = [...(options.waitFor ?? [])];
    const deadline = started + options.timeoutMs;
    let exitCode: number | undefined;
    for (;;) {
      if (abort.signal.aborted) throw abort.signal.reason;
      const containers = await projectContainers(client, project);
      for (const c of containers) {
        if (c.status !== 'created') follower.attach(c.id, c.service, c.name, c.tty);
        for (const v of c.volumes) volumeNames.add(v);
      }
      const upFinished = upResult !== undefined;
      while (pending.length) {
        const wait = pending[0]!;
        const state = evaluateWait(wait.condition, containers.filter((c) => c.service === wait.service), upFinished);
        if (state.ok) {
          onEvent(`${wait.service}: ${wait.condition.replace('service_', '').replace(/_/g, ' ')}`);
          pending.shift();
          continue;
        }
        if (state.failed) throw await failWith(wait.service, `service "${wait.service}" ${state.failed} (waiting for it ${conditionText[wait.condition]})`, containers);
        break;
      }
      if (upResult && upResult.exitCode !== 0 && !abort.signal.aborted) {
        const stderr = tailOf(String(upResult.all ?? upResult.stderr ?? ''), 5);
        const culprit =
          containers.find((c) => c.health === 'unhealthy') ??
          containers.find((c) => (c.status === 'exited' || c.status === 'dead') && c.exitCode !== 0 && c.service !== options.testService);
        throw await failWith(
          culprit?.service,
          `${cliName(cli)} up failed (exit ${upResult.exitCode})${culprit ? ` at service "${culprit.service}" (${culprit.status}${culprit.health ? `, ${culprit.health}` : ''})` : ''}: ${stderr.join(' | ')}`,
          containers,
        );
      }
      if (!pending.length && upResult) {
        const tests = containers.filter((c) => c.service === options.testService);
        if (!tests.length) throw await failWith(options.testService, `test service "${options.testService}" has no container after up`, containers);
        const test = tests[tests.length - 1]!;
        if (test.status === 'exited' || test.status === 'dead') {
          exitCode = test.exitCode;
          await follower.drain(test.id, 3000);
          onEvent(`${options.testService} exited with code ${exitCode}`);
          const copied: string[] = [];
          const missing: string[] = [];
          if (options.copyFromTest) {
            for (const path of options.copyFromTest.paths) {
              const files = await copyFromContainer(client, test.id, path, resolve(cwd, options.copyFromTest.dest));
              if (files) copied.push(...files);
              else missing.push(path);
            }
          }
          if (options.beforeTeardown) await options.beforeTeardown({ project, client, exitCode: exitCode ?? -1, logs });
          result = { project, exitCode, logs, cli, durationMs: 0, copied, missing };
          break;
        }
      }
      if (Date.now() > deadline) {
        const seconds = Math.round(options.timeoutMs / 1000);
        const wait = pending[0];
        if (wait) {
          const state = evaluateWait(wait.condition, containers.filter((c) => c.service === wait.service), upFinished);
          throw await failWith(wait.service, `service "${wait.service}" did not ${conditionText[wait.condition].replace(/^to /, '')} within ${seconds} s (state: ${state.ok ? 'ok' : state.state})`, containers);
        }
        if (!upResult) throw await failWith(undefined, `${cliName(cli)} up did not finish within ${seconds} s`, containers);
        throw await failWith(options.testService, `test service "${options.testService}" did not exit within ${seconds} s`, containers);
      }
      await sleep(pollMs, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  } catch (err) {
    failure = err;
  } finally {
    try {
      if (up && up.exitCode === null && up.signalCode === null) {
        // still waiting (e.g. on a dependency's health): stop it before `down`, so it creates nothing afterwards
        killGroup(up.pid, 'SIGTERM');
        const stopped = await Promise.race([up.then(() => true, () => true), sleep(5000, false)]);
        if (!stopped) killGroup(up.pid, 'SIGKILL');
      }
      await up?.catch(() => undefined);
      await follower.close();
      await teardown({ cli, ref, env, client, volumeNames, onEvent });
    } catch (err) {
      failure = failure
        ? new ComposeRunError(`${(failure as Error).message ?? String(failure)}; teardown also failed: ${(err as Error).message}`, project, (failure as ComposeRunError).service, (failure as ComposeRunError).logTail ?? [], { cause: failure })
        : err;
    } finally {
      process.off('SIGINT', sigint);
      process.off('SIGTERM', sigterm);
      await rm(workdir, { recursive: true, force: true });
    }
  }
  activeRuns.delete(project);
  if (interrupted) {
    const error = new ComposeInterruptedError(interrupted, project);
    if ((options.signals ?? 'exit') === 'exit') {
      onEvent(error.message);
      // several runs in one process all see the signal: the last one to finish its teardown exits; the others
      // never settle (a rejection could end the process before the rest are torn down)
      if (activeRuns.size === 0) process.exit(error.exitCode);
      return new Promise<never>(() => {});
    }
    throw error;
  }
  if (failure) throw failure;
  return { ...result!, durationMs: Date.now() - started };
}

interface TeardownOptions {
  cli: ComposeCli;
  ref: ProjectRef;
  env: NodeJS.ProcessEnv;
  client: Docker;
  volumeNames?: Iterable<string>;
  onEvent?: (message: string) => void;
}

/** A signal to a child's whole process group (the child was started detached); a group already gone is fine. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already exited
  }
}

/**
 * `down --volumes --remove-orphans` (detached from our process group, so a second Ctrl-C does not cut it
 * short), then a check through the engine; whatever is left is removed by force. Throws TeardownError when
 * something still remains.
 */
export async function teardown(options: TeardownOptions): Promise<void> {
  const { cli, ref, client } = options;
  const onEvent = options.onEvent ?? (() => {});
  const down = await execa(cli.command, composeArgs(cli, ref, downArgs(cli)), { reject: false, env: options.env, detached: true, timeout: 180_000, all: true });
  if (down.exitCode !== 0) onEvent(`${cliName(cli)} down failed (exit ${down.exitCode}): ${tailOf(String(down.all ?? ''), 3).join(' | ')}; removing through the engine`);
  let left = await projectLeftovers(client, ref.project, options.volumeNames);
  if (!isEmpty(left)) {
    onEvent(`after down, ${ref.project} still has ${describeLeftovers(left)}; removing them`);
    for (const id of left.containers) await client.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
    for (const id of left.networks) await client.getNetwork(id).remove().catch(() => undefined);
    for (const name of left.volumes) await client.getVolume(name).remove().catch(() => undefined);
    left = await projectLeftovers(client, ref.project, options.volumeNames);
    if (!isEmpty(left)) throw new TeardownError(`teardown of ${ref.project} left ${describeLeftovers(left)} in the engine (label ${PROJECT_LABEL}=${ref.project})`);
  }
  onEvent(`${ref.project} torn down`);
}

/** Copies a path out of a container (running or stopped) into dest; undefined when the path does not exist. */
export async function copyFromContainer(client: Docker, id: string, path: string, dest: string): Promise<string[] | undefined> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await client.getContainer(id).getArchive({ path });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  const written: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const target = join(dest, normalize(header.name).replace(/^(\.\.(\/|$))+/, ''));
    if (header.type === 'file') {
      mkdirSync(dirname(target), { recursive: true });
      written.push(target);
      pipeline(stream, createWriteStream(target, { mode: header.mode ?? 0o644 })).then(() => next(), next);
    } else {
      if (header.type === 'directory') mkdirSync(target, { recursive: true });
      stream.on('end', () => next());
      stream.resume();
    }
  });
  await pipeline(archive, extract);
  return written;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes what a killed runner (SIGKILL, OOM: no chance to tear down) left behind: projects of model runs started
 * on this host whose runner process is gone. Runs of live processes and other hosts are left alone.
 * Returns the projects removed.
 */
export async function sweepOrphanedRuns(client: Docker = defaultDocker(), onEvent: (message: string) => void = () => {}): Promise<string[]> {
  const containers = await client.listContainers({ all: true, filters: { label: [RUNNER_LABEL, `${HOST_LABEL}=${hostname()}`] } });
  const orphaned = new Set<string>();
  for (const c of containers) {
    const project = c.Labels[PROJECT_LABEL];
    const pid = Number(c.Labels[PID_LABEL]);
    if (project && Number.isInteger(pid) && pid > 0 && !alive(pid)) orphaned.add(project);
  }
  for (const project of orphaned) {
    const volumes = new Set<string>();
    for (const c of await projectContainers(client, project)) for (const v of c.volumes) volumes.add(v);
    const left = await projectLeftovers(client, project, volumes);
    for (const id of left.containers) await client.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
    for (const id of left.networks) await client.getNetwork(id).remove().catch(() => undefined);
    for (const name of left.volumes) await client.getVolume(name).remove().catch(() => undefined);
    onEvent(`swept ${project} (its runner is gone): ${describeLeftovers(left)}`);
  }
  return [...orphaned];
}
