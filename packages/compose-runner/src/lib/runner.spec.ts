import { describe, expect, it } from 'vitest';
import { evaluateWait, runCompose } from './runner.js';

const c = (over: Partial<Parameters<typeof evaluateWait>[1][number]>) => ({
  id: 'x', name: 'p_s_1', service: 's', status: 'running', exitCode: 0, tty: false, volumes: [], ...over,
});

describe('evaluateWait', () => {
  it('a one-shot that already exited 0 satisfies service_completed_successfully', () => {
    expect(evaluateWait('service_completed_successfully', [c({ status: 'exited', exitCode: 0 })], true)).toEqual({ ok: true });
  });
  it('a non-zero exit fails completion, naming the code', () => {
    expect(evaluateWait('service_completed_successfully', [c({ status: 'exited', exitCode: 2 })], true)).toMatchObject({ ok: false, failed: 'exited with code 2, not 0' });
  });
  it('healthy only when running and healthy; unhealthy and exited fail; starting waits', () => {
    expect(evaluateWait('service_healthy', [c({ health: 'healthy' })], true)).toEqual({ ok: true });
    expect(evaluateWait('service_healthy', [c({ health: 'starting' })], true)).toMatchObject({ ok: false, state: 'running, health starting' });
    expect(evaluateWait('service_healthy', [c({ health: 'starting' })], true)).not.toHaveProperty('failed');
    expect(evaluateWait('service_healthy', [c({ health: 'unhealthy' })], true)).toMatchObject({ failed: 'became unhealthy' });
    expect(evaluateWait('service_healthy', [c({ status: 'exited', exitCode: 1, health: 'unhealthy' })], true)).toMatchObject({ failed: 'exited with code 1 before becoming healthy' });
    expect(evaluateWait('service_healthy', [c({})], true)).toMatchObject({ failed: expect.stringContaining('has no healthcheck') });
  });
  it('service_started: created waits, running or exited counts', () => {
    expect(evaluateWait('service_started', [c({ status: 'created' })], false)).toMatchObject({ ok: false });
    expect(evaluateWait('service_started', [c({ status: 'exited', exitCode: 5 })], true)).toEqual({ ok: true });
  });
  it('no container: waits while up runs, fails after', () => {
    expect(evaluateWait('service_started', [], false)).toEqual({ ok: false, state: 'not created yet' });
    expect(evaluateWait('service_started', [], true)).toMatchObject({ failed: 'no container was created' });
  });
});

describe('runCompose validation (before any engine call)', () => {
  const cli = { kind: 'v1', command: 'false', baseArgs: [], version: '1.29.2' } as const;
  it('needs exactly one of files or model', async () => {
    await expect(runCompose({ testService: 't', timeoutMs: 1, cli })).rejects.toThrow('give exactly one of "files" or "model"');
    await expect(runCompose({ files: [], testService: 't', timeoutMs: 1, cli })).rejects.toThrow('give exactly one of "files" or "model"');
    await expect(runCompose({ files: ['a.yml'], model: { services: { t: { image: 'x' } } }, testService: 't', timeoutMs: 1, cli })).rejects.toThrow('give exactly one of "files" or "model"');
  });
  it('names a test service missing from the model', async () => {
    await expect(runCompose({ model: { services: { a: { image: 'x' } } }, testService: 't', timeoutMs: 1, cli })).rejects.toThrow(
      'runCompose: service "t" is not in the model (services: a).',
    );
  });
  it('refuses an invalid model with its field path', async () => {
    await expect(runCompose({ model: { services: { t: { image: '' } } }, testService: 't', timeoutMs: 1, cli })).rejects.toThrow(/services\.t\.image/);
  });
  it('refuses a project name compose would not accept', async () => {
    await expect(runCompose({ model: { services: { t: { image: 'x' } } }, projectName: 'Bad Name', testService: 't', timeoutMs: 1, cli })).rejects.toThrow(
      /project name "Bad Name"/,
    );
  });
});
