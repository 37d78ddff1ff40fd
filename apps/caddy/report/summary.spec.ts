import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from './summary.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as unknown;

describe('summarize', () => {
  it('prints one line per target with throughput, p50, p99 and ratios, and one per step', () => {
    const bench = fixture('bench.sample.json') as { targets: { name: string }[] };
    const lines = summarize(bench, fixture('result.sample.json'));
    expect(lines[0]).toMatch(/^load: \d+ connections, \d+ req\/s/);
    for (const t of bench.targets) expect(lines.some((l) => l.includes(t.name) && /req\/s/.test(l) && /p99 \d/.test(l))).toBe(true);
    expect(lines.filter((l) => /^step \d /.test(l)).length).toBeGreaterThan(0);
  });
  it('rejects a bench.json of the wrong shape with the file name', () => {
    expect(() => summarize({ version: 1 })).toThrow(/bench\.json/);
  });
});
