// zod schemas of the files written by caddy-test (apps/caddy/tester): bench.json and result.json.
import { z } from 'zod';

const num = z.number().finite();

export const LatencySummary = z.object({
  min: num,
  mean: num,
  stdev: num,
  p50: num,
  p75: num,
  p90: num,
  p99: num,
  p999: num,
  max: num,
});
export type LatencySummary = z.infer<typeof LatencySummary>;

export const SpectrumPoint = z.object({
  percentile: num.min(0).max(100),
  latencyMs: num.min(0),
  count: z.number().int().min(0),
  inverse: num.min(1).nullable(),
});
export type SpectrumPoint = z.infer<typeof SpectrumPoint>;

export const LoadResult = z.object({
  url: z.string(),
  connections: z.number().int().positive(),
  targetRate: num.positive(),
  durationSeconds: num.positive(),
  elapsedSeconds: num.min(0),
  scheduled: z.number().int().min(0),
  completed: z.number().int().min(0),
  errors: z.number().int().min(0),
  unsent: z.number().int().min(0),
  throughput: num.min(0),
  bytes: z.number().int().min(0),
  status: z.record(z.string(), z.number().int()),
  errorSamples: z.record(z.string(), z.number().int()),
  latencyMs: LatencySummary,
  spectrum: z.array(SpectrumPoint),
});
export type LoadResult = z.infer<typeof LoadResult>;

export const BenchTarget = z.object({
  name: z.string().min(1),
  command: z.array(z.string()),
  ok: z.boolean(),
  error: z.string().nullable(),
  startSeconds: num.min(0),
  shutdownClean: z.boolean(),
  exitCode: z.number().int().nullable(),
  result: LoadResult.nullable(),
  logTail: z.array(z.string()),
});
export type BenchTarget = z.infer<typeof BenchTarget>;

export const BenchRatio = z.object({
  name: z.string(),
  throughput: num.nullable(),
  p50: num.nullable(),
  p99: num.nullable(),
  p999: num.nullable(),
});
export type BenchRatio = z.infer<typeof BenchRatio>;

export const BenchJson = z.object({
  version: z.literal(1),
  kind: z.literal('bench'),
  tool: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  host: z.object({ hostname: z.string(), cpus: z.number().int(), goos: z.string(), goarch: z.string() }),
  load: z.object({ url: z.string(), connections: z.number().int(), rate: num, durationSeconds: num }),
  baseline: z.string(),
  targets: z.array(BenchTarget),
  ratios: z.array(BenchRatio),
});
export type BenchJson = z.infer<typeof BenchJson>;

export const StepResult = z.object({
  n: z.number().int().min(1),
  name: z.string(),
  status: z.enum(['ok', 'fail', 'skipped']),
  durationSeconds: num.min(0),
  detail: z.string(),
});
export type StepResult = z.infer<typeof StepResult>;

export const RunResultJson = z.object({
  version: z.literal(1),
  kind: z.literal('run'),
  ok: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  command: z.array(z.string()),
  steps: z.array(StepResult),
  load: LoadResult.nullable(),
  caddyExitCode: z.number().int().nullable(),
  logTail: z.array(z.string()),
});
export type RunResultJson = z.infer<typeof RunResultJson>;

/** Error for a file that does not match its schema: one sentence naming the file, the field path and what was expected. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

function parseWith<T>(schema: z.ZodType<T>, data: unknown, file: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more issue(s))` : '';
  throw new ReportInputError(`${file} ${issue ? fieldPath(issue.path) : '(root)'}: ${issue?.message ?? 'invalid'}${more}`);
}

export function parseBench(data: unknown, file = 'bench.json'): BenchJson {
  const bench = parseWith(BenchJson, data, file);
  const names = new Set<string>();
  bench.targets.forEach((t, i) => {
    if (names.has(t.name)) throw new ReportInputError(`${file} targets[${i}].name: expected a unique target name, "${t.name}" appears twice`);
    names.add(t.name);
  });
  return bench;
}

export function parseRunResult(data: unknown, file = 'result.json'): RunResultJson {
  return parseWith(RunResultJson, data, file);
}
