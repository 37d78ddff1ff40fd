// The scone backend cannot run here (SCONE registry + SGX): it is checked by what it renders. Golden files and
// the original's commands (the SCONE example this project re-creates) against the app's declared options.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appTargets, loadAppConfig } from '@confidential/app';
import { loadSessionFile, renderSession, sconeUploadCommand } from '@confidential/cas-policy';
import { runSign, sconeRuntimeEnv } from '@confidential/signer';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const app = join(import.meta.dirname, '..');
const workspace = join(app, '../..');
// the sign target as the plugin infers it from apps/caddy/confidential.yml
const { targets } = appTargets(loadAppConfig(workspace, 'apps/caddy/confidential.yml'));
const sign = targets.sign as { options: Record<string, unknown>; configurations: { scone: Record<string, unknown> } };

describe('caddy with the scone backend', () => {
  it('renders the builder + signer stages of the original (golden Dockerfile)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'caddy-scone-'));
    await runSign({ ...sign.options, ...sign.configurations.scone, outputDir: out }, '/', () => {});
    const dockerfile = readFileSync(join(out, 'Dockerfile.signer'), 'utf8');
    expect(dockerfile).toBe(readFileSync(join(import.meta.dirname, 'Dockerfile.golden'), 'utf8'));
    // the original's lines, verbatim
    expect(dockerfile).toContain('scone binaryfs / /binary-fs-dir -v --include "/caddy/*" --host-path "/root/.local/share/caddy/"');
    expect(dockerfile).toContain('gcc /binary-fs-dir/binary_fs_blob.s ./libbinary_fs_template.a -shared -o /libbinaryfs.so');
    expect(dockerfile).toContain('scone-signer sign --sconify --extensions libbinaryfs.so --heap 2g --syslibs 1 --dlopen 0 /caddy/cmd/caddy/caddy');
  });

  it('runs caddy in compose with SGX, the original environment and the session uploaded by the SCONE CLI', () => {
    const compose = parse(readFileSync(join(app, 'compose.scone.yml'), 'utf8')) as {
      services: Record<string, { devices?: string[]; environment?: Record<string, string>; command?: string[]; depends_on?: Record<string, { condition: string }> }>;
    };
    const { cas, upload, caddy } = compose.services;
    expect(cas?.devices).toEqual(['/dev/sgx_enclave']);
    expect(caddy?.devices).toEqual(['/dev/sgx_enclave']);
    expect(caddy?.environment).toEqual({ ...sconeRuntimeEnv({ binary: sign.configurations.scone.binary as string, include: sign.options.include as string[], configId: sign.options.configId as string }), SCONE_CAS_ADDR: 'cas' });
    expect(caddy?.command).toEqual(['caddy', 'file-server', '--domain', 'localhost']);
    const { args } = sconeUploadCommand({ sessionFile: join(app, 'session.yml') });
    expect(upload?.command).toEqual(args.slice(args.indexOf('scone')));
    expect(upload?.depends_on).toEqual({ cas: { condition: 'service_healthy' } });
    expect(caddy?.depends_on).toEqual({ upload: { condition: 'service_completed_successfully' } });
  });

  it('uploads the original session, unchanged (attestation off, command and environment of binaryfs)', async () => {
    const loaded = await loadSessionFile(join(app, 'session.yml'));
    expect(renderSession(loaded.session)).toBe(readFileSync(join(app, 'session.yml'), 'utf8'));
    expect(loaded.session.services[0]).toMatchObject({ name: 'binaryfs', command: 'caddy file-server --domain localhost', environment: { SCONE_LOG: 'error', HOME: '/root' } });
  });
});
