import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import renderExecutor from './executor.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');
const root = join(import.meta.dirname, '..', '..', '..', '..', '..');
const context = { root } as Parameters<typeof renderExecutor>[1];

describe('cas-policy:render options', () => {
  it('names the option of the wrong type in one sentence', async () => {
    await expect(renderExecutor({ session: 42, measurement: 'm.json', output: 'o.yml' }, context)).rejects.toThrow(
      /^cas-policy:render: option "session" is invalid: Invalid input: expected string, received number\.$/,
    );
    await expect(renderExecutor({ session: 's', measurement: 'm', output: 'o', strict: 'yes' }, context)).rejects.toThrow(
      /^cas-policy:render: option "strict" is invalid: .*expected boolean/,
    );
    await expect(renderExecutor({ session: 's', measurement: 'm', output: 'o', backend: 'sgx' }, context)).rejects.toThrow(
      /^cas-policy:render: option "backend" is invalid: .*"sim"\|"scone"/,
    );
  });

  it('refuses unknown and missing options', async () => {
    await expect(renderExecutor({ session: 's', measurement: 'm', output: 'o', servce: 'x' }, context)).rejects.toThrow(
      /option "\(options\)" is invalid: Unrecognized key: "servce"/,
    );
    await expect(renderExecutor({ session: 's', measurement: 'm' }, context)).rejects.toThrow(/option "output" is invalid/);
  });
});

describe('cas-policy:render', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    vi.restoreAllMocks();
  });

  it('writes the bound session file (paths relative to the workspace root)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-policy-render-'));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const output = join(dir, 'session.yml');
    const result = await renderExecutor(
      { session: relative(root, join(fixtures, 'session.yml')), measurement: relative(root, join(fixtures, 'measurement.json')), output },
      context,
    );
    expect(result).toEqual({ success: true });
    expect(readFileSync(output, 'utf8')).toBe(readFileSync(join(fixtures, 'session.bound.yml'), 'utf8'));
    // lint warnings name the output as given in the options, with the line in the bound file
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      `${output}:6:11 warning CP001 security.attestation.mode: attestation is disabled: any program can obtain this policy (testing only)`,
      `${output}:14:7 warning CP004 services[0].environment.SCONE_LOG: SCONE_LOG is read by the SCONE runtime; set in the policy it collides with the container's setting`,
    ]);
  });

  it('resolves relative paths against the workspace root and names them as given', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-policy-render-'));
    const ctx = { root: dir } as Parameters<typeof renderExecutor>[1];
    await expect(renderExecutor({ session: 'apps/caddy/session.yml', measurement: 'm.json', output: 'o.yml' }, ctx)).rejects.toThrow(
      /ENOENT.*apps\/caddy\/session\.yml/,
    );
  });

  it('fails with file:line:col when the measurement belongs to the other backend', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-policy-render-'));
    await expect(
      renderExecutor({ session: join(fixtures, 'session.yml'), measurement: join(fixtures, 'measurement.json'), output: join(dir, 'o.yml'), backend: 'scone' }, context),
    ).rejects.toThrow(/measurement\.json:3:14 backend: expected "scone" \(the measurement was made for the sim backend\)$/);
  });
});
