import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, PolicyError } from './errors.js';
import { lintOrThrow, lintSession } from './lint.js';
import { loadSessionText } from './load.js';

const original = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'session.yml'), 'utf8');
const M = 'f'.repeat(64);

describe('lintSession', () => {
  it('warns about the original session: attestation off, SCONE_LOG, no mrenclaves', () => {
    expect(lintSession(loadSessionText(original)).map(formatIssue)).toEqual([
      'session.yml:6:11 warning CP001 security.attestation.mode: attestation is disabled: any program can obtain this policy (testing only)',
      'session.yml:9:5 warning CP007 services[0]: service "binaryfs" has no mrenclaves; bind a measurement (cas-policy bind) — with attestation on, CAS refuses it',
      "session.yml:12:7 warning CP004 services[0].environment.SCONE_LOG: SCONE_LOG is read by the SCONE runtime; set in the policy it collides with the container's setting",
    ]);
  });

  it('finds debug mode, plain-text secrets, ignored advisories and undefined images', () => {
    const text = [
      'name: app',
      'version: "0.3"',
      'security:',
      '  attestation:',
      '    tolerate: [hyperthreading, debug-mode]',
      '    ignore_advisories: "*"',
      'services:',
      '  - name: s',
      '    image_name: missing',
      `    mrenclaves: [${M}]`,
      'secrets:',
      '  - name: password',
      '    kind: ascii',
      '    value: hunter2',
      '',
    ].join('\n');
    const issues = lintSession(loadSessionText(text));
    expect(issues.map((i) => `${i.code} ${i.line}:${i.col} ${i.path}`)).toEqual([
      'CP002 5:32 security.attestation.tolerate[1]',
      'CP005 6:24 security.attestation.ignore_advisories',
      'CP006 9:17 services[0].image_name',
      'CP003 14:12 secrets[0].value',
    ]);
    expect(issues.every((i) => i.severity === 'warning')).toBe(true);
    // the message names the secret but never its value
    expect(issues.find((i) => i.code === 'CP003')?.message).not.toContain('hunter2');
  });

  it('CP008: a placeholder outside commands, environment and injection files naming no secret', () => {
    const text = [
      'name: app',
      'version: "0.3"',
      'services:',
      '  - name: s',
      `    mrenclaves: [${M}]`,
      '    command: app --password $$SCONE::known$$',
      '    platforms: [$$SCONE::nowhere$$]',
      '    fspf_key: $$SCONE::known:hex$$',
      'secrets:',
      '  - name: known',
      '    kind: ascii',
      '',
    ].join('\n');
    expect(lintSession(loadSessionText(text)).map((i) => `${i.code} ${i.line}:${i.col} ${i.path}: ${i.message}`)).toEqual([
      'CP008 7:17 services[0].platforms[0]: $$SCONE::nowhere$$ names no secret of this session (define or import it under secrets)',
    ]);
  });

  it('CP003 still flags a plain-text value next to generated secrets (and never shows the value)', () => {
    const text = [
      'name: app',
      'version: "0.3"',
      'services:',
      '  - name: s',
      `    mrenclaves: [${M}]`,
      '    command: app --token $$SCONE::token$$',
      'secrets:',
      '  - name: ca_key',
      '    kind: private-key',
      '  - name: ca',
      '    kind: x509-ca',
      '    private_key: ca_key',
      '  - name: token',
      '    kind: ascii',
      '    value: s3cr3t-in-the-policy',
      '',
    ].join('\n');
    const issues = lintSession(loadSessionText(text));
    expect(issues.map((i) => `${i.code} ${i.line}:${i.col} ${i.path}`)).toEqual(['CP003 15:12 secrets[2].value']);
    expect(issues.map(formatIssue).join('\n')).not.toContain('s3cr3t');
  });

  it('is silent for a clean session', () => {
    const text = `name: app\nversion: "0.3"\nservices:\n  - name: s\n    mrenclaves: [${M}]\n    command: app\n    environment:\n      HOME: /root\n`;
    expect(lintSession(loadSessionText(text))).toEqual([]);
  });

  it('strict turns findings into errors; ignore skips codes', () => {
    const loaded = loadSessionText(original);
    expect(lintSession(loaded, { strict: true }).every((i) => i.severity === 'error')).toBe(true);
    expect(() => lintOrThrow(loaded, { strict: true })).toThrow(PolicyError);
    expect(() => lintOrThrow(loaded, { strict: true })).toThrow(/^session\.yml:6:11 error CP001 security\.attestation\.mode: /);
    expect(lintOrThrow(loaded)).toHaveLength(3);
    expect(lintSession(loaded, { ignore: ['CP001', 'CP004', 'CP007'], strict: true })).toEqual([]);
  });
});
