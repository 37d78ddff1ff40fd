// Against the real engine and the compose CLI CONFIDENTIAL_COMPOSE names (the int target runs it with both).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, imageJsonFor, writeImageJson } from '@confidential/image-builder';
import { ensureBusyboxImage } from '../testing/busybox-image.js';
import { runRun } from '../executors/run/executor.js';
import { projectName } from './cli.js';
import type { LogLine } from './logs.js';
import type { ComposeModel } from './model.js';
import { ComposeRunError, projectContainers, projectLeftovers, runCompose, sweepOrphanedRuns } from './runner.js';

const client = docker();
const quiet = { onEvent: () => {}, onLog: () => {} };
let image = '';
const used: string[] = [];

async function expectGone(project: string) {
  expect(await projectLeftovers(client, project)).toEqual({ containers: [], networks: [], volumes: [] });
}

const sleeper = (extra: Record<string, unknown> = {}) => ({ image, stop_signal: 'SIGKILL', ...extra });

const healthyPlusOneShot = (testCommand: string): ComposeModel => ({
  services: {
    web: sleeper({
      command: ['sh', '-c', 'echo web starting; sleep 1; touch /tmp/ready; echo web ready; exec sleep 3600'],
      healthcheck: { test: ['CMD', 'test', '-f', '/tmp/ready'], interval: '1s', timeout: '1s', retries: 30 },
      volumes: ['state:/state'],
    }),
    init: { image, command: ['sh', '-c', 'echo init did its job'] },
    test: {
      image,
      command: ['sh', '-c', testCommand],
      depends_on: { web: { condition: 'service_healthy' }, init: { condition: 'service_completed_successfully' } },
    },
  },
  volumes: { state: null },
});

/** healthyPlusOneShot('exit 0') whose web runs `log` and fails its health check `retries` times (no volume). */
const unhealthyWeb = (log: string, retries: number): ComposeModel => {
  const model = healthyPlusOneShot('exit 0');
  model.services.web = sleeper({
    command: ['sh', '-c', `${log}; exec sleep 3600`],
    healthcheck: { test: ['CMD', 'false'], interval: '1s', timeout: '1s', retries },
  });
  delete model.volumes;
  return model;
};

const waits = [
  { service: 'init', condition: 'service_completed_successfully' as const },
  { service: 'web', condition: 'service_healthy' as const },
];

