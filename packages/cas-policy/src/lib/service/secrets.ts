// Secrets of a session, as the sim policy service generates and keeps them (SIM BACKEND: software only, no enclave,
// no hardware protection — it stands in for SCONE's CAS so that the same session works in tests and compose).
//
// Kinds: ascii / binary (random, `size` characters / bytes, default 32), private-key (node:crypto, key_type P-256
// default, P-384, Ed25519, RSA-2048, RSA-3072; PKCS#8), x509-ca (self-signed, or signed by its `issuer` CA) and x509
// (signed by its `issuer`, an x509-ca of the same session), both with the key of their `private_key` secret,
// `common_name` (default: the secret's name), SAN from `dns` and `san`, `endpoint` (server / client; default both)
// and `valid_for` (default 365 days for x509, 3650 days for x509-ca). Certificates are made with @peculiar/x509 on
// Node's WebCrypto (Node has no certificate-creation API).
//
// A secret is generated once: an update of the session keeps every secret whose declaration (and the declarations it
// depends on: key, issuer) is unchanged, and generates the others.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomInt, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { isBinaryPart, partOf, placeholdersIn, type SecretPart } from '../placeholders.js';
import { serviceArgv, validForDays, type Image, type Secret, type Service, type Session } from '../schema.js';

/** One secret's material as kept (encrypted) by the service. Bytes are base64, keys PKCS#8 PEM, certificates PEM. */
export const SecretMaterial = z.strictObject({
  kind: z.enum(['ascii', 'binary', 'private-key', 'x509', 'x509-ca']),
  /** sha256 of the declaration (and those it depends on): an unchanged fingerprint keeps the secret on update. */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  value: z.string().optional(),
  key: z.string().optional(),
  cert: z.string().optional(),
});
export type SecretMaterial = z.infer<typeof SecretMaterial>;
export const SecretSet = z.record(z.string(), SecretMaterial);
export type SecretSet = z.infer<typeof SecretSet>;

/** Something the sim backend cannot provide, at a path of the session. */
export interface SimProblem {
  path: (string | number)[];
  message: string;
}

const ASCII = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Why the sim service cannot provide `name` (undefined: it can). */
function unavailable(secrets: Map<string, Secret>, name: string, ancestors: readonly string[] = []): string | undefined {
  const secret = secrets.get(name);
  if (!secret) return `no secret "${name}"`;
  if (ancestors.includes(name)) return `"${name}" depends on itself`;
  const seen = [...ancestors, name];
  if (secret.import !== undefined || secret.import_akv !== undefined) return `"${name}" is imported; the sim backend cannot import secrets`;
  const kind = secret.kind;
  if (kind !== 'ascii' && kind !== 'binary' && kind !== 'private-key' && kind !== 'x509' && kind !== 'x509-ca') {
    return `"${name}" is a ${kind ?? 'kind-less'} secret; the sim backend provides ascii, binary, private-key, x509-ca and x509 secrets`;
  }
  if (kind === 'binary' && secret.value !== undefined) return `"${name}" is a binary secret with a value; the sim backend only generates binary secrets`;
  if (kind === 'x509' || kind === 'x509-ca') {
    if (secret.private_key === undefined) return `"${name}" has no private_key; the sim backend needs the key of every certificate it hands out`;
    const why = unavailable(secrets, secret.private_key, seen);
    if (why) return why;
    if (secret.issuer !== undefined) return unavailable(secrets, secret.issuer, seen);
  }
  return undefined;
}

/** The secrets the sim backend can provide (the others may be declared but not used in a launch). */
function providable(session: Session): Set<string> {
  const secrets = new Map((session.secrets ?? []).map((s) => [s.name, s]));
  return new Set([...secrets.keys()].filter((name) => unavailable(secrets, name) === undefined));
}

/** Every string with placeholders the launch answer resolves, with its path. */
function resolvedStrings(session: Session): { text: string; path: (string | number)[] }[] {
  const out: { text: string; path: (string | number)[] }[] = [];
  session.services?.forEach((service, i) => {
    if (typeof service.command === 'string') out.push({ text: service.command, path: ['services', i, 'command'] });
    else service.command?.forEach((arg, j) => out.push({ text: arg, path: ['services', i, 'command', j] }));
    for (const [name, value] of Object.entries(service.environment ?? {})) out.push({ text: value, path: ['services', i, 'environment', name] });
  });
  session.images?.forEach((image, i) =>
    image.injection_files?.forEach((file, j) => {
      if (typeof file === 'object' && file.content !== undefined) out.push({ text: file.content, path: ['images', i, 'injection_files', j, 'content'] });
    }),
  );
  return out;
}

