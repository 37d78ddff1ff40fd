import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli.js';
import { renderReport } from './render.js';
import { ReportInputError } from './schema.js';
import { bench, benchV1, runResult } from './testdata.js';

describe('renderReport', () => {
  it('renders a self-contained page: one plot line, one target row and one ratio row per target', () => {
    const html = renderReport(bench());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<path class="series"/g)).toHaveLength(3);
    expect(html.match(/<tr data-target=/g)).toHaveLength(3);
    expect(html.match(/<tr data-ratio=/g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    // pooled figures of the third target (scale 3 ms, 998 req/s, 24 µs CPU per request, 6 slices)
    const row = html.split('\n').find((l) => l.startsWith('<tr data-target="confidential"')) ?? '';
    expect(row).toContain('<td class="num">998.0</td>');
    expect(row).toContain('<td class="num">3.000</td>'); // p50
    expect(row).toContain('<td class="num">9.000</td>'); // p99
    expect(row).toContain('<td class="num">24.0</td>'); // server CPU µs/req
    expect(row).toContain('<td class="num">6</td>'); // slices
    expect(row).toContain('<span class="ok">ok</span>');
    expect(html).toContain('mode fixed at 1000 req/s · 6 rounds of 5 s slices, 30 s recorded per target');
    expect(html).not.toContain('Test run:');
  });

  it('renders the pairs between the other targets after the ratios to the baseline', () => {
    const b = bench();
    b.pairs = [{ ...b.ratios[2]!, name: 'confidential/native' }];
    const html = renderReport(b);
    expect(html.match(/<tr data-ratio=/g)).toHaveLength(4);
    expect(html).toContain('<tr data-ratio="confidential/native"><td>confidential/native</td>');
    expect(html).toContain('(and <i>target/other</i> between the others)');
  });

  it('says what "same" means when the run judged equivalence', () => {
    expect(renderReport(bench())).toContain('<b>same</b>: the interval lies within 1 ± 0.01.');
  });

  it('renders each ratio as the text bench.json gives its interval, marked by its verdict or as cannot rank', () => {
    const html = renderReport(bench());
    const ratioRow = (name: string) => html.split('\n').find((l) => l.startsWith(`<tr data-ratio="${name}"`)) ?? '';
    expect(ratioRow('upstream').match(/<span class="verdict">1 \(baseline\)<\/span>/g)).toHaveLength(5);
    // native: p99 1.2 [1.1, 1.3] ranks (higher); throughput [0.997, 1.001] contains 1
    const native = ratioRow('native');
    expect(native).toContain('<td class="num"><span class="verdict">iv 1.2/1.1/1.3 higher</span></td>');
    expect(native).toContain('<td class="num"><span class="cannot-rank" title="">iv 0.999/0.997/1.001 cannot rank</span></td>');
    // confidential: p99 1.05 [0.8, 1.4] cannot rank
    expect(ratioRow('confidential')).toContain('<span class="cannot-rank" title="">iv 1.05/0.8/1.4 cannot rank</span>');
    expect(html).toContain('Ratios to upstream, 95 % interval');
    expect(html).toContain('2000 resamples per slice set, seed 1');
  });

  it('renders a version-1 bench.json as before (plain ratios, no interval)', () => {
    const html = renderReport(benchV1());
    expect(html.match(/<tr data-target=/g)).toHaveLength(3);
    expect(html).not.toContain('data-ratio=');
    const row = html.split('\n').find((l) => l.startsWith('<tr data-target="confidential"')) ?? '';
    expect(row).toContain('<td class="num">998.0</td>');
    expect(row).toContain('<td class="num">0.998×</td>');
    expect(html).toContain('bench.json version 1');
  });

  it('shows the saturation rate and the warnings of a saturation run', () => {
    const b = bench(['a', 'b']);
    b.method.mode = 'saturation';
    b.method.saturation = { steps: 5, maxP99Ms: 50, minRate: 50, maxRate: 200000, widen: 1.25 };
    b.targets[1] = {
      ...b.targets[1]!,
      saturation: { rates: [4100, 4300], rate50: 0, mean: 4200, censoredLow: 0, censoredHigh: 1, calibrationLo: 2000, calibrationHi: 4000 },
      warnings: ['1 of 2 rounds censored'],
    };
    const html = renderReport(b);
    expect(html).toContain('<th>saturation req/s</th>');
    expect(html).toContain('<td class="num">4200.0</td>');
    expect(html).toContain('<div class="warn">1 of 2 rounds censored</div>');
    expect(html).toContain('Saturation rate: the offered rate at which a slice holds');
    expect(html).toContain('the bootstrap resamples rounds');
    expect(html).toContain('(search from 1000 req/s) · 6 rounds × 5 steps of 5 s slices');
    expect(html).toContain('the latencies are those of the held slice at each round');
    // with the hold fit, its ½ point is the saturation rate
    b.targets[1] = { ...b.targets[1]!, saturation: { ...b.targets[1]!.saturation!, rate50: 4150.5 } };
    expect(renderReport(b)).toContain('<td class="num">4150.5</td>');
  });

  it('shows pass/fail per step and the log tail of a failed run', () => {
    const html = renderReport(bench(), runResult(2));
    expect(html).toContain('Test run: <span class="fail">FAIL</span>');
    expect(html).toMatch(/<tr class="step-ok"><td class="num">1<\/td><td>ca-install<\/td><td class="ok">pass<\/td>/);
    expect(html).toMatch(/<tr class="step-fail"><td class="num">2<\/td><td>start<\/td><td class="fail">FAIL<\/td>.*not open after 1m0s/);
    expect(html.match(/class="step-skipped"/g)).toHaveLength(3);
    expect(html).toContain('listen tcp :443: &lt;bind&gt; denied');
    expect(renderReport(bench(), runResult())).toContain('Test run: <span class="ok">PASS</span>');
  });

  it('marks a failed target and leaves it out of the plot', () => {
    const b = bench();
    b.targets[2] = { ...b.targets[2]!, ok: false, error: '127.0.0.1:443 not open after 1m0s', result: null };
    const html = renderReport(b);
    expect(html.match(/<path class="series"/g)).toHaveLength(2);
    expect(html).toContain('<span class="fail">FAIL</span> 127.0.0.1:443 not open after 1m0s');
  });

  it('renders the real samples (versions 2 and 1) and refuses invalid input with the file name', () => {
    const sample = (f: string) => JSON.parse(readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8')) as unknown;
    const html = renderReport(sample('bench.sample.json'));
    expect(html.match(/<path class="series"/g)).toHaveLength(2);
    expect(html.match(/<tr data-ratio=/g)).toHaveLength(2);
    expect(html).toContain('cannot rank');
    expect(renderReport(sample('bench.v1.sample.json')).match(/<path class="series"/g)).toHaveLength(2);
    expect(() => renderReport({ kind: 'bench' }, undefined, { benchFile: 'x/bench.json' })).toThrow(ReportInputError);
    expect(() => renderReport(bench(), { kind: 'run' }, { resultFile: 'x/result.json' })).toThrow(/^x\/result\.json /);
  });
});

describe('cli arguments', () => {
  it('parses render bench.json result.json -o report.html --png report.png', () => {
    expect(parseArgs(['render', 'b.json', 'r.json', '-o', 'o.html', '--png', 'o.png'])).toEqual({
      bench: 'b.json',
      result: 'r.json',
      out: 'o.html',
      png: 'o.png',
    });
    expect(parseArgs(['render', 'b.json', '--out', 'o.html'])).toEqual({ bench: 'b.json', out: 'o.html' });
  });

  it('rejects missing output, unknown options and extra files', () => {
    expect(() => parseArgs(['render', 'b.json'])).toThrow(/usage/);
    expect(() => parseArgs(['render', 'b.json', '-o', 'x', '--pdf', 'y'])).toThrow('unknown option --pdf');
    expect(() => parseArgs(['render', 'a', 'b', 'c', '-o', 'x'])).toThrow(/usage/);
    expect(() => parseArgs(['draw'])).toThrow(/usage/);
    expect(() => parseArgs(['render', 'b.json', '-o'])).toThrow('-o needs a value');
  });
});
