import { describe, expect, it } from 'vitest';
import { compareRuns, parseTestJson, renderMarkdown } from './go-test-report.js';

const ev = (Action: string, Package: string, Test?: string) => JSON.stringify({ Action, Package, ...(Test ? { Test } : {}) });

describe('go test -json comparison', () => {
  const upstream = parseTestJson([ev('run', 'p', 'TestA'), ev('pass', 'p', 'TestA'), ev('pass', 'p', 'TestB'), ev('fail', 'p', 'TestC'), ev('fail', 'p'), ev('skip', 'q'), 'build noise'].join('\n'));
  const patched = parseTestJson([ev('pass', 'p', 'TestA'), ev('fail', 'p', 'TestB'), ev('fail', 'p', 'TestC'), ev('fail', 'p'), ev('skip', 'q')].join('\n'));

  it('keeps the last result of each test and of each package, and the lines that are not events', () => {
    expect(upstream.results.p).toEqual({ TestA: 'pass', TestB: 'pass', TestC: 'fail' });
    expect(upstream.packages).toEqual({ p: 'fail', q: 'skip' });
    expect(upstream.other).toEqual(['build noise']);
  });

  it('calls a regression what fails patched and passes upstream; a failure of both is not one', () => {
    const c = compareRuns(patched, upstream);
    expect(c.regressions).toEqual(['p.TestB']);
    expect(c.bothFail).toEqual(['p.TestC']);
    expect(c.rows.map((r) => [r.package, r.patched.fail, r.upstream.fail])).toEqual([['p', 2, 1], ['q', 0, 0]]);
  });

  it('counts a package that fails without a failing test (a build failure) as a regression', () => {
    const broken = parseTestJson(ev('fail', 'q'));
    expect(compareRuns(broken, parseTestJson(ev('pass', 'q'))).regressions).toEqual(['q']);
  });

  it('renders a table with both toolchains and their experiments', () => {
    const md = renderMarkdown('t', compareRuns(patched, upstream), { patched: 'confidential/golang:x', upstream: 'golang:x', command: 'go test ./...', experiments: { patched: 'libcsyscall', upstream: '' } });
    expect(md).toContain('(GOEXPERIMENT=libcsyscall)');
    expect(md).toContain('| q | no tests | no tests |');
    expect(md).toContain('Regressions (fail patched, pass upstream): p.TestB.');
  });
});
