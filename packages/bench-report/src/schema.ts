// zod schemas of the files the benchmarks write: bench.json (packages/bench: confidential-bench and caddy-test;
// contract.int.spec.ts parses what Go writes) and result.json (caddy-test run).
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

const Host = z.object({ hostname: z.string(), cpus: z.number().int(), goos: z.string(), goarch: z.string() });
const Load = z.object({ url: z.string(), connections: z.number().int(), rate: num, durationSeconds: num });

// ---- version 1: one run per target, one after another; ratios are plain numbers
export const BenchTargetV1 = z.object({
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
export type BenchTargetV1 = z.infer<typeof BenchTargetV1>;

export const BenchRatioV1 = z.object({
  name: z.string(),
  throughput: num.nullable(),
  p50: num.nullable(),
  p99: num.nullable(),
  p999: num.nullable(),
});
export type BenchRatioV1 = z.infer<typeof BenchRatioV1>;

export const BenchJsonV1 = z.object({
  version: z.literal(1),
  kind: z.literal('bench'),
  tool: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  host: Host,
  load: Load,
  baseline: z.string(),
  targets: z.array(BenchTargetV1),
  ratios: z.array(BenchRatioV1),
});
export type BenchJsonV1 = z.infer<typeof BenchJsonV1>;

// ---- version 2: targets alternated in slices (balanced order), pooled per target, bootstrap intervals
/** target ÷ baseline: the pooled estimate, the 95 % bootstrap interval and whether it ranks the two (a
 * percentile-bootstrap interval need not contain the estimate, so only low ≤ high is checked). */
export const Interval = z
  .object({
    estimate: num,
    low: num,
    high: num,
    /** the interval contains 1 or is wider than method.bootstrap.maxRelWidth × estimate (and is not "same": within 1 ± sameWithin) */
    tooWide: z.boolean(),
    verdict: z.enum(['baseline', 'higher', 'lower', 'same', 'cannot rank']),
    reason: z.string().optional(),
    /** the interval as every report shows it ("1.023 [0.991, 1.060] higher"), written once by packages/bench */
    text: z.string().min(1),
  })
  .refine((iv) => iv.low <= iv.high, { message: 'expected low ≤ high' });
export type Interval = z.infer<typeof Interval>;

export const Slice = z.object({
  round: z.number().int().min(0),
  seq: z.number().int().min(0),
  rate: num.min(0),
  startSeconds: num.min(0),
  elapsedSeconds: num.min(0),
  scheduled: z.number().int().min(0),
  completed: z.number().int().min(0),
  ok2xx: z.number().int().min(0),
  errors: z.number().int().min(0),
  unsent: z.number().int().min(0),
  throughput: num.min(0),
  p50: num.min(0),
  p99: num.min(0),
  p999: num.min(0),
  serverCpuSeconds: num.min(0).nullable(),
  clientCpuSeconds: num.nullable(),
  held: z.boolean(),
  shutdownClean: z.boolean(),
});
export type Slice = z.infer<typeof Slice>;

export const BenchCpu = z.object({
  serverSeconds: num.min(0),
  clientSeconds: num,
  requests: z.number().int().min(0),
  serverUsPerRequest: num.min(0),
  clientUsPerRequest: num,
});

export const SatResult = z.object({
  rates: z.array(num),
  /** where a slice holds with probability ½ (logistic fit over every recorded slice; 0: not fitted; absent before it existed) */
  rate50: num.min(0).default(0),
  mean: num.min(0),
  censoredLow: z.number().int().min(0),
  censoredHigh: z.number().int().min(0),
  calibrationLo: num,
  calibrationHi: num,
});

export const BenchTarget = BenchTargetV1.extend({
  cpu: BenchCpu.nullable(),
  saturation: SatResult.nullable(),
  slices: z.array(Slice),
  warnings: z.array(z.string()),
});
export type BenchTarget = z.infer<typeof BenchTarget>;

export const BenchRatio = z.object({
  name: z.string(),
  throughput: Interval.nullable(),
  p50: Interval.nullable(),
  p99: Interval.nullable(),
  p999: Interval.nullable(),
  cpu: Interval.nullable(),
});
export type BenchRatio = z.infer<typeof BenchRatio>;

export const BenchMethod = z.object({
  mode: z.enum(['fixed', 'saturation', 'cpu']),
  rounds: z.number().int().min(0),
  sliceSeconds: num.positive(),
  sliceWarmupSeconds: num.min(0),
  warmupRound: z.boolean(),
  restartPerSlice: z.boolean(),
  orderPeriod: z.number().int().positive(),
  order: z.array(z.array(z.string())),
  bootstrap: z.object({ resamples: z.number().int().positive(), seed: z.number().int().min(0), confidence: num, maxRelWidth: num, sameWithin: num.default(0), minUnits: z.number().int().default(0) }),
  saturation: z.object({ steps: z.number().int(), maxP99Ms: num, minRate: num, maxRate: num, widen: num }).nullable(),
  clockTicks: z.number().int(),
  // the CPUs of the servers and of the load generator (packages/bench pin.go); absent in files from before pinning
  pinning: z.object({ server: z.array(z.number().int()).nullable(), client: z.array(z.number().int()).nullable(), note: z.string(), text: z.string() }).nullable().optional(),
});
export type BenchMethod = z.infer<typeof BenchMethod>;

/** The pinning as bench.json states it ("server CPUs 0, load generator CPUs 1", "not pinned: …"). */
export const pinningText = (m: BenchMethod): string => m.pinning?.text ?? 'pinning not recorded';

/** A target's saturation rate: the fitted ½ point, else the mean of the rounds' highest held rates. */
export const saturationRate = (s: { rate50: number; mean: number } | null | undefined): number | undefined => (s ? s.rate50 || s.mean : undefined);

export const BenchJsonV2 = z.object({
  version: z.literal(2),
  kind: z.literal('bench'),
  tool: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  host: Host,
  load: Load,
  method: BenchMethod,
  baseline: z.string(),
  targets: z.array(BenchTarget),
  ratios: z.array(BenchRatio),
  /** every later target ÷ every earlier one but the baseline, e.g. "confidential/native" (absent before pairs existed) */
  pairs: z.array(BenchRatio).default([]),
});
export type BenchJsonV2 = z.infer<typeof BenchJsonV2>;

/** bench.json of either version (packages/bench writes version 2; version 1 files still render). */
export const BenchJson = z.discriminatedUnion('version', [BenchJsonV1, BenchJsonV2]);
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
