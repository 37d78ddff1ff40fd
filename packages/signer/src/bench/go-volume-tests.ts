// signer:go-volume-tests — Go's own file tests on an encrypted volume: the `os` package's tests (go test -short),
// built with the patched toolchain (golang-patcher:toolchain, dist/golang-patcher/goroot), signed, run with TMPDIR
// on a volume of the real sim policy service; and built with upstream Go (the `go` on PATH, the same release), run
// with TMPDIR on a plain folder. Compared test by test: a regression passes upstream and fails on the volume.
// Tests that start the test binary again as a child are skipped on both sides (found from the sources: a child of a
// confidential program launches with the policy's command line, and its launch revokes the running writer).
// usage: node packages/signer/dist/bench/go-volume-tests.js [--goroot dist/golang-patcher/goroot] [--out docs/go-volume-tests.md]
import { startPolicyService, uploadSessionSim } from '@confidential/cas-policy';
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { casAddr, signBare, volumeSession } from './sim-volume.js';

type Verdict = 'pass' | 'fail' | 'skip';

/** test name → verdict from `go tool test2json` output (the last verdict of each test) */
export function verdicts(json: string): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  for (const e of events(json)) {
    if (e.Test && (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip')) out.set(e.Test, e.Action);
  }
  return out;
}

function events(json: string): { Action?: string; Test?: string; Output?: string }[] {
  return json.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { Action?: string; Test?: string; Output?: string });
}

/** Why a test failed on the volume, from its own output: one of the calls the shield refuses by design, or "other". */
export const CAUSES = [
  { cause: 'hard link (EPERM)', test: /\blink .*operation not permitted/ },
  { cause: 'EXDEV: a rename or a relative path across the volume boundary', test: /invalid cross-device link/ },
  { cause: 'chown (EPERM: ownership is not kept)', test: /chown .*operation not permitted/ },
  { cause: 'mkfifo / mknod (EPERM)', test: /(mkfifo|mknod).*operation not permitted/ },
] as const;
export function causeOf(output: string): string {
  return CAUSES.find((c) => c.test.test(output))?.cause ?? 'other';
}

/** test name → its output lines (test2json), a parent's including its subtests' */
function outputs(json: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events(json)) {
    if (!e.Test || !e.Output) continue;
    const parts = e.Test.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const name = parts.slice(0, i).join('/');
      out.set(name, (out.get(name) ?? '') + e.Output);
    }
  }
  return out;
}

