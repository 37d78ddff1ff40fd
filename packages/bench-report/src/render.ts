// renderReport: bench.json (+ optional result.json) → one self-contained HTML page (inline SVG and CSS, no scripts,
// no external resources).
import { escapeXml as esc, renderPlot, seriesColor } from './plot.js';
import { parseBench, parseRunResult, pinningText, saturationRate, type BenchJsonV1, type BenchJsonV2, type Interval, type RunResultJson } from './schema.js';

export interface RenderOptions {
  title?: string;
  /** names used in error messages */
  benchFile?: string;
  resultFile?: string;
}

const f3 = (v: number) => v.toFixed(3);
const ratio = (v: number | null | undefined) => (v == null ? '—' : `${v.toFixed(3)}×`);

/** One ratio cell: the interval's text from bench.json (`1.023 [0.991, 1.060] higher`, `… cannot rank` with the
 * reason as its title, `1 (baseline)`), marked by its verdict. */
export function intervalCell(iv: Interval | null | undefined): string {
  if (!iv) return '—';
  return iv.tooWide ? `<span class="cannot-rank" title="${esc(iv.reason ?? '')}">${esc(iv.text)}</span>` : `<span class="verdict">${esc(iv.text)}</span>`;
}

function statusCell(t: { ok: boolean; error: string | null; shutdownClean: boolean }): string {
  const status = t.ok ? '<span class="ok">ok</span>' : `<span class="fail">FAIL</span> ${esc(t.error ?? '')}`;
  return `${status}${t.ok && !t.shutdownClean ? ' <span class="warn">(unclean shutdown)</span>' : ''}`;
}

function swatch(name: string, i: number): string {
  return `<span class="swatch" style="background:${seriesColor(i)}"></span>${esc(name)}`;
}

function targetsTableV1(bench: BenchJsonV1): string {
  const rows = bench.targets.map((t, i) => {
    const r = t.result;
    const q = bench.ratios.find((x) => x.name === t.name);
    const cells = r
      ? [
          r.throughput.toFixed(1),
          f3(r.latencyMs.p50),
          f3(r.latencyMs.p90),
          f3(r.latencyMs.p99),
          f3(r.latencyMs.p999),
          f3(r.latencyMs.max),
          String(r.errors),
          ratio(q?.throughput),
          ratio(q?.p50),
          ratio(q?.p99),
        ]
      : Array<string>(10).fill('—');
    return `<tr data-target="${esc(t.name)}"><td>${swatch(t.name, i)}</td>${cells
      .map((c) => `<td class="num">${c}</td>`)
      .join('')}<td>${statusCell(t)}</td></tr>`;
  });
  return `<table class="targets">
<thead><tr><th>target</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>errors</th><th>×req/s</th><th>×p50</th><th>×p99</th><th>status</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
<p class="note">bench.json version 1: one run per target, one after another, no interval. Ratios are relative to the first target (<b>${esc(bench.baseline)}</b>). Latency is measured from each request's intended send time (constant rate, coordinated-omission corrected).</p>`;
}

function targetsTableV2(bench: BenchJsonV2): string {
  const sat = bench.method.mode === 'saturation';
  const rows = bench.targets.map((t, i) => {
    const r = t.result;
    const tput = sat ? saturationRate(t.saturation) : r?.throughput;
    const cells = [
      tput == null ? '—' : tput.toFixed(1),
      ...(r ? [f3(r.latencyMs.p50), f3(r.latencyMs.p90), f3(r.latencyMs.p99), f3(r.latencyMs.p999), f3(r.latencyMs.max), String(r.errors)] : Array<string>(6).fill('—')),
      t.cpu ? t.cpu.serverUsPerRequest.toFixed(1) : '—',
      String(t.slices.length),
    ];
    const warnings = t.warnings.map((w) => `<div class="warn">${esc(w)}</div>`).join('');
    return `<tr data-target="${esc(t.name)}"><td>${swatch(t.name, i)}</td>${cells
      .map((c) => `<td class="num">${c}</td>`)
      .join('')}<td>${statusCell(t)}${warnings}</td></tr>`;
  });
  return `<table class="targets">
<thead><tr><th>target</th><th>${sat ? 'saturation req/s' : 'req/s'}</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>errors</th><th>server CPU µs/req</th><th>slices</th><th>status</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>${sat ? '\n<p class="note">Saturation mode: the latencies are those of the held slice at each round\'s saturation rate, the server CPU is over all its slices (of every rate).</p>' : ''}`;
}

/** "6 rounds of 5 s slices", saturation: "4 rounds × 6 steps of 2 s slices" */
function roundsText(m: BenchJsonV2['method']): string {
  return m.mode === 'saturation' && m.saturation
    ? `${m.rounds} rounds × ${m.saturation.steps} steps of ${m.sliceSeconds} s slices`
    : `${m.rounds} rounds of ${m.sliceSeconds} s slices`;
}

