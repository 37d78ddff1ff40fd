// go test -json output → per-package counts and the tests whose result differs between two toolchains.
import { z } from 'zod';

const TestEvent = z.object({ Action: z.string(), Package: z.string().optional(), Test: z.string().optional(), Elapsed: z.number().optional() }).loose();

export interface TestRun {
  /** package → test → pass | fail | skip (the last result the stream gave) */
  results: Record<string, Record<string, 'pass' | 'fail' | 'skip'>>;
  /** package → pass | fail | skip (the package's own result; a build failure is fail) */
  packages: Record<string, 'pass' | 'fail' | 'skip'>;
  /** lines that were not test events (build errors, panics before the first event) */
  other: string[];
}

export function parseTestJson(text: string): TestRun {
  const run: TestRun = { results: {}, packages: {}, other: [] };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      run.other.push(line);
      continue;
    }
    const e = TestEvent.safeParse(raw);
    if (!e.success || !e.data.Package) continue;
    const action = e.data.Action;
    if (action !== 'pass' && action !== 'fail' && action !== 'skip') continue;
    if (e.data.Test) (run.results[e.data.Package] ??= {})[e.data.Test] = action;
    else run.packages[e.data.Package] = action;
  }
  return run;
}

export interface Comparison {
  rows: { package: string; patched: Counts; upstream: Counts }[];
  /** tests (and packages) that fail with the patched toolchain and pass with upstream */
  regressions: string[];
  /** tests that fail with both */
  bothFail: string[];
}

export interface Counts {
  pass: number;
  fail: number;
  skip: number;
  result: string;
}

const counts = (run: TestRun, pkg: string): Counts => {
  const tests = Object.values(run.results[pkg] ?? {});
  return { pass: tests.filter((t) => t === 'pass').length, fail: tests.filter((t) => t === 'fail').length, skip: tests.filter((t) => t === 'skip').length, result: run.packages[pkg] ?? 'missing' };
};

export function compareRuns(patched: TestRun, upstream: TestRun): Comparison {
  const pkgs = [...new Set([...Object.keys(patched.packages), ...Object.keys(upstream.packages)])].sort();
  const regressions: string[] = [];
  const bothFail: string[] = [];
  for (const pkg of pkgs) {
    if (patched.packages[pkg] === 'fail' && upstream.packages[pkg] !== 'fail' && !Object.values(patched.results[pkg] ?? {}).includes('fail')) regressions.push(pkg);
    for (const [test, result] of Object.entries(patched.results[pkg] ?? {})) {
      if (result !== 'fail') continue;
      (upstream.results[pkg]?.[test] === 'fail' ? bothFail : regressions).push(`${pkg}.${test}`);
    }
  }
  return { rows: pkgs.map((p) => ({ package: p, patched: counts(patched, p), upstream: counts(upstream, p) })), regressions, bothFail };
}

export function renderMarkdown(title: string, c: Comparison, meta: { patched: string; upstream: string; command: string; experiments: Record<string, string> }): string {
  const cell = (n: Counts) => (n.result === 'skip' && n.pass + n.fail + n.skip === 0 ? 'no tests' : `${n.result} (${n.pass} passed, ${n.fail} failed, ${n.skip} skipped)`);
  return [
    `# ${title}`,
    '',
    `Command: \`${meta.command}\`, each toolchain in a build from its golang image, the same vendored sources.`,
    `Patched: \`${meta.patched}\` (GOEXPERIMENT=${meta.experiments.patched || 'none'}). Upstream: \`${meta.upstream}\` (GOEXPERIMENT=${meta.experiments.upstream || 'none'}).`,
    '',
    '| package | patched toolchain | upstream toolchain |',
    '|---|---|---|',
    ...c.rows.map((r) => `| ${r.package} | ${cell(r.patched)} | ${cell(r.upstream)} |`),
    '',
    `Regressions (fail patched, pass upstream): ${c.regressions.length ? c.regressions.join(', ') : 'none'}.`,
    `Failing with both: ${c.bothFail.length ? c.bothFail.join(', ') : 'none'}.`,
    '',
  ].join('\n');
}
