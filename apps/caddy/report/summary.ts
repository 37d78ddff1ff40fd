// The short text summary printed after a benchmark: one line per target and per step of the run flow.
import { parseBench, parseRunResult } from './schema.js';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(2)} ms`);
const ratio = (v: number | null | undefined) => (v === null || v === undefined ? '' : ` (×${v.toFixed(3)})`);

export function summarize(benchData: unknown, resultData?: unknown): string[] {
  const bench = parseBench(benchData);
  const lines = [`load: ${bench.load.connections} connections, ${bench.load.rate} req/s, ${bench.load.durationSeconds} s per target (${bench.load.url})`];
  for (const target of bench.targets) {
    const r = target.result;
    const rt = bench.ratios.find((x) => x.name === target.name);
    lines.push(
      r
        ? `${target.ok ? 'ok  ' : 'FAIL'} ${target.name.padEnd(14)} ${r.throughput.toFixed(0).padStart(6)} req/s${ratio(rt?.throughput)}  p50 ${ms(r.latencyMs.p50)}${ratio(rt?.p50)}  p99 ${ms(r.latencyMs.p99)}${ratio(rt?.p99)}  errors ${r.errors}`
        : `FAIL ${target.name.padEnd(14)} ${target.error ?? 'no result'}`,
    );
  }
  if (resultData !== undefined) {
    const run = parseRunResult(resultData);
    for (const step of run.steps) lines.push(`step ${step.n} ${step.name}: ${step.status}${step.detail ? ` — ${step.detail}` : ''}`);
  }
  return lines;
}
