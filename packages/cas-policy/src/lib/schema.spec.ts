import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Mrenclave, Secret, serviceArgv, serviceMeasurements, Session, SessionName } from './schema.js';

const M = 'a'.repeat(64);

// A session using every section, in the forms the SCONE docs show.
const full = `
name: ns/app
version: "0.3.11"
predecessor: ${'b'.repeat(64)}
access_policy:
  read: [CREATOR]
  update: [CREATOR]
security:
  attestation:
    mode: hardware
    tolerate: [hyperthreading, outdated-tcb, software-hardening-needed]
    ignore_advisories: ["INTEL-SA-00220", "INTEL-SA-00270"]
services:
  - name: application
    image_name: application_image
    mrenclaves: ["${M}", "${'C'.repeat(64)}"]
    command: /usr/local/bin/node /app/server.js
    pwd: /
    platforms: [${'9a'.repeat(32)}, $$SCONE::platform_2$$]
    environment:
      GREETING: hello
      KEY: "$$SCONE::SERVER_CERT:privatekey$$"
    fspf_path: /fspf/fs.fspf
    fspf_key: ${'d'.repeat(64)}
    fspf_tag: ${'e'.repeat(32)}
images:
  - name: application_image
    volumes:
      - name: data
        path: /data
    injection_files:
      - path: /app/cert.pem
        content: $$SCONE::SERVER_CERT:crt$$
volumes:
  - name: data
    export:
      - session: other
  - name: shared
    import:
      session: other
      volume: theirs
secrets:
  - name: CA_KEY
    kind: private-key
    key_type: P-384
    migrate: true
  - name: CA_CERT
    kind: x509-ca
    private_key: CA_KEY
    valid_for: 3560d
  - name: SERVER_CERT
    kind: x509
    issuer: CA_CERT
    endpoint: server
    private_key: CA_KEY
    dns: [localhost]
  - name: password
    kind: ascii
    size: 16
    export:
      session: other
  - name: token
    kind: binary
    value: DEADBEEF
    export:
      - session: other
        session_hash: ${'f'.repeat(64)}
      - namespace: relying_party
  - name: fragment
    kind: config-fragment
    value:
      - ${M}
  - name: imported
    import:
      session: other
      secret: token
  - name: from_akv
    import_akv:
      vault: myvault.vault.azure.net
      token: $$SCONE::aad$$
  - name: aad
    kind: aad-token
    tenant_id: e6c9c526
    client_id: 3f6a210e
    application_secret: dGmbyTBE
  - name: pgp
    kind: pgp-key
`;

// v0.3.7+ forms: service attestation variants, list commands, access governance, MAA, singleton enclaves.
const newer = `
name: company/project/app
version: "0.3.10"
access_policy:
  read: NONE
  update:
    require-at-least-1:
      - signer: owner-key
      - require-all:
          - signer: voter1
          - CREATOR
  create_sessions: [NONE]
security:
  singleton_enclaves: true
  attestation:
    mode: maa
    url: https://sharedweu.weu.attest.azure.net
    tolerate: [debug, maa-managed-tcb]
services:
  - name: loadbalancer
    command: ["mysql", "-e", "show databases;"]
    attestation:
      - mrenclave:
          - ${M}
          - $$SCONE::mrenclave_list$$
        signer:
          mrsigner: ${'1b'.repeat(32)}
          isvprodid: 6
      - signer:
          mrsigner: ${'2c'.repeat(32)}
          isvprodid: 213
          isvsvn_min: 13
      - $$SCONE::attestation_config_part$$
  - name: simple
    attestation:
      mrenclave: ${'3d'.repeat(32)}
    fspf_update_policy: no_rollback_protection
images:
  - name: proxy
    volumes:
      - name: db
        path: /media/db
        update_policy: ephemeral
    injection_files:
      - /etc/nginx/nginx.conf
      - path: /etc/mysql/my.cnf
        permission: 0o100
        content: |
          [client]
          password=$$SCONE::mysqlpass$$
volumes:
  - name: db
    export:
      - to:
          session: web_server
          session_hash: ${'4e'.repeat(32)}
        update_policy: ephemeral
        volume_alias: output
`;

