// The project graph never loads the engine client: the real `nx show projects` (no daemon, no graph cache, so the
// plugin runs in its worker) with a CommonJS loader hook in NODE_OPTIONS that records every load of dockerode, in
// every process Nx starts. The same hook in a process that does talk to the engine shows that it sees the load.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'graph-load-'));
const hook = join(dir, 'hook.cjs');
writeFileSync(
  hook,
  `const Module = require('node:module');
const load = Module._load;
Module._load = function (request) {
  if (/(^|[\\\\/])dockerode([\\\\/]|$)/.test(request)) require('node:fs').appendFileSync(process.env.DOCKERODE_TRACE, process.pid + ' ' + request + '\\n');
  return load.apply(this, arguments);
};
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function traced(name: string) {
  const file = join(dir, name);
  writeFileSync(file, '');
  const env = { NODE_OPTIONS: `--require ${hook}`, DOCKERODE_TRACE: file, NX_DAEMON: 'false', NX_CACHE_PROJECT_GRAPH: 'false', NX_ISOLATE_PLUGINS: 'true' };
  return { env, loads: () => readFileSync(file, 'utf8').trim() };
}

describe('computing the project graph', () => {
  it('nx show projects runs the plugin (the apps are there) and loads no dockerode', async () => {
    const t = traced('graph.txt');
    const shown = await execa('npx', ['nx', 'show', 'projects', '--json'], { cwd: root, env: t.env });
    expect(JSON.parse(shown.stdout)).toEqual(expect.arrayContaining(['caddy', 'caddy-musl', 'go-httpbin']));
    expect(t.loads()).toBe('');
  }, 120_000);

  it('the hook sees dockerode load when a process creates an engine client', async () => {
    const t = traced('engine.txt');
    await execa('node', ['--input-type=module', '-e', "const m = await import('@confidential/image-builder'); m.docker();"], { cwd: root, env: t.env });
    expect(t.loads()).toMatch(/dockerode/);
  });
});
