// The short text summary printed after a benchmark: one line per target and per step of the run flow.
import { parseBench, parseRunResult, pinningText, saturationRate, type Interval } from './schema.js';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(2)} ms`);
const ratio = (v: number | null | undefined) => (v === null || v === undefined ? '' : ` (×${v.toFixed(3)})`);

/** ` (×1.023 [0.991, 1.060] higher)`: the interval's text from bench.json; nothing for the baseline or a missing ratio. */
export function intervalText(iv: Interval | null | undefined): string {
  return !iv || iv.verdict === 'baseline' ? '' : ` (×${iv.text})`;
}

export function summarize(benchData: unknown, resultData?: unknown): string[] {
  const bench = parseBench(benchData);
  const lines: string[] = [];
  if (bench.version === 1) {
    lines.push(`load: ${bench.load.connections} connections, ${bench.load.rate} req/s, ${bench.load.durationSeconds} s per target (${bench.load.url})`);
    for (const target of bench.targets) {
      const r = target.result;
      const rt = bench.ratios.find((x) => x.name === target.name);
      lines.push(
        r
          ? `${target.ok ? 'ok  ' : 'FAIL'} ${target.name.padEnd(14)} ${r.throughput.toFixed(0).padStart(6)} req/s${ratio(rt?.throughput)}  p50 ${ms(r.latencyMs.p50)}${ratio(rt?.p50)}  p99 ${ms(r.latencyMs.p99)}${ratio(rt?.p99)}  errors ${r.errors}`
          : `FAIL ${target.name.padEnd(14)} ${target.error ?? 'no result'}`,
      );
    }
  } else {
    const m = bench.method;
    lines.push(
      `load: ${bench.load.connections} connections, ${bench.load.rate} req/s, mode ${m.mode}, ${m.rounds} rounds × ${m.sliceSeconds} s slices, ${bench.load.durationSeconds} s recorded per target (${bench.load.url}); ratios to ${bench.baseline}, 95 % bootstrap interval`,
      `cpus: ${pinningText(m)}`,
    );
    for (const target of bench.targets) {
      const r = target.result;
      const rt = bench.ratios.find((x) => x.name === target.name);
      const tput = m.mode === 'saturation' ? saturationRate(target.saturation) : r?.throughput;
      const cpu = target.cpu ? `  cpu ${target.cpu.serverUsPerRequest.toFixed(1)} µs/req${intervalText(rt?.cpu)}` : '';
      lines.push(
        r && tput != null
          ? `${target.ok ? 'ok  ' : 'FAIL'} ${target.name.padEnd(14)} ${tput.toFixed(0).padStart(6)} req/s${intervalText(rt?.throughput)}  p50 ${ms(r.latencyMs.p50)}${intervalText(rt?.p50)}  p99 ${ms(r.latencyMs.p99)}${intervalText(rt?.p99)}${cpu}  errors ${r.errors}`
          : `FAIL ${target.name.padEnd(14)} ${target.error ?? 'no result'}`,
      );
      for (const w of target.warnings) lines.push(`     warning: ${w}`);
    }
  }
  if (resultData !== undefined) {
    const run = parseRunResult(resultData);
    for (const step of run.steps) lines.push(`step ${step.n} ${step.name}: ${step.status}${step.detail ? ` — ${step.detail}` : ''}`);
  }
  return lines;
}