describe('Session schema', () => {
  it('accepts a session using every section as documented', () => {
    const result = Session.safeParse(parse(full));
    expect(result.error?.issues).toBeUndefined();
    expect(result.data?.services?.[0]?.mrenclaves).toHaveLength(2);
    expect(result.data?.secrets?.map((s) => s.name)).toEqual(['CA_KEY', 'CA_CERT', 'SERVER_CERT', 'password', 'token', 'fragment', 'imported', 'from_akv', 'aad', 'pgp']);
  });

  it('accepts the newer 0.3.x forms the docs show', () => {
    const result = Session.safeParse(parse(newer));
    expect(result.error?.issues).toBeUndefined();
    const [lb, simple] = result.data?.services ?? [];
    expect(lb?.command).toEqual(['mysql', '-e', 'show databases;']);
    expect(serviceArgv(lb!)).toEqual(['mysql', '-e', 'show databases;']);
    // only signer-free variants with literal measurements let the sim service hand out the configuration
    expect(serviceMeasurements(lb!)).toEqual([]);
    expect(serviceMeasurements(simple!)).toEqual(['3d'.repeat(32)]);
    expect(serviceMeasurements({ name: 's', mrenclaves: ['A'.repeat(64)], attestation: [{ mrenclave: ['b'.repeat(64)] }] })).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
  });

  it('checks signer ranges, structured values and import exclusivity', () => {
    const signer = { mrsigner: '1'.repeat(64), isvprodid: 1, isvsvn: 2, isvsvn_min: 1 };
    expect(Session.safeParse({ name: 'n', version: '0.3', services: [{ name: 's', attestation: { signer } }] }).success).toBe(false);
    expect(Session.safeParse({ name: 'n', version: '0.3', secrets: [{ name: 's', kind: 'ascii', value: ['x'] }] }).error?.issues[0]?.message).toBe(
      'expected string (only config-fragment values are structured)',
    );
    const both = { name: 's', import: { session: 'a', secret: 'b' }, import_akv: { vault: 'v' } };
    expect(Session.safeParse({ name: 'n', version: '0.3', secrets: [both] }).error?.issues[0]?.message).toBe('import and import_akv are mutually exclusive');
  });

  it('outputs keys in the canonical order whatever the input order', () => {
    const out = Session.parse({ services: [{ command: 'x', name: 's' }], version: '0.3', name: 'n' });
    expect(Object.keys(out)).toEqual(['name', 'version', 'services']);
    expect(Object.keys(out.services?.[0] ?? {})).toEqual(['name', 'command']);
  });

  it('refuses unknown keys at any depth', () => {
    const result = Session.safeParse({ name: 'n', version: '0.3', security: { attestation: { mode: 'none', debug: true } } });
    expect(result.error?.issues.map((i) => [i.code, i.path])).toEqual([['unrecognized_keys', ['security', 'attestation']]]);
  });

  it('refuses duplicate names in every list', () => {
    const result = Session.safeParse({
      name: 'n',
      version: '0.3',
      images: [{ name: 'i' }, { name: 'i' }],
      volumes: [{ name: 'v' }, { name: 'v' }],
      secrets: [{ name: 's', kind: 'ascii' }, { name: 's', kind: 'binary' }],
    });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['images.1.name', 'volumes.1.name', 'secrets.1.name']);
  });

  it('requires a secret kind unless the secret is imported', () => {
    const result = Session.safeParse({ name: 'n', version: '0.3', secrets: [{ name: 's' }] });
    expect(result.error?.issues[0]?.message).toBe('expected a kind (required unless the secret is imported)');
    expect(Secret.safeParse({ name: 's', kind: 'pgp' }).success).toBe(false);
  });

  it('refuses an empty command and tolerate values the docs do not list', () => {
    expect(Session.safeParse({ name: 'n', version: '0.3', services: [{ name: 's', command: '  ' }] }).error?.issues[0]?.message).toBe(
      'expected a program name, got an empty command',
    );
    expect(Session.safeParse({ name: 'n', version: '0.3', security: { attestation: { tolerate: ['everything'] } } }).success).toBe(false);
  });

  it('checks measurements, names, paths and environment names', () => {
    expect(Mrenclave.safeParse(M).success).toBe(true);
    expect(Mrenclave.safeParse(`${M}0`).success).toBe(false);
    expect(Mrenclave.safeParse('g'.repeat(64)).success).toBe(false);
    expect(SessionName.safeParse('ns/app').success).toBe(true);
    expect(SessionName.safeParse('../etc').success).toBe(false);
    expect(SessionName.safeParse('a b').success).toBe(false);
    expect(Session.safeParse({ name: 'n', version: '0.3', services: [{ name: 'a/b' }] }).success).toBe(false);
    expect(Session.safeParse({ name: 'n', version: '0.3', services: [{ name: 's', pwd: 'relative' }] }).success).toBe(false);
    expect(Session.safeParse({ name: 'n', version: '0.3', services: [{ name: 's', environment: { 'A=B': 'x' } }] }).success).toBe(false);
    expect(Session.safeParse({ name: 'n', version: '0.3', services: [{ name: 's', environment: { PORT: 8080 } }] }).success).toBe(false);
    expect(Session.safeParse({ name: 'n', version: '0.3', predecessor: 'abc' }).success).toBe(false);
    expect(Session.safeParse({ name: 'n', version: '0.3', services: [{ name: 's', command: [] }] }).success).toBe(false);
  });
});
