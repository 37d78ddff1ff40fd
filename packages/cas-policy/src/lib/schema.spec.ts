import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue, PolicyError } from './errors.js';
import { loadSessionText } from './load.js';
import { placeholdersIn } from './placeholders.js';
import { Mrenclave, Secret, serviceArgv, serviceMeasurements, Session, SessionName, validForDays } from './schema.js';

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
secrets:
  - name: mysqlpass
    kind: ascii
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

// Secrets the sim service generates, and the placeholders that use them (SCONE's names: private_key, issuer, dns,
// san, valid_for, export_public).
const secretsSession = (secrets: string, env = '      TOKEN: $$SCONE::token$$') =>
  [
    'name: app',
    'version: "0.3"',
    'services:',
    '  - name: web',
    '    image_name: web',
    `    mrenclaves: [${M}]`,
    '    command: web --key $$SCONE::blob:hex$$',
    '    environment:',
    env,
    'images:',
    '  - name: web',
    '    injection_files:',
    '      - path: /tls/cert.pem',
    '        content: $$SCONE::srv.crt$$',
    '      - path: /tls/key.pem',
    '        content: $$SCONE::srv:privatekey$$',
    'secrets:',
    '  - name: ca_key',
    '    kind: private-key',
    '  - name: ca',
    '    kind: x509-ca',
    '    private_key: ca_key',
    '    export_public: true',
    '  - name: srv_key',
    '    kind: private-key',
    '    key_type: Ed25519',
    '  - name: srv',
    '    kind: x509',
    '    private_key: srv_key',
    '    issuer: ca',
    '    dns: [localhost]',
    '    san: ["ip:127.0.0.1"]',
    '    valid_for: 90 days',
    '  - name: token',
    '    kind: ascii',
    '    size: 24',
    '  - name: blob',
    '    kind: binary',
    secrets,
    '',
  ].join('\n');

/** The formatted issues of loading a session ([] when it loads). */
function issuesOf(text: string): string[] {
  try {
    loadSessionText(text);
    return [];
  } catch (error) {
    if (error instanceof PolicyError) return error.issues.map(formatIssue);
    throw error;
  }
}

