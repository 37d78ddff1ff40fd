// Test helpers: small valid bench.json / result.json documents.
import type { BenchJsonV1, BenchJsonV2, Interval, LoadResult, RunResultJson, Slice, SpectrumPoint } from './schema.js';

export function spectrum(scaleMs: number): SpectrumPoint[] {
  // an exponential-ish curve: latency grows with log10(1/(1-p))
  const ps = [0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 99, 99.9, 100];
  return ps.map((p, i) => ({
    percentile: p,
    latencyMs: p === 100 ? scaleMs * 5 : scaleMs * (1 + Math.log10(100 / (100 - p))),
    count: i * 10,
    inverse: p === 100 ? null : 100 / (100 - p),
  }));
}

export function loadResult(scaleMs: number, throughput = 1000): LoadResult {
  return {
    url: 'https://localhost/caddy/caddy.go',
    connections: 8,
    targetRate: 1000,
    durationSeconds: 30,
    elapsedSeconds: 30,
    scheduled: 30000,
    completed: 30000,
    errors: 0,
    unsent: 0,
    throughput,
    bytes: 1000,
    status: { '200': 30000 },
    errorSamples: {},
    latencyMs: { min: scaleMs / 2, mean: scaleMs, stdev: 0.1, p50: scaleMs, p75: scaleMs * 1.5, p90: scaleMs * 2, p99: scaleMs * 3, p999: scaleMs * 4, max: scaleMs * 5 },
    spectrum: spectrum(scaleMs),
  };
}

/** A version-1 bench.json (one run per target, plain ratios). */
export function benchV1(names: string[] = ['upstream', 'native', 'confidential']): BenchJsonV1 {
  const targets = names.map((name, i) => ({
    name,
    command: [`/usr/local/bin/${name}`],
    ok: true,
    error: null,
    startSeconds: 0.1,
    shutdownClean: true,
    exitCode: 0,
    result: loadResult(1 + i, 1000 - i),
    logTail: [],
  }));
  return {
    version: 1,
    kind: 'bench',
    tool: 'caddy-test',
    startedAt: '2026-11-28T23:00:00Z',
    finishedAt: '2026-11-28T23:02:00Z',
    host: { hostname: 'vm', cpus: 2, goos: 'linux', goarch: 'amd64' },
    load: { url: 'https://localhost/caddy/caddy.go', connections: 8, rate: 1000, durationSeconds: 30 },
    baseline: names[0] ?? '',
    targets,
    ratios: names.map((name, i) => ({ name, throughput: (1000 - i) / 1000, p50: 1 + i, p99: 1 + i, p999: 1 + i })),
  };
}

export function interval(estimate: number, low: number, high: number, maxRelWidth = 0.25): Interval {
  const tooWide = (low <= 1 && high >= 1) || (high - low) / estimate > maxRelWidth;
  const verdict = tooWide ? 'cannot rank' : low > 1 ? 'higher' : 'lower';
  // packages/bench writes the text; the report prints it as given, which this marker shows
  return { estimate, low, high, tooWide, verdict, text: `iv ${estimate}/${low}/${high} ${verdict}` };
}

const BASELINE: Interval = { estimate: 1, low: 1, high: 1, tooWide: false, verdict: 'baseline', text: '1 (baseline)' };

function slices(scaleMs: number, rounds: number): Slice[] {
  return Array.from({ length: rounds }, (_, r) => ({
    round: r,
    seq: r,
    rate: 1000,
    startSeconds: 0.1,
    elapsedSeconds: 5,
    scheduled: 5000,
    completed: 5000,
    ok2xx: 5000,
    errors: 0,
    unsent: 0,
    throughput: 1000,
    p50: scaleMs,
    p99: scaleMs * 3,
    p999: scaleMs * 4,
    serverCpuSeconds: 0.1,
    clientCpuSeconds: 0.12,
    held: true,
    shutdownClean: true,
  }));
}

/** A version-2 bench.json: 6 rounds of 5 s slices; the second target's p99 ratio ranks (higher), the third's cannot. */
export function bench(names: string[] = ['upstream', 'native', 'confidential']): BenchJsonV2 {
  const targets = names.map((name, i) => ({
    name,
    command: [`/usr/local/bin/${name}`],
    ok: true,
    error: null,
    startSeconds: 0.1,
    shutdownClean: true,
    exitCode: 0,
    result: loadResult(1 + i, 1000 - i),
    cpu: { serverSeconds: 0.6 * (1 + i / 10), clientSeconds: 0.7, requests: 30000, serverUsPerRequest: 20 * (1 + i / 10), clientUsPerRequest: 23.3 },
    saturation: null,
    slices: slices(1 + i, 6),
    warnings: [],
    logTail: [],
  }));
  return {
    version: 2,
    kind: 'bench',
    tool: 'caddy-test',
    startedAt: '2026-11-28T23:00:00Z',
    finishedAt: '2026-11-28T23:02:00Z',
    host: { hostname: 'vm', cpus: 2, goos: 'linux', goarch: 'amd64' },
    load: { url: 'https://localhost/caddy/caddy.go', connections: 8, rate: 1000, durationSeconds: 30 },
    method: {
      mode: 'fixed',
      rounds: 6,
      sliceSeconds: 5,
      sliceWarmupSeconds: 1,
      warmupRound: true,
      restartPerSlice: true,
      orderPeriod: names.length % 2 === 1 ? 2 * names.length : names.length,
      order: [],
      bootstrap: { resamples: 2000, seed: 1, confidence: 0.95, maxRelWidth: 0.25, sameWithin: 0.01, minUnits: 5 },
      saturation: null,
      clockTicks: 100,
    },
    baseline: names[0] ?? '',
    targets,
    ratios: names.map((name, i) =>
      i === 0
        ? { name, throughput: BASELINE, p50: BASELINE, p99: BASELINE, p999: BASELINE, cpu: BASELINE }
        : {
            name,
            throughput: interval(1 - i / 1000, 0.997, 1.001),
            p50: interval(1 + i, 0.9 + i, 1.1 + i, 1),
            p99: i === 1 ? interval(1.2, 1.1, 1.3) : interval(1.05, 0.8, 1.4),
            p999: interval(1 + i, 0.5, 2 + i, 10),
            cpu: interval(1 + i / 10, 1.05, 1.15 + i / 10),
          },
    ),
    pairs: [],
  };
}

export function runResult(failAt?: number): RunResultJson {
  const names = ['ca-install', 'start', 'fetch', 'load', 'shutdown'];
  return {
    version: 1,
    kind: 'run',
    ok: failAt === undefined,
    startedAt: '2026-11-28T23:00:00Z',
    finishedAt: '2026-11-28T23:01:00Z',
    command: ['/usr/local/bin/caddy'],
    steps: names.map((name, i) => ({
      n: i + 1,
      name,
      status: failAt === undefined || i + 1 < failAt ? 'ok' : i + 1 === failAt ? 'fail' : 'skipped',
      durationSeconds: 0.5,
      detail: i + 1 === failAt ? '127.0.0.1:443 not open after 1m0s' : '',
    })),
    load: failAt === undefined ? loadResult(1) : null,
    caddyExitCode: failAt === undefined ? 0 : null,
    logTail: failAt === undefined ? [] : ['{"level":"error","msg":"listen tcp :443: <bind> denied"}'],
  };
}
