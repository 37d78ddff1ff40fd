// The plugin in the style of Nx's own plugin tests: a temporary workspace, createNodes as Nx calls it, and a
// snapshot of the inferred project.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_CONFIG, tempWorkspace } from '../testing/workspace.js';
import { createNodes } from './plugin.js';

const [glob, createNodesFunction] = createNodes;

async function infer(root: string, files = ['apps/hello/confidential.yml']) {
  return createNodesFunction(files, undefined, { workspaceRoot: root, nxJsonConfiguration: {} });
}

/** the one-line error of a bad config (Nx reports createNodes failures as an aggregate of per-file errors) */
async function errorOf(files: Record<string, string>, configs?: string[]): Promise<string> {
  using ws = tempWorkspace(files);
  try {
    await infer(ws.root, configs);
  } catch (err) {
    const inner = (err as { errors?: [string, Error][] }).errors?.[0]?.[1] ?? (err as Error);
    return inner.message;
  }
  throw new Error('expected the config to be refused');
}

describe('createNodes', () => {
  it('matches one config file per app', () => {
    expect(glob).toBe('**/confidential.yml');
  });

  it('infers the pipeline targets of an app (snapshot)', async () => {
    using ws = tempWorkspace();
    const results = await infer(ws.root);
    expect(results).toHaveLength(1);
    const [file, result] = results[0]!;
    expect(file).toBe('apps/hello/confidential.yml');
    const project = result.projects?.['apps/hello'];
    expect(project?.name).toBe('hello');
    expect(Object.keys(project?.targets ?? {})).toEqual(['modules', 'golang', 'native', 'tools', 'binaries', 'sign', 'policy', 'image', 'bench-image', 'run', 'e2e']);
    expect(project).toMatchSnapshot();
  });

  it('names exactly the packages each target runs, never ^build', async () => {
    using ws = tempWorkspace();
    const targets = (await infer(ws.root))[0]![1].projects!['apps/hello']!.targets!;
    for (const [name, t] of Object.entries(targets)) {
      expect(JSON.stringify(t.dependsOn ?? []), name).not.toContain('^');
      expect(JSON.stringify(t.inputs ?? []), name).not.toContain('^');
      for (const o of t.outputs ?? []) expect(o, name).toMatch(/^\{workspaceRoot\}\/dist\/apps\/hello\//);
      expect(t.metadata?.description, name).toBeTruthy();
    }
    const code = (name: string) => (targets[name]!.inputs as { input?: string; projects?: string[] }[]).find((i) => i.input === 'production')?.projects;
    expect(code('native')).toEqual(['image-builder', 'kit']);
    expect(code('sign')).toEqual(['signer', 'image-builder', 'kit']);
    expect(code('policy')).toEqual(['cas-policy', 'kit']);
    // the golang image reads its minor's patch (diffs, overlay; not the README) and golang-patcher's executor
    expect(code('golang')).toEqual(['image-builder', 'kit']);
    expect(targets.golang!.inputs).toEqual(expect.arrayContaining([
      { input: 'patchImage', projects: ['golang-patcher'] },
      '{workspaceRoot}/packages/golang-patcher/patches/go1.26/*.diff',
      '{workspaceRoot}/packages/golang-patcher/patches/go1.26/overlay/**/*',
    ]));
    // compose-runner is not code of any build step
    for (const name of ['modules', 'golang', 'native', 'tools', 'binaries', 'sign', 'policy', 'image', 'bench-image']) expect(code(name), name).not.toContain('compose-runner');
    // the session file is read by policy alone
    expect(Object.entries(targets).filter(([, t]) => JSON.stringify(t.inputs ?? []).includes('session.yml')).map(([n]) => n)).toEqual(['policy']);
  });

  it('gives image targets the engine id of their tag as a runtime input (a gone image is a cache miss)', async () => {
    using ws = tempWorkspace();
    const targets = (await infer(ws.root))[0]![1].projects!['apps/hello']!.targets!;
    const runtime = (name: string) => (targets[name]!.inputs as { runtime?: string }[]).map((i) => i.runtime).filter(Boolean);
    expect(runtime('golang')).toEqual([expect.stringContaining('docker image inspect --format \'{{.Id}}\' confidential/golang:1.26.8-bookworm ')]);
    expect(runtime('native')).toEqual([expect.stringContaining('confidential/hello-native:dev')]);
    expect(runtime('image')).toEqual([expect.stringContaining('confidential/hello:dev')]);
    expect(runtime('sign')).toEqual([]);
  });

  it('derives the config id <session>/<service> once, from the session file', async () => {
    using ws = tempWorkspace();
    const targets = (await infer(ws.root))[0]![1].projects!['apps/hello']!.targets!;
    expect(targets.sign!.options.configId).toBe('hello/web');
    expect(JSON.stringify(targets.image!.options)).toContain('"SCONE_CONFIG_ID":"hello/web"');
  });
});

describe('the plugin\'s bench (confidential.yml `bench`)', () => {
  it('infers bench-run: confidential-bench on upstream, native and confidential <binary> at one address', async () => {
    using ws = tempWorkspace({ 'apps/hello/confidential.yml': `${APP_CONFIG}bench:\n  url: http://127.0.0.1:8080/x\n  args: [-port, "8080"]\n  expect: hi\n  env: { LOAD_RATE: "2000" }\n` });
    const targets = (await infer(ws.root))[0]![1].projects!['apps/hello']!.targets!;
    const t = targets['bench-run']!;
    expect(t.executor).toBe('@confidential/app:run');
    expect(t.options).toMatchObject({ composeFiles: ['packages/confidential-app/compose/policy.yml', 'packages/confidential-app/compose/bench.yml'], testService: 'bench', results: ['/out/bench.json'], timeoutSeconds: 1800 });
    expect(readFileSync(new URL('../../compose/bench.yml', import.meta.url), 'utf8')).toContain('"confidential-bench", "bench"');
    expect(readFileSync(new URL('../../compose/policy.yml', import.meta.url), 'utf8')).toMatch(/^services:\n  cas:\n[^]*\n  upload:\n/m);
    expect(t.options.leakScan).toBeUndefined();
    expect(t.options.env.LOAD_RATE).toBe('2000');
    expect(JSON.parse(t.options.env.BENCH_CONFIG)).toEqual({
      url: 'http://127.0.0.1:8080/x',
      expect: 'hi',
      targets: [
        { name: 'upstream', command: ['/usr/local/bin/hello.upstream', '-port', '8080'] },
        { name: 'native', command: ['/usr/local/bin/hello.native', '-port', '8080'] },
        { name: 'confidential', command: ['/usr/local/bin/hello'] },
      ],
    });
    // the helpers are built at their workspace paths, so an app's tool can `replace` the bench library
    expect(JSON.stringify(targets.tools!.options)).toContain('"src":"packages/bench","dest":"src/packages/bench"');
    expect(JSON.stringify(targets.tools!.options)).toContain('cd /src/packages/bench');
    // only the tools image and the bench image read them: a change to packages/bench does not rebuild the app
    const readers = Object.entries(targets).filter(([, t]) => JSON.stringify(t.inputs ?? []).includes('packages/bench')).map(([n]) => n);
    expect(readers).toEqual(['tools']);
    expect(targets['bench-image']!.dependsOn).toContain('tools');
    expect(JSON.stringify(targets['bench-image']!.options)).not.toContain('session');
    // every app with a bench-run gets the report; hello's run returns /out/run.json, so its steps join the report
    expect(targets.bench!.dependsOn).toEqual(['bench-run', 'run', { projects: ['bench-report'], target: 'build' }]);
    expect(targets.bench!.options.command).toBe('node packages/bench-report/dist/cli.js render dist/apps/hello/bench-run/results/bench.json dist/apps/hello/run/results/run.json -o dist/apps/hello/bench/report.html --png dist/apps/hello/bench/report.png --title "hello benchmark: latency by percentile"');
  });
});

describe('an app that extends another', () => {
  const child = 'extends: ../hello/confidential.yml\nlibc: musl\n';

  it('takes the base, replaces the keys it writes, and reads the base\'s files where the base names them', async () => {
    using ws = tempWorkspace({ 'apps/hello-musl/confidential.yml': child });
    const [[, result]] = (await infer(ws.root, ['apps/hello-musl/confidential.yml'])) as [[string, { projects: Record<string, { name: string; implicitDependencies: string[]; targets: Record<string, { options: Record<string, unknown>; inputs: unknown[] }> }> }]];
    const project = result.projects['apps/hello-musl']!;
    expect(project.name).toBe('hello-musl');
    expect(project.implicitDependencies).toContain('hello');
    expect(project.targets.golang!.options).toMatchObject({ libc: 'musl', output: 'dist/apps/hello-musl/golang/image.json' });
    expect(project.targets.sign!.options).toMatchObject({ libc: 'musl', configId: 'hello/web' });
    expect(project.targets.policy!.options.session).toBe('apps/hello/session.yml');
    expect(project.targets.modules!.inputs).toEqual(expect.arrayContaining(['{workspaceRoot}/apps/hello-musl/confidential.yml', '{workspaceRoot}/apps/hello/confidential.yml', '{workspaceRoot}/apps/hello/src/**/*']));
  });

  it.each([
    ['an error of its own, in its own file', `${child}distro: sid\n`, 'apps/hello-musl/confidential.yml:3:9 distro: expected one of "bookworm"|"trixie"'],
    ['a base that does not exist', 'extends: ../nothing/confidential.yml\n', 'apps/hello-musl/confidential.yml:1:10 extends: apps/nothing/confidential.yml does not exist'],
    ['an error of the base, in the base', child, 'apps/hello/confidential.yml:2:11 go.source: apps/hello/www has no go.mod', { 'apps/hello/confidential.yml': APP_CONFIG.replace('source: src', 'source: www') }],
  ] as [string, string, string, Record<string, string>?][])('refuses %s', async (_, config, message, more = {}) => {
    expect(await errorOf({ 'apps/hello-musl/confidential.yml': config, ...more }, ['apps/hello-musl/confidential.yml'])).toBe(message);
  });
});

describe('bad app configs: one line naming file:line:col and the field', () => {
  it.each([
    ['an unknown key', APP_CONFIG.replace('binary: hello', 'binary: hello\nbinaries: [x]'), 'apps/hello/confidential.yml:5:1 binaries: unknown key'],
    ['libc: glib', `${APP_CONFIG}libc: glib\n`, 'apps/hello/confidential.yml:23:7 libc: expected one of "glibc"|"musl"'],
    ['a missing session file', APP_CONFIG.replace('  service: web', '  file: policy.yml\n  service: web'), 'apps/hello/confidential.yml:11:9 session.file: apps/hello/policy.yml does not exist'],
    ['a Go version with no patch', APP_CONFIG.replace('"1.26.8"', '"1.25.4"'), 'apps/hello/confidential.yml:3:12 go.version: no libcsyscall patch for go1.25 (expected packages/golang-patcher/patches/go1.25); patched minors: go1.26'],
    ['an unquoted Go version', APP_CONFIG.replace('"1.26.8"', '1.26'), 'apps/hello/confidential.yml:3:12 go.version: expected string (quote it: version: "1.26")'],
    ['both a source and a module', APP_CONFIG.replace('  source: src', '  source: src\n  module: example.com/x@v1.0.0'), 'apps/hello/confidential.yml:3:11 go.module: give exactly one of "source" (a folder of the app) or "module" (path@version)'],
    ['a source folder without go.mod', APP_CONFIG.replace('source: src', 'source: www'), 'apps/hello/confidential.yml:2:11 go.source: apps/hello/www has no go.mod'],
    ['bench beside a run named bench-run', `${APP_CONFIG}  bench-run: {}\nbench:\n  url: http://127.0.0.1:8080/\n`, 'apps/hello/confidential.yml:25:3 bench: expected either "bench" (the plugin\'s bench-run) or a run named "bench-run", not both'],
    ['a run named bench beside a bench-run', `${APP_CONFIG}  bench: {}\nbench:\n  url: http://127.0.0.1:8080/\n`, 'apps/hello/confidential.yml:23:10 runs.bench: expected another name: "bench" is the report target of an app with a bench-run'],
    ['a bench URL off loopback', `${APP_CONFIG}bench:\n  url: http://app:8080/\n`, 'apps/hello/confidential.yml:24:8 bench.url: expected a loopback URL such as "http://127.0.0.1:8080/get" (the load and the program share the bench container)'],
    ['no run named run', APP_CONFIG.replace('  run:\n    results: [/out/run.json]\n', ''), 'apps/hello/confidential.yml:18:3 runs: expected a run named "run"'],
  ])('%s', async (_, config, message) => {
    expect(await errorOf({ 'apps/hello/confidential.yml': config })).toBe(message);
  });
});
