import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from './summary.js';
import { bench, benchV1 } from './testdata.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', name), 'utf8')) as unknown;

describe('summarize', () => {
  it('prints one line per target with throughput, p50, p99 and ratios, and one per step', () => {
    const bench = fixture('bench.sample.json') as { targets: { name: string }[] };
    const lines = summarize(bench, fixture('result.sample.json'));
    expect(lines[0]).toMatch(/^load: \d+ connections, \d+ req\/s/);
    for (const t of bench.targets) expect(lines.some((l) => l.includes(t.name) && /req\/s/.test(l) && /p99 \d/.test(l))).toBe(true);
    expect(lines.filter((l) => /^step \d /.test(l)).length).toBeGreaterThan(0);
  });
  it('prints the text of every ratio\'s interval as bench.json gives it (version 2), plain ratios for version 1', () => {
    const lines = summarize(bench());
    expect(lines[0]).toContain('mode fixed, 6 rounds × 5 s slices');
    const native = lines.find((l) => l.includes(' native ')) ?? '';
    expect(native).toContain('p99 6.00 ms (×iv 1.2/1.1/1.3 higher)');
    expect(native).toContain('cpu 22.0 µs/req (×iv 1.1/1.05/1.25 higher)');
    const conf = lines.find((l) => l.includes(' confidential ')) ?? '';
    expect(conf).toContain('(×iv 1.05/0.8/1.4 cannot rank)');
    expect(lines.find((l) => l.includes(' upstream '))).not.toContain('×');
    expect(summarize(benchV1()).find((l) => l.includes(' native '))).toContain('p99 6.00 ms (×2.000)');
  });
  it('states the pinning as bench.json gives it, or that a file from before pinning has none', () => {
    const pinned = bench();
    pinned.method.pinning = { server: [0], client: [1], note: '', text: 'server CPUs 0, load generator CPUs 1' };
    expect(summarize(pinned)[1]).toBe('cpus: server CPUs 0, load generator CPUs 1');
    expect(summarize(bench())[1]).toBe('cpus: pinning not recorded');
  });

  it('rejects a bench.json of the wrong shape with the file name', () => {
    expect(() => summarize({ version: 1 })).toThrow(/bench\.json/);
  });
});
