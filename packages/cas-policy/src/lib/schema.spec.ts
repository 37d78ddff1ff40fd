import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Mrenclave, Secret, Session, SessionName } from './schema.js';

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
    export: "*"
  - name: imported
    import:
      session: other
      secret: token
`;

describe('Session schema', () => {
  it('accepts a session using every section as documented', () => {
    const result = Session.safeParse(parse(full));
    expect(result.error?.issues).toBeUndefined();
    expect(result.data?.services?.[0]?.mrenclaves).toHaveLength(2);
    expect(result.data?.secrets?.map((s) => s.name)).toEqual(['CA_KEY', 'CA_CERT', 'SERVER_CERT', 'password', 'imported']);
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
  });
});