/**
 * What the sim service refuses at upload: placeholders (in commands, environment values, injection files) naming
 * a secret it cannot provide, or with an encoding (`|…`) it does not apply. The schema has checked the rest.
 */
export function simProblems(session: Session): SimProblem[] {
  const secrets = new Map((session.secrets ?? []).map((s) => [s.name, s]));
  const problems: SimProblem[] = [];
  for (const { text, path } of resolvedStrings(session)) {
    for (const p of placeholdersIn(text, (n) => secrets.has(n))) {
      if (p.encoding !== undefined) problems.push({ path, message: `${p.text}: the sim backend does not apply encodings (|${p.encoding})` });
      const why = unavailable(secrets, p.name);
      if (why) problems.push({ path, message: `${p.text}: ${why}` });
    }
  }
  // volumes: the sim service generates every key and keeps every tag itself (volumes.ts); what it cannot honour is
  // refused here rather than ignored
  session.volumes?.forEach((volume, i) => {
    for (const field of ['fspf_key', 'fspf_tag', 'export', 'import'] as const) {
      if (volume[field] !== undefined) problems.push({ path: ['volumes', i, field], message: `the sim backend does not support ${field} on volumes (it generates each volume's key and keeps its tag)` });
    }
  });
  // the network shield: what the sim runtime (signer's net.c) does not build is refused here, not left to the start
  session.services?.forEach((service, i) => {
    const env = service.environment ?? {};
    const at = ['services', i, 'environment'];
    if (env.SCONE_NETWORK_SHIELD === 'protected') {
      problems.push({ path: [...at, 'SCONE_NETWORK_SHIELD'], message: 'the sim backend does not support protected (refusing every connection the policy does not name); expected unprotected or disabled' });
    }
    if (env.SCONE_NETWORK_SHIELD_UNSUPPORTED_PROTOCOLS === 'refuse') {
      problems.push({ path: [...at, 'SCONE_NETWORK_SHIELD_UNSUPPORTED_PROTOCOLS'], message: 'the sim backend does not refuse other protocols (UDP stays as it is); expected unprotected' });
    }
  });
  session.images?.forEach((image, i) =>
    image.volumes?.forEach((volume, j) => {
      if (volume.update_policy === 'ephemeral') {
        problems.push({ path: ['images', i, 'volumes', j, 'update_policy'], message: 'the sim backend does not support ephemeral volumes (expected rollback_protected or no_rollback_protection)' });
      }
    }),
  );
  return problems;
}

// ---- generation ----------------------------------------------------------------------------------------------

type KeyType = NonNullable<Secret['key_type']>;

function generateKey(type: KeyType): string {
  const pair =
    type === 'Ed25519'
      ? generateKeyPairSync('ed25519')
      : type === 'RSA-2048' || type === 'RSA-3072'
        ? generateKeyPairSync('rsa', { modulusLength: type === 'RSA-2048' ? 2048 : 3072 })
        : generateKeyPairSync('ec', { namedCurve: type });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** WebCrypto algorithms of a key: for importing it and for signing with it. */
function algorithmsOf(key: KeyObject): { importAlg: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | webcrypto.Algorithm; signAlg: webcrypto.EcdsaParams | webcrypto.Algorithm } {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return { importAlg: { name: 'Ed25519' }, signAlg: { name: 'Ed25519' } };
  if (type === 'rsa') return { importAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, signAlg: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.Algorithm };
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { importAlg: { name: 'ECDSA', namedCurve: 'P-256' }, signAlg: { name: 'ECDSA', hash: 'SHA-256' } };
    if (curve === 'secp384r1') return { importAlg: { name: 'ECDSA', namedCurve: 'P-384' }, signAlg: { name: 'ECDSA', hash: 'SHA-384' } };
  }
  throw new Error(`unsupported key type ${type ?? 'unknown'} for a certificate`);
}

