// The scone backend cannot run here (SCONE registry + SGX): it is checked by what it renders. Golden files and
// the original's commands (the SCONE example this project re-creates) against the app's declared options.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appTargets, loadAppConfig } from '@confidential/app';
import { loadSessionText, renderBoundFiles, sconeUploadCommand } from '@confidential/cas-policy';
import { runSign, sconeRuntimeEnv } from '@confidential/signer';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const app = join(import.meta.dirname, '..');
const workspace = join(app, '../..');
// the sign target as the plugin infers it from apps/caddy/confidential.yml
const loaded = loadAppConfig(workspace, 'apps/caddy/confidential.yml');
const { targets } = appTargets(loaded);
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
    expect(caddy?.command).toEqual(['caddy', 'run', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile']);
    const { args } = sconeUploadCommand({ sessionFile: join(app, 'session.yml') });
    expect(upload?.command).toEqual(args.slice(args.indexOf('scone')));
    expect(upload?.depends_on).toEqual({ cas: { condition: 'service_healthy' } });
    expect(caddy?.depends_on).toEqual({ upload: { condition: 'service_completed_successfully' } });
  });

  it('renders the session with its TLS secrets for a real CAS: placeholders left to CAS, no key material (golden)', () => {
    // a SCONE MRENCLAVE stands in (fixture): scone-signer prints it where SGX is
    const result = renderBoundFiles({ session: 'session.yml', measurement: 'scone/measurement.json', service: 'binaryfs', also: loaded.config.session.also, cwd: app, backend: 'scone' });
    const golden = join(import.meta.dirname, 'session.golden.yml');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, result.text); // after a deliberate change of session.yml: review the diff
    expect(result.text).toBe(readFileSync(golden, 'utf8'));
    expect(result.text).not.toMatch(/PRIVATE KEY|value:/);
    const session = loadSessionText(result.text).session;
    expect(session.services[0]).toMatchObject({ name: 'binaryfs', image_name: 'caddy', command: 'caddy run --config /etc/caddy/Caddyfile --adapter caddyfile', mrenclaves: ['5c0ae0a7f1b2d3c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c'] });
    expect(session.secrets?.map((s) => [s.name, s.kind, s.issuer ?? null])).toEqual([
      ['caddy_ca_key', 'private-key', null],
      ['caddy_ca', 'x509-ca', null],
      ['caddy_tls_key', 'private-key', null],
      ['caddy_tls', 'x509', 'caddy_ca'],
      ['caddy_edge_key', 'private-key', null],
      ['caddy_edge', 'x509', 'caddy_ca'],
      ['caddy_httpbin_key', 'private-key', null],
      ['caddy_httpbin', 'x509', 'caddy_ca'],
      ['caddy_hop_client_key', 'private-key', null],
      ['caddy_hop_client', 'x509', 'caddy_ca'],
    ]);
    expect(session.images?.[0]?.injection_files?.map((f) => (typeof f === 'string' ? f : [f.path, f.content?.match(/\$\$SCONE::[^$]+\$\$/)?.[0] ?? 'config']))).toEqual([
      ['/etc/caddy/Caddyfile', 'config'],
      ['/etc/caddy/tls/localhost.crt', '$$SCONE::caddy_tls:chain$$'],
      ['/etc/caddy/tls/localhost.key', '$$SCONE::caddy_tls:privatekey$$'],
    ]);
    // the acme run's service: the same measurement, its data folder on the session volume (CAS keeps key and tag)
    expect(session.services[1]).toMatchObject({ name: 'acme', image_name: 'caddy_acme', mrenclaves: session.services[0]?.mrenclaves });
    expect(session.images?.[1]?.volumes).toEqual([{ name: 'caddy_data', path: '/root/.local/share/caddy' }]);
    expect(session.volumes).toEqual([{ name: 'caddy_data' }]);
    // the proxy run's services: edge (the same measurement) and httpbin (go-httpbin's binary, a peer: its own
    // measurement binds it — no SCONE measurement of go-httpbin here, so it stays unbound in this golden), the network
    // shield in SCONE's variables, rendered as they are (CAS hands them to the runtime with the rest of the
    // environment), the hop's keys as CAS placeholders
    const [edge, httpbin] = [session.services[2], session.services[3]];
    expect(edge).toMatchObject({ name: 'edge', mrenclaves: session.services[0]?.mrenclaves, environment: { SCONE_NETWORK_SHIELD_CLIENT_hop: 'mutual-tls', SCONE_NETWORK_SHIELD_CLIENT_hop_HOST: 'app', SCONE_NETWORK_SHIELD_CLIENT_hop_PORT: '8080' } });
    expect(httpbin).toMatchObject({ name: 'httpbin', command: 'go-httpbin -host 0.0.0.0 -port 8080 -log-level WARN', environment: { SCONE_NETWORK_SHIELD_SERVER_hop: 'mutual-tls', SCONE_NETWORK_SHIELD_SERVER_hop_PORT: '8080', SCONE_NETWORK_SHIELD_SERVER_hop_CA: '/etc/shield/ca.crt' } });
    expect(httpbin?.mrenclaves).toBeUndefined();
    const backendImage = session.images?.find((i) => i.name === 'httpbin_hop');
    expect(backendImage?.injection_files?.map((f) => (typeof f === 'string' ? f : [f.path, f.content?.match(/\$\$SCONE::[^$]+\$\$/)?.[0] ?? 'config']))).toEqual([
      ['/etc/shield/ca.crt', '$$SCONE::caddy_ca:crt$$'],
      ['/etc/shield/tls.crt', '$$SCONE::caddy_httpbin:chain$$'],
      ['/etc/shield/tls.key', '$$SCONE::caddy_httpbin_key:privatekey$$'],
    ]);
  });
});