describe('runCompose against the engine', () => {
  beforeAll(async () => {
    image = await ensureBusyboxImage();
  });
  afterAll(async () => {
    for (const p of used) await expectGone(p);
  });

  it('healthy service + one-shot that already exited: test service exits 0, logs prefixed by service, all torn down', async () => {
    const project = projectName('ok');
    used.push(project);
    const seen: LogLine[] = [];
    const result = await runCompose({
      model: healthyPlusOneShot('echo test ran; exit 0'),
      projectName: project,
      testService: 'test',
      timeoutMs: 90_000,
      waitFor: waits,
      onLog: (l) => seen.push(l),
      onEvent: () => {},
    });
    expect(result.exitCode).toBe(0);
    expect(result.project).toBe(project);
    expect(result.logs).toEqual(seen);
    expect(seen).toContainEqual(expect.objectContaining({ service: 'init', line: 'init did its job' }));
    expect(seen).toContainEqual(expect.objectContaining({ service: 'web', line: 'web ready' }));
    expect(seen).toContainEqual(expect.objectContaining({ service: 'test', line: 'test ran', stream: 'stdout' }));
    await expectGone(project);
  });

  it('returns the test service exit code (3) and copies result files out of it', async () => {
    const project = projectName('three');
    used.push(project);
    const dest = await mkdtemp(join(tmpdir(), 'cr-int-'));
    try {
      const result = await runCompose({
        model: healthyPlusOneShot('echo "{\\"n\\":3}" > /out/result.json; echo failing on purpose >&2; exit 3'),
        projectName: project,
        testService: 'test',
        timeoutMs: 90_000,
        waitFor: waits,
        copyFromTest: { paths: ['/out/result.json', '/out/none.json'], dest },
        ...quiet,
      });
      expect(result.exitCode).toBe(3);
      expect(result.logs).toContainEqual(expect.objectContaining({ service: 'test', stream: 'stderr', line: 'failing on purpose' }));
      expect(JSON.parse(await readFile(join(dest, 'result.json'), 'utf8'))).toEqual({ n: 3 });
      expect(result.missing).toEqual(['/out/none.json']);
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
    await expectGone(project);
  });

  it('beforeTeardown sees every container still there, with its file changes; what it throws fails the run, torn down', async () => {
    const project = projectName('hook');
    used.push(project);
    const seen: { services: string[]; changed: string[]; exitCode: number; lines: number }[] = [];
    const result = await runCompose({
      model: healthyPlusOneShot('echo secret-free > /tmp/written-by-test; exit 0'),
      projectName: project,
      testService: 'test',
      timeoutMs: 90_000,
      waitFor: waits,
      ...quiet,
      beforeTeardown: async (run) => {
        const containers = await projectContainers(run.client, run.project);
        const test = containers.find((c) => c.service === 'test');
        const changes = ((await run.client.getContainer(test!.id).changes()) ?? []) as { Path: string }[];
        seen.push({ services: containers.map((c) => c.service).sort(), changed: changes.map((c) => c.Path), exitCode: run.exitCode, lines: run.logs.length });
      },
    });
    expect(result.exitCode).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.services).toEqual(['init', 'test', 'web']);
    expect(seen[0]?.changed).toContain('/tmp/written-by-test');
    expect(seen[0]?.exitCode).toBe(0);
    expect(seen[0]?.lines).toBeGreaterThan(0);
    await expectGone(project);

    const failing = projectName('hookfail');
    used.push(failing);
    await expect(
      runCompose({ model: healthyPlusOneShot('exit 0'), projectName: failing, testService: 'test', timeoutMs: 90_000, waitFor: waits, ...quiet, beforeTeardown: async () => { throw new Error('found a key in /tmp'); } }),
    ).rejects.toThrow('found a key in /tmp');
    await expectGone(failing);
  });

  it('a service that becomes unhealthy fails the run at that step with its log tail, all torn down', async () => {
    const project = projectName('unhealthy');
    used.push(project);
    const model = unhealthyWeb('echo web cannot bind 443; echo web giving up', 2);
    const error = await runCompose({ model, projectName: project, testService: 'test', timeoutMs: 60_000, waitFor: waits, ...quiet }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComposeRunError);
    const e = error as ComposeRunError;
    expect(e.service).toBe('web');
    expect(e.message).toMatch(/^service "web" became unhealthy \(waiting for it to become healthy\); last 2 log line\(s\) of web:/);
    expect(e.message).toContain('  web giving up');
    expect(e.logTail).toEqual(['web cannot bind 443', 'web giving up']);
    await expectGone(project);
  });

  it('a service that never becomes healthy within the timeout: the error names it, its state and log tail', async () => {
    const project = projectName('timeout');
    used.push(project);
    const model = unhealthyWeb('echo web still starting', 1000);
    const started = Date.now();
    const error = await runCompose({ model, projectName: project, testService: 'test', timeoutMs: 8_000, waitFor: waits, ...quiet }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect((error as Error).message).toMatch(/^service "web" did not become healthy within 8 s \(state: running, health starting\); last 1 log line\(s\) of web:\n {2}web still starting$/);
    await expectGone(project);
  });

  it('a one-shot dependency that exits non-zero fails completion with its exit code', async () => {
    const project = projectName('initfail');
    used.push(project);
    const model = healthyPlusOneShot('exit 0');
    model.services.init = { image, command: ['sh', '-c', 'echo migration failed; exit 4'] };
    const error = await runCompose({ model, projectName: project, testService: 'test', timeoutMs: 60_000, waitFor: waits, ...quiet }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^service "init" exited with code 4, not 0 \(waiting for it to complete successfully\); last 1 log line\(s\) of init:\n {2}migration failed$/);
    await expectGone(project);
  });

  it('two runs of the same model at once do not collide', async () => {
    const model = (id: string): ComposeModel => {
      const m = healthyPlusOneShot(`echo run ${id}; exit ${id === 'a' ? 0 : 5}`);
      return m;
    };
    const names = [projectName('twin'), projectName('twin')];
    used.push(...names);
    expect(names[0]).not.toBe(names[1]);
    const [a, b] = await Promise.all(
      (['a', 'b'] as const).map((id, i) =>
        runCompose({ model: model(id), projectName: names[i]!, testService: 'test', timeoutMs: 120_000, waitFor: waits, ...quiet }),
      ),
    );
    expect(a!.exitCode).toBe(0);
    expect(b!.exitCode).toBe(5);
    expect(a!.logs.filter((l) => l.service === 'test').map((l) => l.line)).toEqual(['run a']);
    expect(b!.logs.filter((l) => l.service === 'test').map((l) => l.line)).toEqual(['run b']);
    for (const n of names) await expectGone(n);
  });

  it('an image the engine lacks (nothing can be pulled): up fails with compose\'s reason, torn down', async () => {
    const project = projectName('noimage');
    used.push(project);
    const error = await runCompose({ model: { services: { test: { image: 'confidential/does-not-exist:none' } } }, projectName: project, testService: 'test', timeoutMs: 60_000, ...quiet }).catch(
      (e: unknown) => e,
    );
    // docker-compose names the image; compose v2 the service and the registry it could not reach
    expect((error as Error).message).toMatch(/^docker(-compose| compose) up failed \(exit \d+\): .*(does-not-exist|test Error)/);
    await expectGone(project);
  });

  it('without waitFor, a dependency that turns unhealthy is still named (compose up refuses to go on)', async () => {
    const project = projectName('culprit');
    used.push(project);
    const model = unhealthyWeb('echo web broken', 1);
    const error = await runCompose({ model, projectName: project, testService: 'test', timeoutMs: 60_000, ...quiet }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComposeRunError);
    expect((error as ComposeRunError).service).toBe('web');
    expect((error as Error).message).toMatch(/up failed \(exit \d+\) at service "web" \(running, unhealthy\).*\n {2}web broken$/s);
    await expectGone(project);
  });

  it('a test service that never exits: the timeout names it, torn down', async () => {
    const project = projectName('hang');
    used.push(project);
    const model: ComposeModel = { services: { test: sleeper({ command: ['sh', '-c', 'echo hanging; exec sleep 3600'] }) } };
    const error = await runCompose({ model, projectName: project, testService: 'test', timeoutMs: 5_000, ...quiet }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('test service "test" did not exit within 5 s; last 1 log line(s) of test:\n  hanging');
    await expectGone(project);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during a run (child process running dist): torn down, exit %i', async (signal, expectedCode) => {
    const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'index.js');
    expect(existsSync(dist)).toBe(true);
    const project = projectName(signal.toLowerCase());
    used.push(project);
    const model = healthyPlusOneShot('echo test waiting forever; exec sleep 3600');
    model.services.test!.stop_signal = 'SIGKILL';
    const script = `
      import { runCompose } from ${JSON.stringify(dist)};
      await runCompose({ model: ${JSON.stringify(model)}, projectName: ${JSON.stringify(project)}, testService: 'test', timeoutMs: 300000,
        waitFor: ${JSON.stringify(waits)} });
      console.log('UNEXPECTED END');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // wait until the test service runs
    const deadline = Date.now() + 90_000;
    for (;;) {
      const containers = await projectContainers(client, project);
      if (containers.some((c) => c.service === 'test' && c.status === 'running') && output.includes('test waiting forever')) break;
      if (Date.now() > deadline) throw new Error(`the run never reached the test service:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill(signal);
    const code = await exited;
    expect(output).toContain(`${signal}: stopping`);
    expect(output).toContain(`${project} torn down`);
    expect(output).not.toContain('UNEXPECTED END');
    expect(code).toBe(expectedCode);
    await expectGone(project);
  });
});

describe('signals with two runs in one process', () => {
  beforeAll(async () => {
    image = await ensureBusyboxImage();
  });

  it('SIGINT tears both down before the process exits 130', async () => {
    const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'index.js');
    const projects = [projectName('pair'), projectName('pair')];
    const model = healthyPlusOneShot('echo test waiting forever; exec sleep 3600');
    model.services.test!.stop_signal = 'SIGKILL';
    const script = `
      import { runCompose } from ${JSON.stringify(dist)};
      await Promise.all(${JSON.stringify(projects)}.map((projectName) => runCompose({ model: ${JSON.stringify(model)}, projectName,
        testService: 'test', timeoutMs: 300000, waitFor: ${JSON.stringify(waits)} })));
      console.log('UNEXPECTED END');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    for (;;) {
      const running = await Promise.all(projects.map((p) => projectContainers(client, p)));
      if (running.every((cs) => cs.some((c) => c.service === 'test' && c.status === 'running'))) break;
      if (Date.now() > deadline) throw new Error(`the runs never reached their test services:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    for (const p of projects) {
      expect(output).toContain(`${p} torn down`);
      await expectGone(p);
    }
    expect(output).not.toContain('UNEXPECTED END');
  });
});