async function cryptoKeys(pkcs8Pem: string): Promise<{ privateKey: webcrypto.CryptoKey; publicKey: webcrypto.CryptoKey; signAlg: webcrypto.Algorithm }> {
  const key = createPrivateKey(pkcs8Pem);
  const { importAlg, signAlg } = algorithmsOf(key);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, importAlg, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, importAlg, true, ['verify']);
  return { privateKey, publicKey, signAlg };
}

type X509Lib = typeof import('@peculiar/x509');
let x509lib: Promise<X509Lib> | undefined;
/** @peculiar/x509 on Node's WebCrypto (loaded on first use; it needs the reflect-metadata polyfill first). */
function x509(): Promise<X509Lib> {
  x509lib ??= (async () => {
    await import('reflect-metadata');
    const lib = await import('@peculiar/x509');
    lib.cryptoProvider.set(webcrypto as unknown as Parameters<X509Lib['cryptoProvider']['set']>[0]);
    return lib;
  })();
  return x509lib;
}

/** A distinguished name with one CN (commas and the like escaped as RFC 4514 wants). */
function cn(name: string): string {
  return `CN=${name.replace(/([,+"\\<>;=#])/g, '\\$1').replace(/^ | $/g, '\\ ')}`;
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x01; // positive, no leading zero byte
  return bytes.toString('hex');
}

const DAY_MS = 24 * 60 * 60 * 1000;

async function makeCertificate(
  secret: Secret,
  keyPem: string,
  issuer: { cert: string; key: string } | undefined,
  now: Date,
): Promise<string> {
  const lib = await x509();
  const subjectKeys = await cryptoKeys(keyPem);
  const signer = issuer ? await cryptoKeys(issuer.key) : subjectKeys;
  const days = validForDays(secret.valid_for ?? '') ?? (secret.kind === 'x509-ca' ? 3650 : 365);
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + 60_000 + days * DAY_MS);
  const subject = cn(secret.common_name ?? secret.name);
  const extensions: InstanceType<X509Lib['Extension']>[] = [await lib.SubjectKeyIdentifierExtension.create(subjectKeys.publicKey)];
  if (issuer) extensions.push(await lib.AuthorityKeyIdentifierExtension.create(signer.publicKey));
  if (secret.kind === 'x509-ca') {
    extensions.push(new lib.BasicConstraintsExtension(true, undefined, true));
    extensions.push(new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign | lib.KeyUsageFlags.digitalSignature, true));
  } else {
    extensions.push(new lib.BasicConstraintsExtension(false, undefined, true));
    const rsa = createPrivateKey(keyPem).asymmetricKeyType === 'rsa';
    extensions.push(new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature | (rsa ? lib.KeyUsageFlags.keyEncipherment : 0), true));
    const usages = secret.endpoint === 'server' ? [lib.ExtendedKeyUsage.serverAuth] : secret.endpoint === 'client' ? [lib.ExtendedKeyUsage.clientAuth] : [lib.ExtendedKeyUsage.serverAuth, lib.ExtendedKeyUsage.clientAuth];
    extensions.push(new lib.ExtendedKeyUsageExtension(usages));
  }
  const names = [
    ...(Array.isArray(secret.dns) ? secret.dns : secret.dns === undefined ? [] : [secret.dns]).map((value) => ({ type: 'dns' as const, value })),
    ...(Array.isArray(secret.san) ? secret.san : secret.san === undefined ? [] : [secret.san]).map((entry) => {
      const [type, ...rest] = entry.split(':');
      return { type: type === 'ip' ? ('ip' as const) : ('dns' as const), value: rest.join(':') };
    }),
  ];
  if (names.length > 0) extensions.push(new lib.SubjectAlternativeNameExtension(names));
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: issuer ? new lib.X509Certificate(issuer.cert).subjectName : subject,
    notBefore,
    notAfter,
    publicKey: subjectKeys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.signAlg,
    extensions,
  });
  return new X509Certificate(cert.toString('pem')).toString(); // PEM with its final newline
}

/**
 * The secrets of a session: those of `previous` whose fingerprint is unchanged, new ones for the rest. Secrets the
 * sim backend cannot provide (imported, other kinds) are left out; simProblems refuses sessions that use them.
 */
