import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSessionText } from '../load.js';
import { renderBoundFiles } from '../render.js';
import { sconeUploadCommand } from './scone.js';

describe('sconeUploadCommand', () => {
  it('builds the original arguments: scone session create -c cas --only_for_testing-disable-attestation-verification session.yml', () => {
    const { file, args } = sconeUploadCommand({ sessionFile: '/work/apps/caddy/dist/session.yml' });
    expect(file).toBe('docker');
    expect(args).toEqual([
      'run',
      '--rm',
      '-v',
      '/work/apps/caddy/dist:/policy:ro',
      '-w',
      '/policy',
      'registry.scontain.com/sconecuratedimages/sconecli:latest',
      'scone',
      'session',
      'create',
      '-c',
      'cas',
      '--only_for_testing-disable-attestation-verification',
      'session.yml',
    ]);
  });

  it('takes the CAS address, image, network and CLI state folder as options', () => {
    const { args } = sconeUploadCommand({
      sessionFile: '/p/session.yml',
      cas: 'cas.example:8081',
      image: 'registry.example/sconecli:5.9',
      network: 'caddy_default',
      cliStateDir: '/home/u/.cas',
      docker: '/usr/bin/docker',
    });
    expect(args.slice(0, 4)).toEqual(['run', '--rm', '--network', 'caddy_default']);
    expect(args).toContain('/home/u/.cas:/root/.cas');
    expect(args.slice(-8)).toEqual([
      'registry.example/sconecli:5.9',
      'scone',
      'session',
      'create',
      '-c',
      'cas.example:8081',
      '--only_for_testing-disable-attestation-verification',
      'session.yml',
    ]);
  });

  it('keeps a path with spaces as one argument (no shell)', () => {
    const { args } = sconeUploadCommand({ sessionFile: '/my dir/session.yml' });
    expect(args).toContain('/my dir:/policy:ro');
  });
});

describe('scone backend: a session with secrets for a real CAS (golden)', () => {
  const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');

  it('keeps secrets, placeholders and injection files as SCONE expects, byte for byte', () => {
    const result = renderBoundFiles({ session: 'session.secrets.yml', measurement: 'measurement.json', service: 'binaryfs', cwd: fixtures });
    const golden = readFileSync(join(fixtures, 'session.secrets.bound.yml'), 'utf8');
    expect(result.text).toBe(golden);
    // the source is canonical already: binding only adds mrenclaves
    expect(result.text.replace(/    mrenclaves:\n      - [0-9a-f]{64}\n/, '')).toBe(readFileSync(join(fixtures, 'session.secrets.yml'), 'utf8'));
    // CAS generates the material: none in the policy, the placeholders are left for CAS to resolve
    expect(result.text).not.toMatch(/BEGIN|value:/);
    expect(result.text).toContain('      CADDY_ADMIN_TOKEN: $$SCONE::admin_token$$\n');
    expect(result.text).toContain('        content: $$SCONE::tls:privatekey$$\n');
    const session = loadSessionText(result.text).session;
    expect(session.secrets?.map((s) => [s.name, s.kind])).toEqual([
      ['ca_key', 'private-key'],
      ['ca', 'x509-ca'],
      ['tls_key', 'private-key'],
      ['tls', 'x509'],
      ['admin_token', 'ascii'],
      ['session_key', 'binary'],
    ]);
    // the upload hands exactly this file to `scone session create`
    expect(sconeUploadCommand({ sessionFile: join(fixtures, 'session.secrets.bound.yml') }).args.at(-1)).toBe('session.secrets.bound.yml');
  });
});
