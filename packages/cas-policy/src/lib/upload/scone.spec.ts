import { describe, expect, it } from 'vitest';
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