describe('secret declarations and placeholders', () => {
  it('accepts CA, certificate, keys, ascii and binary secrets with their placeholders', () => {
    expect(issuesOf(secretsSession(''))).toEqual([]);
    expect(validForDays('3560d')).toBe(3560);
    expect(validForDays('1 year')).toBe(365);
    expect(validForDays('90 days')).toBe(90);
    expect(validForDays('12h')).toBe(0.5);
    expect(validForDays('soon')).toBeUndefined();
    expect(validForDays('0d')).toBeUndefined();
  });

  it.each([
    ['an unknown kind', '  - name: extra\n    kind: password', 'session.yml:40:11 secrets[6].kind: expected one of'],
    ['x509 without a CA', '  - name: extra\n    kind: x509\n    private_key: srv_key', 'session.yml:39:5 secrets[6].issuer: expected the name of an x509-ca secret of this session (the CA that signs this certificate)'],
    ['x509 whose issuer is not a CA', '  - name: extra\n    kind: x509\n    private_key: srv_key\n    issuer: token', 'session.yml:42:13 secrets[6].issuer: expected the name of an x509-ca secret; "token" is an ascii secret'],
    ['x509 whose issuer names nothing', '  - name: extra\n    kind: x509\n    private_key: srv_key\n    issuer: nobody', 'session.yml:42:13 secrets[6].issuer: expected the name of an x509-ca secret of this session; "nobody" names no secret'],
    ['x509 without a key', '  - name: extra\n    kind: x509\n    issuer: ca', 'session.yml:39:5 secrets[6].private_key: expected the name of a private-key secret of this session (the key of this x509)'],
    ['a key that is not a private-key', '  - name: extra\n    kind: x509-ca\n    private_key: blob', 'session.yml:41:18 secrets[6].private_key: expected the name of a private-key secret; "blob" is a binary secret'],
    ['a duplicate name', '  - name: token\n    kind: ascii', 'session.yml:39:11 secrets[6].name: duplicate name "token" (first at secrets[4])'],
    ['a bad duration', '  - name: extra\n    kind: x509-ca\n    private_key: ca_key\n    valid_for: forever', 'session.yml:42:16 secrets[6].valid_for: expected a duration such as 365d, 90 days or 1 year'],
    ['a size on a key', '  - name: extra\n    kind: private-key\n    size: 32', 'session.yml:41:11 secrets[6].size: expected size only on ascii or binary secrets (this one is private-key)'],
    ['export_public on an ascii secret', '  - name: extra\n    kind: ascii\n    export_public: true', 'session.yml:41:20 secrets[6].export_public: expected export_public only on x509-ca, x509 or private-key secrets (an ascii secret has no public part)'],
    ['a CA chain that loops', '  - name: ca2\n    kind: x509-ca\n    private_key: ca_key\n    issuer: ca3\n  - name: ca3\n    kind: x509-ca\n    private_key: ca_key\n    issuer: ca2', 'session.yml:42:13 secrets[6].issuer: expected a chain of CAs that ends; "ca3" leads back to "ca2"'],
    ['a SAN entry without its type', '  - name: extra\n    kind: x509\n    private_key: srv_key\n    issuer: ca\n    san: [localhost]', 'session.yml:43:11 secrets[6].san[0]: expected "dns:<name>" or "ip:<address>"'],
  ])('refuses %s with one positioned error', (_what, extra, expected) => {
    const issues = issuesOf(secretsSession(extra));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(expected);
  });

  it.each([
    ['a placeholder naming no secret', '      TOKEN: $$SCONE::tokn$$', 'session.yml:9:14 services[0].environment.TOKEN: $$SCONE::tokn$$ names no secret of this session (define or import it under secrets)'],
    ['a part the kind lacks', '      TOKEN: $$SCONE::token:crt$$', 'session.yml:9:14 services[0].environment.TOKEN: $$SCONE::token:crt$$: an ascii secret has no :crt part (expected the default form or one of :bin, :hex, .hex)'],
    ['a legacy suffix the kind lacks', '      TOKEN: $$SCONE::ca_key.crt$$', 'session.yml:9:14 services[0].environment.TOKEN: $$SCONE::ca_key.crt$$: a private-key secret has no .crt part'],
    ['raw bytes in the environment', '      TOKEN: $$SCONE::blob$$', 'session.yml:9:14 services[0].environment.TOKEN: $$SCONE::blob$$: raw bytes cannot go into an environment value; use :hex'],
    ['DER in the environment', '      TOKEN: $$SCONE::srv:crt:der$$', 'session.yml:9:14 services[0].environment.TOKEN: $$SCONE::srv:crt:der$$: raw bytes cannot go into an environment value; use a PEM form'],
  ])('refuses %s with one positioned error', (_what, env, expected) => {
    const issues = issuesOf(secretsSession('', env));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(expected);
  });

  it('parses placeholders: formats, legacy suffixes, encodings, names that end like a suffix', () => {
    expect(placeholdersIn('a $$SCONE::x$$ b $$SCONE::y:crt:pem$$ $$SCONE::z.key$$ $$SCONE::w|escape(json)$$')).toEqual([
      { text: '$$SCONE::x$$', index: 2, name: 'x', format: undefined, legacy: false },
      { text: '$$SCONE::y:crt:pem$$', index: 17, name: 'y', format: 'crt:pem', legacy: false },
      { text: '$$SCONE::z.key$$', index: 38, name: 'z', format: 'key', legacy: true },
      { text: '$$SCONE::w|escape(json)$$', index: 55, name: 'w', format: undefined, legacy: false, encoding: 'escape(json)' },
    ]);
    expect(placeholdersIn('$$SCONE::tls.crt$$', (n) => n === 'tls.crt')[0]).toMatchObject({ name: 'tls.crt', legacy: false });
  });
});

