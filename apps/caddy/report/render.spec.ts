import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgs } from './cli.js';
import { renderReport } from './render.js';
import { ReportInputError } from './schema.js';
import { bench, runResult } from './testdata.js';

describe('renderReport', () => {
  it('renders a self-contained page: one plot line and one table row per target', () => {
    const html = renderReport(bench());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<path class="series"/g)).toHaveLength(3);
    expect(html.match(/<tr data-target=/g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    // throughput, p50, p99 and ratios of the third target (scale 3 ms, 998 req/s)
    const row = html.split('\n').find((l) => l.startsWith('<tr data-target="confidential"')) ?? '';
    expect(row).toContain('<td class="num">998.0</td>');
    expect(row).toContain('<td class="num">3.000</td>'); // p50
    expect(row).toContain('<td class="num">9.000</td>'); // p99
    expect(row).toContain('<td class="num">0.998×</td>');
    expect(row).toContain('<span class="ok">ok</span>');
    expect(html).not.toContain('Test run:');
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

  it('renders the real sample and refuses invalid input with the file name', () => {
    const sample = JSON.parse(readFileSync(new URL('./fixtures/bench.sample.json', import.meta.url), 'utf8')) as unknown;
    expect(renderReport(sample).match(/<path class="series"/g)).toHaveLength(2);
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
