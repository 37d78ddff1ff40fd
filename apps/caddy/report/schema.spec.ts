import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBench, parseRunResult, ReportInputError } from './schema.js';
import { bench, runResult } from './testdata.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as unknown;

describe('bench.json schema', () => {
  it('accepts what caddy-test bench wrote against a real caddy', () => {
    const b = parseBench(fixture('bench.sample.json'));
    expect(b.targets.map((t) => t.name)).toEqual(['native-run1', 'native-run2']);
    expect(b.targets[0]?.result?.spectrum.at(-1)?.percentile).toBe(100);
    expect(b.targets[0]?.result?.spectrum.at(-1)?.inverse).toBeNull();
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