describe('volumes', () => {
  const session = (volumes: string) => `name: v
version: "0.3"
services:
  - name: app
    image_name: app_image
    mrenclaves: ["${M}"]
images:
  - name: app_image
    volumes:
${volumes}
volumes:
  - name: data
  - name: logs
`;

  it('accepts volumes of the session mounted at disjoint normalised paths, with an update policy', () => {
    expect(issuesOf(session('      - { name: data, path: /data }\n      - { name: logs, path: /var/log/app, update_policy: no_rollback_protection }'))).toEqual([]);
    // a sibling whose name starts like the other path is not inside it
    expect(issuesOf(session('      - { name: data, path: /data }\n      - { name: logs, path: /data2 }'))).toEqual([]);
  });

  it('refuses, at the field, a volume the session does not declare, one mounted twice, bad and overlapping paths', () => {
    expect(issuesOf(session('      - { name: cache, path: /cache }'))).toEqual([
      'session.yml:10:17 images[0].volumes[0].name: expected the name of a volume of this session (under volumes); "cache" names none',
    ]);
    expect(issuesOf(session('      - { name: data, path: /a }\n      - { name: data, path: /b }'))).toEqual([
      'session.yml:11:17 images[0].volumes[1].name: volume "data" is mounted twice in image "app_image" (first at images[0].volumes[0])',
    ]);
    for (const path of ['/', '/data/', '/a//b', '/a/../b', '/a/./b']) {
      expect(issuesOf(session(`      - { name: data, path: "${path}" }`))).toEqual([
        'session.yml:10:29 images[0].volumes[0].path: expected a normalised absolute directory path below / (no "//", ".", ".." or trailing "/")',
      ]);
    }
    expect(issuesOf(session('      - { name: data, path: /srv }\n      - { name: logs, path: /srv/logs }'))).toEqual([
      'session.yml:11:29 images[0].volumes[1].path: /srv/logs overlaps /srv of images[0].volumes[0]: expected disjoint volume paths',
    ]);
  });
});

