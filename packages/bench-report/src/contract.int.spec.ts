// bench.json is defined by packages/bench (Go); this package's zod schema is checked against what it writes: the
// real confidential-bench benchmarks three local servers (its own test, go test) and the file it wrote is parsed
// and rendered here.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from './render.js';
import { parseBench } from './schema.js';
import { summarize } from './summary.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench.json as packages/bench writes it', () => {
  it('parses, summarizes and renders', async () => {
    const file = join(dir, 'bench.json');
    const bench = join(import.meta.dirname, '../../bench');
    const run = await execa('go', ['test', '-count=1', '-run', '^TestBenchFromConfig$', './cmd/confidential-bench'], { cwd: bench, env: { BENCH_JSON_OUT: file }, reject: false });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const parsed = parseBench(data);
    expect(parsed.version).toBe(2);
    if (parsed.version !== 2) return;
    expect(parsed.targets.map((t) => t.name)).toEqual(['one', 'two', 'three']);
    const two = parsed.ratios.find((r) => r.name === 'two')!;
    expect(two.throughput!.text).toMatch(/^\d+\.\d{3} \[\d+\.\d{3}, \d+\.\d{3}\] (higher|lower|same|cannot rank)$/);
    expect(summarize(data).join('\n')).toContain(`(×${two.throughput!.text})`);
    expect(renderReport(data)).toContain(two.throughput!.text);
    // the CPUs as the load generator planned them (this machine: pinned when it allows the test two CPUs)
    const pinning = parsed.method.pinning;
    expect(pinning?.text).toMatch(/^(server CPUs [\d,]+, load generator CPUs [\d,]+|not pinned: .+)$/);
    expect(summarize(data)).toContain(`cpus: ${pinning?.text}`);
    expect(renderReport(data)).toContain(pinning?.text);
  }, 120_000);
});