export async function generateSecrets(session: Session, previous: SecretSet = {}, now = new Date()): Promise<SecretSet> {
  const secrets = new Map((session.secrets ?? []).map((s) => [s.name, s]));
  const wanted = providable(session);
  const out: SecretSet = {};
  const fingerprints = new Map<string, string>();

  const fingerprint = (name: string): string => {
    const known = fingerprints.get(name);
    if (known) return known;
    const s = secrets.get(name) as Secret;
    // only what shapes the material: export rules, migrate and the like do not regenerate a secret
    const shape = {
      kind: s.kind,
      size: s.size,
      key_type: s.key_type,
      value: s.value,
      common_name: s.common_name,
      endpoint: s.endpoint,
      dns: s.dns,
      san: s.san,
      valid_for: s.valid_for,
      private_key: s.private_key === undefined ? undefined : fingerprint(s.private_key),
      issuer: s.issuer === undefined ? undefined : fingerprint(s.issuer),
    };
    const fp = sha256(JSON.stringify(shape));
    fingerprints.set(name, fp);
    return fp;
  };

  const material = async (name: string): Promise<SecretMaterial> => {
    const done = out[name];
    if (done) return done;
    const s = secrets.get(name) as Secret;
    const fp = fingerprint(name);
    const kept = previous[name];
    if (kept && kept.fingerprint === fp) return (out[name] = kept);
    const kind = s.kind as SecretMaterial['kind'];
    let m: SecretMaterial;
    if (kind === 'ascii') {
      const text = typeof s.value === 'string' ? s.value : Array.from({ length: s.size ?? 32 }, () => ASCII[randomInt(ASCII.length)]).join('');
      m = { kind, fingerprint: fp, value: Buffer.from(text, 'utf8').toString('base64') };
    } else if (kind === 'binary') {
      m = { kind, fingerprint: fp, value: randomBytes(s.size ?? 32).toString('base64') };
    } else if (kind === 'private-key') {
      const key = typeof s.value === 'string' ? given(name, 'a PEM private key', () => createPrivateKey(s.value as string).export({ type: 'pkcs8', format: 'pem' }) as string) : generateKey(s.key_type ?? 'P-256');
      m = { kind, fingerprint: fp, key };
    } else {
      const key = (await material(s.private_key as string)).key as string;
      let cert: string;
      if (typeof s.value === 'string') {
        const value = s.value;
        const pem = given(name, 'a PEM certificate', () => new X509Certificate(value));
        if (!pem.checkPrivateKey(createPrivateKey(key))) throw new SecretError(name, `the certificate in its value does not belong to the key of "${s.private_key}"`);
        cert = pem.toString();
      } else {
        const issuer = s.issuer === undefined ? undefined : await material(s.issuer);
        cert = await makeCertificate(s, key, issuer ? { cert: issuer.cert as string, key: issuer.key as string } : undefined, now);
      }
      m = { kind, fingerprint: fp, key, cert };
    }
    return (out[name] = m);
  };

  for (const name of secrets.keys()) if (wanted.has(name)) await material(name);
  return out;
}

/** A value from the policy, parsed; a parse failure names the secret and what was expected (never the value). */
function given<T>(name: string, what: string, parse: () => T): T {
  try {
    return parse();
  } catch {
    throw new SecretError(name, `expected ${what} as its value`);
  }
}

export class SecretError extends Error {
  override readonly name = 'SecretError';
  constructor(readonly secret: string, detail: string) {
    super(`secret "${secret}": ${detail}`);
  }
}

// ---- resolution ----------------------------------------------------------------------------------------------

/** The certificates from `name` up to its root CA (the chain of issuers). */
function chainOf(session: Session, set: SecretSet, name: string): string {
  const secrets = new Map((session.secrets ?? []).map((s) => [s.name, s]));
  const pems: string[] = [];
  for (let s = secrets.get(name); s; s = s.issuer === undefined ? undefined : secrets.get(s.issuer)) {
    const pem = set[s.name]?.cert;
    if (pem) pems.push(pem.endsWith('\n') ? pem : `${pem}\n`);
  }
  return pems.join('');
}

