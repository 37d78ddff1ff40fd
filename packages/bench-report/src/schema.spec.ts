import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBench, parseRunResult, ReportInputError } from './schema.js';
import { bench, runResult } from './testdata.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as unknown;

describe('bench.json schema', () => {
  it('accepts what caddy-test bench wrote against real caddies (version 2)', () => {
    const b = parseBench(fixture('bench.sample.json'));
    if (b.version !== 2) throw new Error('expected version 2');
    expect(b.targets.map((t) => t.name)).toEqual(['upstream', 'native']);
    expect(b.method.mode).toBe('fixed');
    expect(b.method.order).toEqual([['upstream', 'native'], ['native', 'upstream'], ['upstream', 'native'], ['native', 'upstream']]);
    expect(b.targets.map((t) => t.slices.length)).toEqual([4, 4]);
    expect(b.ratios[0]?.p99?.verdict).toBe('baseline');
    expect(b.ratios[1]?.p99?.low).toBeLessThanOrEqual(b.ratios[1]?.p99?.high ?? -1);
    expect(b.targets[0]?.result?.spectrum.at(-1)?.percentile).toBe(100);
    expect(b.targets[0]?.result?.spectrum.at(-1)?.inverse).toBeNull();
  });

  it('still accepts a version-1 file', () => {
    const b = parseBench(fixture('bench.v1.sample.json'));
    expect(b.version).toBe(1);
    expect(b.targets.map((t) => t.name)).toEqual(['native-run1', 'native-run2']);
  });

  it('rejects an interval with low > high, an unknown verdict and an unknown mode', () => {
    const b = bench();
    b.ratios[1]!.p99 = { estimate: 1, low: 1.2, high: 1.1, tooWide: false, verdict: 'higher', text: '1.000 [1.200, 1.100] higher' };
    expect(() => parseBench(b)).toThrow(/^bench\.json ratios\[1\]\.p99: expected low ≤ high/);
    const c = bench() as unknown as { ratios: Array<{ p50: { verdict: string } }>; method: { mode: string } };
    c.ratios[1]!.p50.verdict = 'faster';
    expect(() => parseBench(c)).toThrow(/^bench\.json ratios\[1\]\.p50\.verdict: /);
    const d = bench() as unknown as { method: { mode: string } };
    d.method.mode = 'open';
    expect(() => parseBench(d)).toThrow(/^bench\.json method\.mode: /);
    expect(() => parseBench({ ...bench(), version: 3 })).toThrow(/^bench\.json version: /);
  });

  it('accepts what caddy-test run wrote', () => {
    const r = parseRunResult(fixture('result.sample.json'));
    expect(r.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('names the file and the field path of the first problem', () => {
    const b = bench() as unknown as { targets: Array<{ result: { latencyMs: Record<string, unknown> } }> };
    b.targets[1]!.result.latencyMs['p99'] = 'fast';
    expect(() => parseBench(b, 'out/bench.json')).toThrow(ReportInputError);
    expect(() => parseBench(b, 'out/bench.json')).toThrow(/^out\/bench\.json targets\[1\]\.result\.latencyMs\.p99: .*expected number/);
  });

  it('rejects a missing field, a wrong kind and duplicate target names', () => {
    const { targets: _t, ...noTargets } = bench();
    expect(() => parseBench(noTargets)).toThrow(/^bench\.json targets: .*expected array/);
    expect(() => parseBench(runResult())).toThrow(/^bench\.json kind: /);
    expect(() => parseBench(bench(['a', 'a']))).toThrow('bench.json targets[1].name: expected a unique target name, "a" appears twice');
  });

  it('rejects a percentile above 100 and a step status it does not know', () => {
    const b = bench();
    b.targets[0]!.result!.spectrum[3]!.percentile = 120;
    expect(() => parseBench(b)).toThrow(/targets\[0\]\.result\.spectrum\[3\]\.percentile: /);
    const r = runResult() as unknown as { steps: Array<{ status: string }> };
    r.steps[2]!.status = 'passed';
    expect(() => parseRunResult(r, 'result.json')).toThrow(/^result\.json steps\[2\]\.status: /);
  });
});
