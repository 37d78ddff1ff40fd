// The rendered YAML is accepted by the compose CLI CONFIDENTIAL_COMPOSE names (the int target runs every spec once with
// the v2 plugin, once with docker-compose 1.29).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { composeArgs, detectCompose } from './cli.js';
import { renderCompose, type ComposeModel } from './model.js';

const everything: ComposeModel = {
  services: {
    test: {
      image: 'confidential/caddy:dev',
      entrypoint: ['/bin/sh', '-c'],
      command: 'run-tests',
      user: '0:0',
      working_dir: '/app',
      environment: { SCONE_MODE: 'sim', N: 8, ON: true, PORT: '80:80' },
      labels: { 'org.example': 'yes' },
      devices: ['/dev/null:/dev/sgx_enclave'],
      cap_add: ['SYS_PTRACE'],
      volumes: ['data:/data', './conf:/conf:ro', '/anon', { type: 'tmpfs', target: '/scratch' }],
      ports: ['8443:443', '127.0.0.1:9000:9000/tcp'],
      networks: ['inner', 'default'],
      depends_on: { policy: { condition: 'service_healthy' }, init: { condition: 'service_completed_successfully' }, side: { condition: 'service_started' } },
      init: true,
      tty: false,
      shm_size: '256m',
      stop_signal: 'SIGTERM',
      stop_grace_period: '1m30s',
    },
    policy: {
      image: 'confidential/policy:dev',
      healthcheck: { test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1:8081/health'], interval: '1s', timeout: '2s', retries: 30, start_period: '500ms' },
      networks: ['inner'],
    },
    init: { image: 'busybox', command: ['true'], network_mode: 'none' },
    side: { image: 'busybox', healthcheck: { test: 'true' }, network_mode: 'service:policy' },
  },
  networks: { inner: { internal: true, labels: { a: 'b' } } },
  volumes: { data: null },
};

describe('rendered YAML and the compose CLI', () => {
  it('runs with the CLI CONFIDENTIAL_COMPOSE names', async () => {
    const expected = { plugin: 'v2-plugin', standalone: 'v1' }[process.env.CONFIDENTIAL_COMPOSE ?? ''];
    const cli = await detectCompose();
    if (expected) expect(cli.kind).toBe(expected);
    expect(cli.version).toMatch(expected === 'v2-plugin' ? /^2\./ : /^\d+\.\d+/);
  });

  it('`config` accepts a model using every field, and keeps the values', async () => {
    const cli = await detectCompose();
    const dir = await mkdtemp(join(tmpdir(), 'cr-config-'));
    try {
      const file = join(dir, 'docker-compose.yml');
      await writeFile(file, renderCompose(everything));
      const r = await execa(cli.command, composeArgs(cli, { project: 'cr-config-check', files: [file] }, ['config']), { reject: false });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const resolved = parse(r.stdout);
      expect(resolved.services.test.depends_on).toMatchObject({
        policy: { condition: 'service_healthy' },
        init: { condition: 'service_completed_successfully' },
        side: { condition: 'service_started' },
      });
      expect(resolved.services.test.environment).toMatchObject({ N: '8', ON: 'true', PORT: '80:80' });
      expect(resolved.services.policy.healthcheck).toMatchObject({ retries: 30 });
      expect(resolved.services.init.network_mode).toBe('none');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
