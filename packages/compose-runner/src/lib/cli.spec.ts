import { describe, expect, it } from 'vitest';
import { composeArgs, detectCompose, downArgs, projectName, PROJECT_NAME, upArgs, type Exec } from './cli.js';

const fake = (answers: Record<string, { exitCode: number; stdout: string } | Error>): Exec & { calls: string[] } => {
  const calls: string[] = [];
  const exec = async (command: string, args: string[]) => {
    const key = [command, ...args].join(' ');
    calls.push(key);
    const answer = answers[key];
    if (!answer) return { exitCode: 127, stdout: '', stderr: 'not found' };
    if (answer instanceof Error) throw answer;
    return { ...answer, stderr: '' };
  };
  return Object.assign(exec, { calls });
};

describe('detectCompose', () => {
  it('prefers the v2 plugin', async () => {
    const exec = fake({ 'docker compose version --short': { exitCode: 0, stdout: 'v2.29.7\n' }, 'docker-compose version --short': { exitCode: 0, stdout: '1.29.2' } });
    const cli = await detectCompose(exec, {});
    expect(cli).toEqual({ kind: 'v2-plugin', command: 'docker', baseArgs: ['compose'], version: '2.29.7' });
    expect(exec.calls).toEqual(['docker compose version --short']);
  });

  it('falls back to docker-compose v1 when "docker compose" is unknown', async () => {
    const exec = fake({ 'docker compose version --short': { exitCode: 1, stdout: '' }, 'docker-compose version --short': { exitCode: 0, stdout: '1.29.2\n' } });
    expect(await detectCompose(exec, {})).toEqual({ kind: 'v1', command: 'docker-compose', baseArgs: [], version: '1.29.2' });
  });

  it('recognises a v2 standalone docker-compose, and survives a missing docker binary', async () => {
    const exec = fake({ 'docker compose version --short': new Error('ENOENT'), 'docker-compose version --short': { exitCode: 0, stdout: '2.20.3' } });
    expect((await detectCompose(exec, {})).kind).toBe('v2-standalone');
  });

  it('refuses docker-compose older than 1.29 (no depends_on conditions)', async () => {
    const exec = fake({ 'docker-compose version --short': { exitCode: 0, stdout: '1.25.0' } });
    await expect(detectCompose(exec, {})).rejects.toThrow(/docker-compose 1\.25\.0 is too old/);
  });

  it('says what to install when neither answers', async () => {
    await expect(detectCompose(fake({}), {})).rejects.toThrow(/Neither "docker compose" \(v2 plugin\) nor "docker-compose" answers: install one/);
  });
});

describe('CONFIDENTIAL_COMPOSE chooses the CLI', () => {
  const both = { 'docker compose version --short': { exitCode: 0, stdout: 'v2.40.3\n' }, 'docker-compose version --short': { exitCode: 0, stdout: '1.29.2' } };

  it('standalone: docker-compose even when the plugin answers; plugin: docker compose', async () => {
    expect(await detectCompose(fake(both), { CONFIDENTIAL_COMPOSE: 'standalone' })).toMatchObject({ kind: 'v1', command: 'docker-compose', version: '1.29.2' });
    expect(await detectCompose(fake(both), { CONFIDENTIAL_COMPOSE: 'plugin' })).toMatchObject({ kind: 'v2-plugin', version: '2.40.3' });
    expect((await detectCompose(fake(both), { CONFIDENTIAL_COMPOSE: 'auto' })).kind).toBe('v2-plugin');
  });

  it('never falls back from the CLI it names, and refuses an unknown value', async () => {
    const v1only = fake({ 'docker-compose version --short': { exitCode: 0, stdout: '1.29.2' } });
    await expect(detectCompose(v1only, { CONFIDENTIAL_COMPOSE: 'plugin' })).rejects.toThrow(
      'CONFIDENTIAL_COMPOSE=plugin but "docker compose" does not answer: install the compose v2 CLI plugin (bash tools/go-tools.sh compose).',
    );
    expect(v1only.calls).toEqual(['docker compose version --short']);
    await expect(detectCompose(fake(both), { CONFIDENTIAL_COMPOSE: 'v3' })).rejects.toThrow(
      'CONFIDENTIAL_COMPOSE=v3: expected one of "plugin" (docker compose), "standalone" (docker-compose), "auto"',
    );
  });
});

describe('compose arguments', () => {
  const v1 = { kind: 'v1', command: 'docker-compose', baseArgs: [], version: '1.29.2' } as const;
  const v2 = { kind: 'v2-plugin', command: 'docker', baseArgs: ['compose'], version: '2.29.7' } as const;
  const ref = { project: 'cr-t-1', files: ['/tmp/c.yml'] };

  it('puts the project and files before the subcommand, after "compose" for the plugin', () => {
    expect(composeArgs(v1, ref, upArgs(v1))).toEqual(['--project-name', 'cr-t-1', '--file', '/tmp/c.yml', 'up', '--detach', '--no-build', '--no-color']);
    expect(composeArgs(v2, { ...ref, projectDirectory: '/w' }, downArgs(v2))).toEqual([
      'compose', '--project-name', 'cr-t-1', '--file', '/tmp/c.yml', '--project-directory', '/w', 'down', '--volumes', '--remove-orphans',
    ]);
    expect(upArgs(v2)).toEqual(['up', '--detach', '--no-build', '--quiet-pull']);
    expect(composeArgs(v1, { ...ref, files: ['/tmp/a.yml', '/tmp/b.yml'] }, ['config'])).toEqual(['--project-name', 'cr-t-1', '--file', '/tmp/a.yml', '--file', '/tmp/b.yml', 'config']);
  });
});

describe('projectName', () => {
  it('is cr-<name>-<random>, sanitised to what compose accepts', () => {
    expect(projectName('Caddy Test!', () => 'abcd1234')).toBe('cr-caddy-test-abcd1234');
    expect(projectName('__', () => '0')).toBe('cr-run-0');
    const long = projectName('x'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(PROJECT_NAME);
  });

  it('differs between calls', () => {
    const names = new Set(Array.from({ length: 50 }, () => projectName('t')));
    expect(names.size).toBe(50);
  });
});