function ratiosTable(bench: BenchJsonV2): string {
  const m = bench.method;
  const rows = [...bench.ratios, ...bench.pairs].map((q) => {
    const cells = [q.throughput, q.p50, q.p99, q.p999, q.cpu].map((iv) => `<td class="num">${intervalCell(iv)}</td>`);
    return `<tr data-ratio="${esc(q.name)}"><td>${esc(q.name)}</td>${cells.join('')}</tr>`;
  });
  const what =
    m.mode === 'saturation'
      ? `Saturation rate: the offered rate at which a slice holds (0 errors, 0 unsent, ≥ 98 % achieved, corrected p99 ≤ ${m.saturation?.maxP99Ms ?? '?'} ms) with probability ½, from a logistic fit of held against log rate over every slice of the search (${m.saturation?.steps ?? '?'} slices per target and round: galloping, then bisection); the bootstrap resamples rounds`
      : `Percentiles of the merged histograms of each target's slices, throughput and server CPU per request pooled over its slices; the bootstrap resamples slices`;
  const unit = m.mode === 'saturation' ? 'round' : 'slice';
  return `<h2>Ratios to ${esc(bench.baseline)}${bench.pairs.length ? ' (and <i>target/other</i> between the others)' : ''}, 95 % interval</h2>
<table class="ratios">
<thead><tr><th>target</th><th>×req/s</th><th>×p50</th><th>×p99</th><th>×p99.9</th><th>×CPU/req</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
<p class="note">Mode <b>${esc(m.mode)}</b>: ${roundsText(m)} per target, the targets alternated in a balanced order (period ${m.orderPeriod} rounds${m.rounds % m.orderPeriod === 0 ? '' : '; not a multiple, so not fully balanced'}), each slice after a fresh start and ${m.sliceWarmupSeconds} s of unrecorded warm-up. ${what}. Interval: percentile bootstrap, ${m.bootstrap.resamples} resamples per ${unit} set, seed ${m.bootstrap.seed}. ${m.bootstrap.sameWithin ? `<b>same</b>: the interval lies within 1 ± ${m.bootstrap.sameWithin}. ` : ''}<b>cannot rank</b>: ${m.bootstrap.minUnits ? `fewer than ${m.bootstrap.minUnits} ${unit}s a side, or ` : ''}the interval contains 1 or is wider than ${m.bootstrap.maxRelWidth} × the estimate. Latency is measured from each request's intended send time (constant rate, coordinated-omission corrected).</p>`;
}

function stepsTable(run: RunResultJson): string {
  const rows = run.steps.map(
    (s) =>
      `<tr class="step-${s.status}"><td class="num">${s.n}</td><td>${esc(s.name)}</td><td class="${s.status === 'ok' ? 'ok' : s.status === 'fail' ? 'fail' : 'skip'}">${s.status === 'ok' ? 'pass' : s.status === 'fail' ? 'FAIL' : 'skipped'}</td><td class="num">${s.durationSeconds.toFixed(2)} s</td><td>${esc(s.detail)}</td></tr>`,
  );
  const tail =
    !run.ok && run.logTail.length > 0 ? `<h3>Last log lines of the program under test</h3><pre>${esc(run.logTail.join('\n'))}</pre>` : '';
  return `<h2>Test run: <span class="${run.ok ? 'ok' : 'fail'}">${run.ok ? 'PASS' : 'FAIL'}</span></h2>
<table class="steps"><thead><tr><th>#</th><th>step</th><th>result</th><th>time</th><th>detail</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
${tail}`;
}

const CSS = `body{font-family:sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px}h3{font-size:15px}
.meta{color:#555;font-size:13px;margin-bottom:12px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.skip{color:#888}.warn{color:#9a6700}
.swatch{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}
.note{color:#555;font-size:12px;max-width:1100px}.cannot-rank{color:#9a6700;font-weight:bold;white-space:nowrap}.verdict{color:#555}pre{background:#f6f8fa;padding:8px;font-size:12px;overflow:auto}`;

/** Validates bench (and result, when given) and renders the report page. Throws ReportInputError on bad input. */
export function renderReport(benchJson: unknown, resultJson?: unknown, opts: RenderOptions = {}): string {
  const bench = parseBench(benchJson, opts.benchFile);
  const run = resultJson === undefined ? undefined : parseRunResult(resultJson, opts.resultFile);
  const title = opts.title ?? 'Benchmark: latency by percentile';
  const plot = renderPlot(
    bench.targets.filter((t) => t.result !== null).map((t) => ({ name: t.name, spectrum: t.result?.spectrum ?? [] })),
  );
  const l = bench.load;
  const meta =
    bench.version === 1
      ? `${esc(l.url)} · ${l.connections} connections · ${l.rate} req/s constant rate · ${l.durationSeconds} s per target`
      : `${esc(l.url)} · ${l.connections} connections · mode ${esc(bench.method.mode)}${bench.method.mode === 'saturation' ? ` (search from ${l.rate} req/s)` : ` at ${l.rate} req/s`} · ${roundsText(bench.method)}, ${l.durationSeconds} s recorded per target · ${esc(pinningText(bench.method))}`;
  const tables = bench.version === 1 ? targetsTableV1(bench) : `${targetsTableV2(bench)}\n${ratiosTable(bench)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<div class="meta">${meta} · host ${esc(bench.host.hostname)} (${bench.host.cpus} CPUs) · ${esc(bench.startedAt)}</div>
${plot}
${tables}
${run ? stepsTable(run) : ''}
</body></html>
`;
}