describe('sweepOrphanedRuns', () => {
  beforeAll(async () => {
    image = await ensureBusyboxImage();
  });

  it('removes what a SIGKILLed runner left, and leaves a live run alone', async () => {
    const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'index.js');
    const killed = projectName('killed');
    const model: ComposeModel = { services: { test: sleeper({ command: ['sh', '-c', 'echo up; exec sleep 3600'], volumes: ['data:/data'] }) }, volumes: { data: null } };
    const script = `
      import { runCompose } from ${JSON.stringify(dist)};
      await runCompose({ model: ${JSON.stringify(model)}, projectName: ${JSON.stringify(killed)}, testService: 'test', timeoutMs: 300000 });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const live = projectName('live');
    // the live run waits for its test service, which this test ends (no deadline races a slow start)
    const liveRun = runCompose({ model, projectName: live, testService: 'test', timeoutMs: 300_000, ...quiet });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const [a, b] = await Promise.all([projectContainers(client, killed), projectContainers(client, live)]);
      if (a.some((c) => c.status === 'running') && b.some((c) => c.status === 'running')) break;
      if (Date.now() > deadline) throw new Error('the runs did not start');
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGKILL');
    await exited;
    const left = await projectLeftovers(client, killed);
    expect(left.containers.length).toBe(1);
    expect(left.volumes.length).toBe(1);
    const swept = await sweepOrphanedRuns(client);
    expect(swept).toContain(killed);
    expect(swept).not.toContain(live);
    await expectGone(killed);
    const [liveTest] = await projectContainers(client, live);
    expect(liveTest?.status).toBe('running');
    // the live run goes on: its test service, killed now, ends it with its exit code and it tears itself down
    await client.getContainer(liveTest!.id).kill();
    expect((await liveRun).exitCode).toBe(137);
    await expectGone(live);
  });
});

describe('compose-runner:run executor against the engine', () => {
  let root = '';
  beforeAll(async () => {
    image = await ensureBusyboxImage();
    root = await mkdtemp(join(tmpdir(), 'cr-exec-int-'));
    await writeImageJson(join(root, 'image.json'), await imageJsonFor(image));
    // two files, merged: the test service depends on a service of the other file
    await writeFile(
      join(root, 'policy.yml'),
      [
        'services:',
        '  policy:',
        '    image: "${IMAGE}"',
        '    command: ["sh", "-c", "touch /tmp/up; echo policy up; exec sleep 3600"]',
        '    stop_signal: SIGKILL',
        '    healthcheck: { test: ["CMD", "test", "-f", "/tmp/up"], interval: 1s, retries: 20 }',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(root, 'compose.yml'),
      [
        'services:',
        '  test:',
        '    image: "${IMAGE}"',
        '    command: ["sh", "-c", "echo $$GREETING; echo ok > /out/result.txt; exit $$CODE"]',
        '    environment: { GREETING: "${GREETING}", CODE: "${CODE}" }',
        '    depends_on: { policy: { condition: service_healthy } }',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each([
    [0, true],
    [7, false],
  ])('two compose files with ${IMAGE} from an image.json: test exits %i → success %s; outputs written', async (code, success) => {
    let project = '';
    const outcome = await runRun(
      {
        composeFiles: ['policy.yml', 'compose.yml'],
        testService: 'test',
        timeoutSeconds: 90,
        waitFor: [{ service: 'policy', condition: 'service_healthy' }],
        env: { IMAGE: { file: 'image.json' }, GREETING: 'hello from env', CODE: String(code) },
        outputDir: 'out',
        results: ['/out/result.txt'],
      },
      root,
      { onLog: () => {}, onEvent: () => {} },
    );
    project = outcome.project!;
    expect(outcome).toMatchObject({ success, exitCode: code });
    const out = join(root, 'out');
    expect(readFileSync(join(out, 'exit-code'), 'utf8')).toBe(`${code}\n`);
    expect(readFileSync(join(out, 'logs.txt'), 'utf8')).toContain('test | hello from env\n');
    expect(readFileSync(join(out, 'logs', 'policy.log'), 'utf8')).toBe('policy up\n');
    expect(readFileSync(join(out, 'results', 'result.txt'), 'utf8')).toBe('ok\n');
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ testService: 'test', exitCode: code, success, results: ['results/result.txt'], missingResults: [] });
    expect(project).toMatch(/^cr-test-[0-9a-f]{8}$/);
    await expectGone(project);
  });
});