function partBytes(session: Session, set: SecretSet, name: string, part: SecretPart): Buffer {
  const m = set[name];
  if (!m) throw new SecretError(name, 'not among the stored secrets of this session (upload it again)');
  switch (part) {
    case 'value':
      return Buffer.from(m.value ?? '', 'base64');
    case 'hex':
      return Buffer.from(Buffer.from(m.value ?? '', 'base64').toString('hex'), 'utf8');
    case 'key-pem':
      return Buffer.from(m.key ?? '', 'utf8');
    case 'key-der':
      return createPrivateKey(m.key ?? '').export({ type: 'pkcs8', format: 'der' });
    case 'crt-pem':
      return Buffer.from(m.cert ?? '', 'utf8');
    case 'crt-der':
      return new X509Certificate(m.cert ?? '').raw;
    case 'chain':
      return Buffer.from(chainOf(session, set, name), 'utf8');
  }
}

/** A string with its placeholders replaced by the secrets' parts (bytes: files may hold DER or binary). */
export function resolveText(session: Session, set: SecretSet, text: string, where?: string): Buffer {
  const secrets = new Map((session.secrets ?? []).map((s) => [s.name, s]));
  const chunks: Buffer[] = [];
  let at = 0;
  for (const p of placeholdersIn(text, (n) => secrets.has(n))) {
    const secret = secrets.get(p.name);
    const kind = secret?.kind;
    const part = kind === undefined ? undefined : partOf(kind, p);
    // the schema and simProblems refuse these at upload; a stored session from an older version may still have them
    if (!secret || kind === undefined || part === undefined) throw new SecretError(p.name, `${p.text} cannot be resolved by the sim backend`);
    if (where !== undefined && isBinaryPart(kind, part)) throw new SecretError(p.name, `${p.text}: raw bytes cannot go into ${where}`);
    chunks.push(Buffer.from(text.slice(at, p.index), 'utf8'), partBytes(session, set, p.name, part));
    at = p.index + p.text.length;
  }
  chunks.push(Buffer.from(text.slice(at), 'utf8'));
  return Buffer.concat(chunks);
}

export interface ResolvedFile {
  path: string;
  mode: number;
  content: Buffer;
}

export interface ResolvedService {
  argv: string[];
  env: [string, string][];
  pwd: string;
  files: ResolvedFile[];
}

/** File permission from the policy: a number (YAML 0o600) or a string of octal digits ("0600", "0o600"); default 0600. */
function modeOf(permission: number | string | undefined): number {
  if (permission === undefined) return 0o600;
  if (typeof permission === 'number') return permission & 0o7777;
  const m = /^(?:0o?)?([0-7]{1,4})$/.exec(permission.trim());
  return m ? Number.parseInt(m[1] as string, 8) : 0o600;
}

/**
 * The launch of a service with its secrets: placeholders resolved in argv (after splitting a command string into
 * words, so a secret stays one argument) and environment values; the injection files of its image rendered (entries
 * that are a path only, or have no content, are the runtime's to read from the image and are not listed).
 */
export function resolveService(session: Session, service: Service, set: SecretSet): ResolvedService {
  const text = (value: string, where: string) => resolveText(session, set, value, where).toString('utf8');
  const image: Image | undefined = session.images?.find((i) => i.name === service.image_name);
  const files: ResolvedFile[] = [];
  for (const file of image?.injection_files ?? []) {
    if (typeof file === 'string' || file.content === undefined) continue;
    files.push({ path: file.path, mode: modeOf(file.permission), content: resolveText(session, set, file.content) });
  }
  return {
    argv: serviceArgv(service).map((arg) => text(arg, 'a command')),
    env: Object.entries(service.environment ?? {}).map(([name, value]) => [name, text(value, 'an environment value')]),
    pwd: service.pwd ?? '/',
    files,
  };
}

/**
 * The public part of an exported secret (`export_public: true`): the certificate PEM of an x509-ca / x509, the
 * public key (SPKI PEM) of a private-key. Undefined for anything else — never a private key or a secret value.
 */
export function publicPart(session: Session, set: SecretSet, name: string): string | undefined {
  const secret = session.secrets?.find((s) => s.name === name);
  if (!secret || secret.export_public !== true) return undefined;
  const m = set[name];
  if (!m) return undefined;
  if ((m.kind === 'x509' || m.kind === 'x509-ca') && m.cert) return new X509Certificate(m.cert).toString();
  if (m.kind === 'private-key' && m.key) return createPublicKey(m.key).export({ type: 'spki', format: 'pem' }) as string;
  return undefined;
}