describe('network shield variables', () => {
  const shield = (environment: Record<string, string>) => ({
    name: 'n',
    version: '0.3',
    services: [{ name: 's', image_name: 'im', environment }],
    images: [{ name: 'im', injection_files: [{ path: '/tls/crt', content: 'x' }, { path: '/tls/key', content: 'x' }, { path: '/tls/ca', content: 'x' }] }],
  });
  const problems = (environment: Record<string, string>) =>
    (Session.safeParse(shield(environment)).error?.issues ?? []).map((i) => `${i.path.slice(3).join('.')}: ${i.message}`);

  it('accepts servers and clients in both modes, their files being the image\'s injected files', () => {
    expect(
      problems({
        SCONE_NETWORK_SHIELD: 'unprotected',
        SCONE_NETWORK_SHIELD_SERVER_web_PORT: '8080',
        SCONE_NETWORK_SHIELD_SERVER_web: 'mutual-tls',
        SCONE_NETWORK_SHIELD_SERVER_web_CERT: '/tls/crt',
        SCONE_NETWORK_SHIELD_SERVER_web_KEY: '/tls/key',
        SCONE_NETWORK_SHIELD_SERVER_web_CA: '/tls/ca',
        SCONE_NETWORK_SHIELD_SERVER_web_ALPN: 'h2,http/1.1',
        SCONE_NETWORK_SHIELD_CLIENT_db_HOST: 'db',
        SCONE_NETWORK_SHIELD_CLIENT_db_PORT: '5432',
        SCONE_NETWORK_SHIELD_CLIENT_db_CA: '/tls/ca',
      }),
    ).toEqual([]);
  });

  it('refuses, at the variable, unknown names, bad values, PEM in the environment, files that are not injected, missing settings, a port wrapped twice', () => {
    expect(
      problems({
        SCONE_NETWORK_SHIELD: 'on',
        SCONE_NETWORK_SHIELD_SERVER_a_b_PORT: '1',
        SCONE_NETWORK_SHIELD_SERVER_web_HOST: 'x',
        SCONE_NETWORK_SHIELD_SERVER_web: 'mtls',
        SCONE_NETWORK_SHIELD_SERVER_web_PORT: '70000',
        SCONE_NETWORK_SHIELD_SERVER_web_CERT: '-----BEGIN CERTIFICATE-----',
        SCONE_NETWORK_SHIELD_SERVER_web_KEY: '/etc/key.pem',
        SCONE_NETWORK_SHIELD_SERVER_two_PORT: '443',
        SCONE_NETWORK_SHIELD_SERVER_two_CERT: '/tls/crt',
        SCONE_NETWORK_SHIELD_SERVER_two_KEY: '/tls/key',
        SCONE_NETWORK_SHIELD_SERVER_three_PORT: '443',
        SCONE_NETWORK_SHIELD_SERVER_three_CERT: '/tls/crt',
        SCONE_NETWORK_SHIELD_SERVER_three_KEY: '/tls/key',
        SCONE_NETWORK_SHIELD_SERVER_three_ALPN: 'h2,,x',
        SCONE_NETWORK_SHIELD_CLIENT_up: 'mutual-tls',
      }),
    ).toEqual([
      'SCONE_NETWORK_SHIELD: expected disabled, unprotected or protected',
      'SCONE_NETWORK_SHIELD_SERVER_a_b_PORT: expected SCONE_NETWORK_SHIELD, SCONE_NETWORK_SHIELD_UNSUPPORTED_PROTOCOLS or SCONE_NETWORK_SHIELD_{SERVER,CLIENT}_<letters and digits>[_PORT|_HOST|_SERVER_NAME|_CERT|_KEY|_CA|_ALPN]',
      'SCONE_NETWORK_SHIELD_SERVER_web_HOST: expected one of _PORT, _CERT, _KEY, _CA, _ALPN or none after SCONE_NETWORK_SHIELD_SERVER_<id> (_HOST is a client setting)',
      'SCONE_NETWORK_SHIELD_SERVER_web: expected tls or mutual-tls',
      'SCONE_NETWORK_SHIELD_SERVER_web_PORT: expected a TCP port (1-65535)',
      'SCONE_NETWORK_SHIELD_SERVER_web_CERT: expected the path of an injected file, not the PEM itself (the environment is readable in /proc/<pid>/environ)',
      'SCONE_NETWORK_SHIELD_SERVER_web_KEY: expected the path of an injected file of image "im" (its certificates and keys come from the policy only); /etc/key.pem is none',
      'SCONE_NETWORK_SHIELD_SERVER_three_ALPN: expected protocols separated by commas (such as h2,http/1.1), or none',
      'SCONE_NETWORK_SHIELD_SERVER_three_PORT: port 443 is already wrapped by SCONE_NETWORK_SHIELD_SERVER_two_PORT',
      'SCONE_NETWORK_SHIELD_CLIENT_up: expected SCONE_NETWORK_SHIELD_CLIENT_up_PORT too (every declaration names its port)',
      'SCONE_NETWORK_SHIELD_CLIENT_up: expected SCONE_NETWORK_SHIELD_CLIENT_up_HOST too (the destination the shield wraps)',
      'SCONE_NETWORK_SHIELD_CLIENT_up: expected SCONE_NETWORK_SHIELD_CLIENT_up_CA too (the CA the peer must chain to)',
      'SCONE_NETWORK_SHIELD_CLIENT_up: expected SCONE_NETWORK_SHIELD_CLIENT_up_CERT too (mutual-tls: the client certificate the shield presents)',
      'SCONE_NETWORK_SHIELD_CLIENT_up: expected SCONE_NETWORK_SHIELD_CLIENT_up_KEY too (its private key)',
    ]);
  });
});