/** Test functions whose body (or a helper it calls, transitively) starts a process: skipped on both sides. */
export function execTests(sources: Record<string, string>): string[] {
  const EXEC = /testenv\.Command|exec\.Command|StartProcess|testenv\.Executable|os\.Args\[0\]|Executable\(\)|testenv\.MustHaveExec|GO_WANT_HELPER|testenv\.GoToolPath/;
  const bodies = new Map<string, string>();
  for (const src of Object.values(sources)) {
    for (const m of src.matchAll(/^func (?:\([^)]*\) )?(\w+)\(([\s\S]*?)^\}/gm)) bodies.set(m[1] as string, m[2] as string);
  }
  const bad = new Set([...bodies].filter(([, b]) => EXEC.test(b)).map(([n]) => n));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, body] of bodies) {
      if (!bad.has(name) && [...bad].some((b) => new RegExp(`\\b${b}\\(`).test(body))) {
        bad.add(name);
        changed = true;
      }
    }
  }
  return [...bad].filter((n) => n.startsWith('Test')).sort();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { goroot: { type: 'string', default: 'dist/golang-patcher/goroot' }, out: { type: 'string', default: 'docs/go-volume-tests.md' }, pkg: { type: 'string', default: 'os' } } });
  const patched = resolve(values.goroot as string);
  const pkg = values.pkg as string;
  const upstream = (await execa('go', ['env', 'GOROOT'])).stdout.trim();
  const version = (await execa(join(patched, 'bin', 'go'), ['env', 'GOVERSION'])).stdout.trim();
  const tmp = await mkdtemp(join(tmpdir(), 'go-volume-tests-'));
  const service = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: join(tmp, 'store'), log: () => undefined });
  try {
    const srcDir = join(patched, 'src', pkg);
    const sources: Record<string, string> = {};
    for (const f of await readdir(srcDir)) {
      if (f.endsWith('_test.go') && !/windows|plan9|darwin|wasip|js_|solaris|aix|bsd/.test(f)) sources[f] = await readFile(join(srcDir, f), 'utf8');
    }
    const skipped = execTests(sources);
    const skip = `^(${skipped.join('|')})$`;
    const flags = ['-test.short', '-test.v=test2json', '-test.timeout=8m', '-test.skip', skip];
    const build = async (goroot: string, out: string) => execa(join(goroot, 'bin', 'go'), ['test', '-c', '-o', out, pkg], { cwd: tmp, env: { GOROOT: goroot, GOFLAGS: '-buildvcs=false' } });
    process.stderr.write(`go-volume-tests: building ${pkg}.test with the patched and the upstream ${version}\n`);
    await build(patched, join(tmp, 'patched.test'));
    await build(upstream, join(tmp, 'upstream.test'));
    const signed = await signBare(join(tmp, 'patched.test'), tmp, { outputDir: join(tmp, 'signed') });
    const volume = join(tmp, 'volume');
    const plain = join(tmp, 'plain');
    await mkdir(volume);
    await mkdir(plain);
    const quoted = flags.map((f) => (f === skip ? `'${f}'` : f)).join(' ');
    await uploadSessionSim(
      service.url,
      volumeSession({ name: 'gotests', service: 'tests', measurement: signed.measurement, command: `${pkg.replace(/\//g, '_')}.test ${quoted}`, volumePath: volume, pwd: srcDir, environment: { TMPDIR: volume, HOME: '/root' } }),
    );
    const toJson = async (text: string) => (await execa(join(patched, 'bin', 'go'), ['tool', 'test2json', '-t', '-p', pkg], { input: text, reject: false })).stdout;
    process.stderr.write('go-volume-tests: the patched tests on the encrypted volume\n');
    const enc = await execa(signed.binary, [], { env: { SCONE_CONFIG_ID: 'gotests/tests', SCONE_CAS_ADDR: casAddr(service.url), PATH: '/usr/bin:/bin' }, extendEnv: false, reject: false, timeout: 600_000 });
    process.stderr.write('go-volume-tests: the upstream tests on a plain folder\n');
    const up = await execa(join(tmp, 'upstream.test'), flags, { cwd: join(upstream, 'src', pkg), env: { TMPDIR: plain, HOME: '/root', PATH: '/usr/bin:/bin' }, extendEnv: false, reject: false, timeout: 600_000 });
    const logs = 'dist/packages/signer/go-volume-tests'; // both runs' raw output, for what the report's table cannot say
    await mkdir(logs, { recursive: true });
    await writeFile(join(logs, 'patched.log'), `${enc.stdout}\n--- stderr\n${enc.stderr}\n`);
    await writeFile(join(logs, 'upstream.log'), `${up.stdout}\n--- stderr\n${up.stderr}\n`);
    const a = verdicts(await toJson(up.stdout));
    const encJson = await toJson(enc.stdout);
    const b = verdicts(encJson);
    const said = outputs(encJson);
    const names = [...new Set([...a.keys(), ...b.keys()])].sort();
    const count = (m: Map<string, Verdict>, v: Verdict) => [...m.values()].filter((x) => x === v).length;
    const regressions = names.filter((n) => a.get(n) === 'pass' && b.get(n) !== 'pass' && b.get(n) !== 'skip');
    // a test that skips itself on the volume only is no regression, but what made it skip is listed with its reason
    const skippedHere = names.filter((n) => a.get(n) === 'pass' && b.get(n) === 'skip');
    const reasons = new Map<string, string[]>();
    for (const n of skippedHere) {
      const line = (said.get(n) ?? '').split('\n').find((l) => /_test\.go:\d+:/.test(l)) ?? '';
      const reason = line.replace(/^\s*\S+_test\.go:\d+:\s*/, '').replace(/\/tmp\/[^\s:]+/g, '<tmp>').replace(/\|/g, '\\|').trim().slice(0, 200) || '(no reason printed)';
      reasons.set(reason, [...(reasons.get(reason) ?? []), n]);
    }
    const byCause = new Map<string, string[]>();
    for (const n of regressions) {
      const cause = causeOf(said.get(n) ?? '');
      byCause.set(cause, [...(byCause.get(cause) ?? []), n]);
    }
    const top = (list: string[]) => list.filter((n) => !n.includes('/'));
    const other = byCause.get('other') ?? [];
    const firstError = (n: string) => ((said.get(n) ?? '').split('\n').find((l) => /_test\.go:\d+:|panic:|error/.test(l)) ?? '').trim().replace(/\|/g, '\\|').slice(0, 220);
    const lines = [
      `# Go's \`${pkg}\` tests on an encrypted volume (${version})`,
      '',
      `\`npx nx run signer:go-volume-tests\` (${new Date().toISOString().slice(0, 10)}): \`go test -short\` of \`${pkg}\` built with the patched toolchain, signed (sim), TMPDIR on an encrypted volume of the sim policy service, versus the same tests built with upstream Go, TMPDIR on a plain folder. A regression passes upstream and fails on the volume; each is put down to what its own output says.`,
      '',
      '| | pass | fail | skip | exit |',
      '|---|---|---|---|---|',
      `| upstream, plain folder | ${count(a, 'pass')} | ${count(a, 'fail')} | ${count(a, 'skip')} | ${up.exitCode} |`,
      `| patched, encrypted volume | ${count(b, 'pass')} | ${count(b, 'fail')} | ${count(b, 'skip')} | ${enc.exitCode} |`,
      '',
      `Skipped on both sides (${skipped.length}, they start the test binary or another program as a child): ${skipped.map((s) => `\`${s}\``).join(', ')}.`,
      '',
      `## Regressions: ${regressions.length} (tests and subtests), by cause`,
      '',
      '| cause | tests (subtests included) | top-level tests |',
      '|---|---|---|',
      ...[...CAUSES.map((c) => c.cause), 'other'].map((c) => `| ${c} | ${(byCause.get(c) ?? []).length} | ${top(byCause.get(c) ?? []).join(', ') || '–'} |`),
      '',
      `## The other regressions (${other.length}): not a refused call — the shield's bugs or limits to look at`,
      '',
      ...(other.length ? ['| test | first error line |', '|---|---|', ...other.map((n) => `| \`${n}\` | ${firstError(n)} |`)] : ['None.']),
      '',
      `## Passed upstream, skipped on the volume (${skippedHere.length}): by the test's own reason`,
      '',
      ...(skippedHere.length
        ? ['| reason (the test\'s skip message) | tests | examples |', '|---|---|---|', ...[...reasons].map(([r, list]) => `| ${r} | ${list.length} | ${list.slice(0, 3).map((n) => `\`${n}\``).join(', ')} |`)]
        : ['None.']),
      '',
    ];
    await writeFile(values.out as string, `${lines.join('\n')}\n`);
    process.stderr.write(`go-volume-tests: ${regressions.length} regression(s); ${values.out}\n`);
  } finally {
    await service.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`go-volume-tests: ${(error as Error).message}`);
    process.exit(1);
  });
}
