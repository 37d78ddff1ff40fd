// compose-runner:run — runs a compose project (files or inline model) to the exit of its test service and
// writes into outputDir: logs.txt (`service | line`), logs/<service>.log, exit-code, run.json and results/
// (paths copied out of the test container). Success iff the test service exits 0. Always tears down.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { builtImage } from '@confidential/image-builder';
import { optionsOrThrow } from '@confidential/kit';
import type { LogLine } from '../../lib/logs.js';
import type { ComposeModel } from '../../lib/model.js';
import { runCompose, type RunComposeOptions, type RunComposeResult } from '../../lib/runner.js';
import { RunOptions, type EnvValue } from './options.js';

const EXECUTOR = 'compose-runner:run';

/** Resolves env values: `{file, field?}` reads an upstream output (an image.json is checked against the engine). */
export async function resolveEnv(env: Record<string, EnvValue>, root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') {
      out[name] = value;
      continue;
    }
    const path = resolve(root, value.file);
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${EXECUTOR}: option "env.${name}" is invalid: cannot read ${value.file} (${err.code ?? err.message}); build the upstream target first.`, { cause: err });
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      if (value.field) throw new Error(`${EXECUTOR}: option "env.${name}" is invalid: ${value.file} is not JSON, so it has no field "${value.field}".`);
      out[name] = text.trim();
      continue;
    }
    const field = value.field ?? 'ref';
    const picked = json && typeof json === 'object' ? (json as Record<string, unknown>)[field] : undefined;
    if (typeof picked !== 'string' && typeof picked !== 'number') {
      throw new Error(`${EXECUTOR}: option "env.${name}" is invalid: ${value.file} has no string field "${field}".`);
    }
    const record = json as Record<string, unknown>;
    if (field === 'ref' && typeof record.id === 'string' && record.id.startsWith('sha256:')) {
      out[name] = await builtImage(path); // throws "image X (sha256:…) recorded in <file> is gone from the engine; …"
    } else {
      out[name] = String(picked);
    }
  }
  return out;
}

export interface RunOutcome {
  success: boolean;
  exitCode?: number;
  project?: string;
  error?: string;
  outputDir: string;
}

async function writeOutputs(dir: string, logs: LogLine[], record: Record<string, unknown>): Promise<void> {
  await mkdir(join(dir, 'logs'), { recursive: true });
  await writeFile(join(dir, 'logs.txt'), logs.map((l) => `${l.service} | ${l.line}\n`).join(''));
  const byService = new Map<string, string[]>();
  for (const l of logs) byService.set(l.service, [...(byService.get(l.service) ?? []), l.line]);
  for (const [service, lines] of byService) await writeFile(join(dir, 'logs', `${service}.log`), lines.map((l) => `${l}\n`).join(''));
  if (typeof record.exitCode === 'number') await writeFile(join(dir, 'exit-code'), `${record.exitCode}\n`);
  await writeFile(join(dir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`);
}

/** The executor's work, callable from tests; `overrides` reach runCompose (e.g. onLog, signals). */
export async function runRun(raw: unknown, root: string, overrides: Partial<RunComposeOptions> = {}): Promise<RunOutcome> {
  const options = optionsOrThrow(RunOptions, raw, EXECUTOR);
  for (const file of options.composeFiles ?? []) {
    await readFile(resolve(root, file)).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${EXECUTOR}: option "composeFiles" is invalid: cannot read ${file} (${err.code ?? err.message}).`, { cause: err });
    });
  }
  const env = await resolveEnv(options.env, root);
  const outputDir = resolve(root, options.outputDir);
  const rel = relative(root, outputDir);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) {
    // the folder is emptied before each run: never the workspace itself or anything outside it
    throw new Error(`${EXECUTOR}: option "outputDir" is invalid: expected a folder inside the workspace, got "${options.outputDir}".`);
  }
  await rm(outputDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });

  const logs: LogLine[] = [];
  const width = { n: 0 };
  const print = overrides.onLog ?? ((l: LogLine) => {
    width.n = Math.max(width.n, l.service.length);
    process.stdout.write(`${l.service.padEnd(width.n)} | ${l.line}\n`);
  });
  const startedAt = new Date().toISOString();
  let result: RunComposeResult | undefined;
  try {
    result = await runCompose({
      ...(options.composeFiles ? { files: options.composeFiles } : { model: options.model as ComposeModel }),
      ...(options.name ? { name: options.name } : {}),
      ...(options.projectDirectory ? { projectDirectory: options.projectDirectory } : {}),
      testService: options.testService,
      timeoutMs: options.timeoutSeconds * 1000,
      waitFor: options.waitFor,
      env,
      labels: options.labels,
      cwd: root,
      ...(options.results.length ? { copyFromTest: { paths: options.results, dest: join(outputDir, 'results') } } : {}),
      ...overrides,
      onLog: (l) => {
        logs.push(l);
        print(l);
      },
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const project = (err as { project?: string }).project;
    await writeOutputs(outputDir, logs, { testService: options.testService, project, success: false, error: message, startedAt });
    return { success: false, error: message, outputDir, ...(project ? { project } : {}) };
  }
  const success = result.exitCode === 0;
  await writeOutputs(outputDir, logs, {
    testService: options.testService,
    project: result.project,
    exitCode: result.exitCode,
    success,
    startedAt,
    durationMs: result.durationMs,
    compose: { kind: result.cli.kind, version: result.cli.version },
    results: result.copied.map((p) => p.slice(outputDir.length + 1)),
    missingResults: result.missing,
  });
  if (result.missing.length) console.warn(`${EXECUTOR}: the test container had no ${result.missing.join(', ')}`);
  return {
    success,
    exitCode: result.exitCode,
    project: result.project,
    outputDir,
    ...(success ? {} : { error: `test service "${options.testService}" exited with code ${result.exitCode}` }),
  };
}

export default async function runExecutor(raw: unknown, context: { root: string }): Promise<{ success: boolean }> {
  try {
    const outcome = await runRun(raw, context.root);
    if (!outcome.success) console.error(`${EXECUTOR}: ${outcome.error} (logs in ${outcome.outputDir})`);
    return { success: outcome.success };
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return { success: false };
  }
}
