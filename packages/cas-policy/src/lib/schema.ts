// The SCONE session language (v0.3 up to 0.3.11), as documented at sconedocs.github.io/CAS_session_lang_0_3 and
// shown in its examples. Objects are strict: a key the language does not know is an error at its path. The key
// order of each shape is the canonical order used when rendering (see bind.ts), so keep it stable.
//
// Where the docs are unsure, only show an example, or contradict themselves, we accept what they show and say so
// beside the field. Fields added by a minor version (v0.3.5 …) are accepted under any 0.3 version: CAS checks
// that; we only check the structure.
import { z } from 'zod';
import { isIP } from 'node:net';
import { CommandSyntaxError, splitCommand } from './argv.js';
import { formatsOf, isBinaryPart, knowsKind, partOf, placeholdersIn } from './placeholders.js';

const HEX64 = /^[0-9a-fA-F]{64}$/;
/** `$$SCONE::name$$` (optionally with a format suffix and encoding): the docs allow these in many places (v0.3.10). */
const SCONE_VAR = /^\$\$SCONE::[^$]+\$\$$/;

/** An enclave measurement (MRENCLAVE, or the sim backend's measurement): 32 bytes, hex-encoded. */
export const Mrenclave = z.string().regex(HEX64, 'expected 64 hex characters (an MRENCLAVE)');
export type Mrenclave = z.infer<typeof Mrenclave>;

const SconeVariable = z.string().regex(SCONE_VAR, 'expected a $$SCONE::name$$ reference');
const MrenclaveOrVariable = z.union([Mrenclave, SconeVariable], { error: 'expected 64 hex characters (an MRENCLAVE) or $$SCONE::name$$' });
const Hex32Bytes = z.string().regex(HEX64, 'expected 64 hex characters (32 bytes)');

/** docs: session names match [A-Za-z0-9_\-.~]{1,128}; since v0.3.5 namespaces are written `company/project/name`. */
export const SessionName = z
  .string()
  .min(1, 'expected a non-empty name')
  .max(128, 'expected at most 128 characters')
  .regex(/^[A-Za-z0-9_.~-]+(\/[A-Za-z0-9_.~-]+)*$/, 'expected letters, digits, "_", "-", ".", "~", with "/" between namespace parts')
  .refine((n) => !n.split('/').some((p) => p === '.' || p === '..'), 'expected no "." or ".." parts');

/** Names of services (same character set as session names, no "/": config ids are `<session>/<service>`). */
export const LocalName = z
  .string()
  .min(1, 'expected a non-empty name')
  .max(128, 'expected at most 128 characters')
  .regex(/^[A-Za-z0-9_.~-]+$/, 'expected letters, digits, "_", "-", "." or "~"');

/** Version is a string: `version: 0.3` (a YAML number) is refused; "0.3" and "0.3.N" are accepted. */
export const SessionVersion = z.string().regex(/^0\.3(\.\d+)?$/, 'expected "0.3" (this schema covers session language 0.3)');

/** A reference to another session (docs: "Referencing Other Sessions"). */
const SconeIdShape = {
  session: z.string().min(1).optional(),
  // v0.3.6: export towards every session nested in a namespace.
  namespace: z.string().min(1).optional(),
  session_hash: Hex32Bytes.optional(),
  cas_url: z.string().min(1).optional(),
  cas_key: z.string().min(1).optional(),
  cas_software_key: z.string().min(1).optional(),
};
export const SconeId = z.strictObject(SconeIdShape);
export type SconeId = z.infer<typeof SconeId>;

/** Export entry: a SCONE id, or (volumes, v0.3.2) `{to: <id>, update_policy, volume_alias}`. */
export const ExportTarget = z
  .strictObject({
    ...SconeIdShape,
    to: SconeId.optional(),
    update_policy: z.enum(['ephemeral', 'rollback_protected', 'no_rollback_protection']).optional(),
    // v0.3.10
    volume_alias: z.string().min(1).optional(),
  })
  .refine((e) => e.session !== undefined || e.namespace !== undefined || e.to !== undefined, 'expected session, namespace or to');
export type ExportTarget = z.infer<typeof ExportTarget>;
/** docs show `export: {session: x}` as well as a list of such entries. */
const Exports = z.union([ExportTarget, z.array(ExportTarget)], { error: 'expected an export entry {session: …} or a list of them' });

// ---- access_policy -------------------------------------------------------------------------------------------

/** CREATOR, ANY, NONE, a certificate (PEM), a certificate key hash, $$SCONE::x$$ or (v0.3.10) {signer: <PEM>}. */
export type AccessEntry = string | { signer: string } | { [rule: string]: AccessEntry[] };
const Governance: z.ZodType<{ [rule: string]: AccessEntry[] }> = z.lazy(() =>
  z
    .record(z.string().regex(/^require-(all|at-least-\d+)$/, 'expected require-all or require-at-least-N'), z.array(AccessEntry))
    .refine((r) => Object.keys(r).length === 1, 'expected exactly one require-all / require-at-least-N rule'),
);
const AccessEntry: z.ZodType<AccessEntry> = z.lazy(() =>
  z.union([z.string().min(1), z.strictObject({ signer: z.string().min(1) }), Governance], {
    error: 'expected CREATOR, ANY, NONE, a certificate, a key hash, {signer: …} or a governance rule',
  }),
);
/** A list of entries, a single keyword / $$SCONE::x$$, or (v0.3.10) a governance rule. */
const AccessRules = z.union([z.string().min(1), z.array(AccessEntry), Governance], { error: 'expected a list of entries' });

export const AccessPolicy = z.union(
  [
    z.strictObject({
      read: AccessRules.optional(),
      update: AccessRules.optional(),
      // v0.3.5: who may create sessions in this session's namespace (default: as update).
      create_sessions: AccessRules.optional(),
    }),
    SconeVariable,
  ],
  { error: 'expected {read, update, create_sessions} or $$SCONE::name$$' },
);
export type AccessPolicy = z.infer<typeof AccessPolicy>;

// ---- security ------------------------------------------------------------------------------------------------

/** Tolerated platform weaknesses as listed in the docs (the MAA example also shows `debug` and `maa-managed-tcb`). */
export const Tolerate = z.enum([
  'debug-mode',
  'hyperthreading',
  'insecure-igpu',
  'software-hardening-needed',
  'aepic-leak',
  'insecure-configuration',
  'outdated-tcb',
  'maa-managed-tcb',
  // docs, MAA example only: `tolerate: [debug, maa-managed-tcb]`; unsure whether it differs from debug-mode.
  'debug',
]);
export type Tolerate = z.infer<typeof Tolerate>;

export const Attestation = z.strictObject({
  // docs: `hardware` (default), `none` (testing only; the original caddy session uses it), `maa` (v0.3.7).
  mode: z.enum(['hardware', 'none', 'maa']).optional(),
  tolerate: z.array(Tolerate).optional(),
  // docs show both `"*"` and a list of advisory ids (INTEL-SA-00xyz).
  ignore_advisories: z.union([z.literal('*'), z.array(z.string().min(1))], { error: 'expected "*" or a list of advisory ids' }).optional(),
  trusted_scone_qe_pubkeys: z.array(z.string().min(1)).optional(),
  // v0.3.8 (experimental): base32 TOTP secret or $$SCONE::x$$.
  one_time_password_shared_secret: z.string().min(1).optional(),
  // MAA (v0.3.7)
  url: z.string().min(1).optional(),
  certificates: z.array(z.string().min(1)).optional(),
  min_rsa_signing_key_size: z.number().int().positive().optional(),
});
export type Attestation = z.infer<typeof Attestation>;

export const Security = z.union(
  [
    z.strictObject({
      // v0.3.10: the attestation section may be a $$SCONE::x$$ config fragment.
      attestation: z.union([Attestation, SconeVariable], { error: 'expected a map or $$SCONE::name$$' }).optional(),
      // v0.3.9
      singleton_enclaves: z.boolean().optional(),
      // v0.3.9: a shared secret in plain text (lint CP003).
      service_access_token: z.string().min(1).optional(),
    }),
    SconeVariable,
  ],
  { error: 'expected a map or $$SCONE::name$$' },
);
export type Security = z.infer<typeof Security>;

// ---- services ------------------------------------------------------------------------------------------------

/** Environment names end up as `NAME=value`: no "=" and no NUL (docs: C strings). Values are strings (quote numbers). */
export const Environment = z.record(
  z.string().regex(/^[^=\0]+$/, 'expected an environment name without "=" or NUL'),
  z.string().regex(/^[^\0]*$/, 'expected no NUL byte'),
);
export type Environment = z.infer<typeof Environment>;

/** v0.3.7 signer-based attestation. */
export const SignerAttestation = z
  .strictObject({
    mrsigner: z.union([Hex32Bytes, SconeVariable], { error: 'expected 64 hex characters or $$SCONE::name$$' }),
    isvprodid: z.number().int().nonnegative(),
    isvsvn: z.number().int().nonnegative().optional(),
    isvsvn_min: z.number().int().nonnegative().optional(),
    isvsvn_max: z.number().int().nonnegative().optional(),
  })
  .refine((s) => s.isvsvn === undefined || (s.isvsvn_min === undefined && s.isvsvn_max === undefined), 'expected isvsvn or a range (isvsvn_min/isvsvn_max), not both');
export type SignerAttestation = z.infer<typeof SignerAttestation>;

/** One attestation variant: mrenclave (one or a list) and/or signer — or a $$SCONE::x$$ config fragment. */
export const AttestationVariant = z.union(
  [
    z
      .strictObject({
        mrenclave: z.union([MrenclaveOrVariable, z.array(MrenclaveOrVariable)], { error: 'expected an MRENCLAVE or a list of them' }).optional(),
        signer: SignerAttestation.optional(),
      })
      .refine((v) => v.mrenclave !== undefined || v.signer !== undefined, 'expected mrenclave and/or signer'),
    SconeVariable,
  ],
  { error: 'expected {mrenclave, signer} or $$SCONE::name$$' },
);
export type AttestationVariant = z.infer<typeof AttestationVariant>;

export const Service = z.strictObject({
  name: LocalName,
  image_name: z.string().min(1).optional(),
  // docs: "deprecated" in favour of attestation.mrenclave but still accepted in 0.3; the original session and our
  // contract (sim service) use it, and `bind` writes it.
  mrenclaves: z.array(Mrenclave).optional(),
  // v0.3.7: one variant or a list of independent variants.
  attestation: z.union([AttestationVariant, z.array(AttestationVariant)], { error: 'expected an attestation variant or a list of them' }).optional(),
  platforms: z.array(z.union([Hex32Bytes, SconeVariable], { error: 'expected 64 hex characters (a platform key) or $$SCONE::name$$' })).optional(),
  // a string split like a shell would, or (v0.3.5) a list of arguments.
  command: z.union([z.string(), z.array(z.string())], { error: 'expected string or list of strings' }).optional(),
  pwd: z.string().startsWith('/', 'expected an absolute path').optional(),
  environment: Environment.optional(),
  fspf_path: z.string().min(1).optional(),
  // 32 hex bytes or (v0.3.5) $$SCONE::x$$
  fspf_key: z.string().min(1).optional(),
  fspf_tag: z.string().min(1).optional(),
  // v0.3.11
  fspf_update_policy: z.enum(['rollback_protected_reinitializable', 'no_rollback_protection']).optional(),
  // v0.3.10
  one_time_password_shared_secret: z.string().min(1).optional(),
});
export type Service = z.infer<typeof Service>;

// ---- images, volumes -----------------------------------------------------------------------------------------

export const ImageVolume = z.strictObject({
  name: z.string().min(1),
  path: z.string().startsWith('/', 'expected an absolute path'),
  update_policy: z.enum(['rollback_protected', 'ephemeral', 'no_rollback_protection']).optional(),
});
export type ImageVolume = z.infer<typeof ImageVolume>;

/** A path (the file's content comes from the file system) or {path, content, permission}. */
export const InjectionFile = z.union(
  [
    z.string().startsWith('/', 'expected an absolute path'),
    z.strictObject({
      path: z.string().startsWith('/', 'expected an absolute path'),
      content: z.string().optional(),
      // docs show `permission: 0o100` (a YAML 1.2 octal integer); a string is accepted as well.
      permission: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
    }),
  ],
  { error: 'expected a path or {path, content}' },
);
export type InjectionFile = z.infer<typeof InjectionFile>;

export const Image = z.strictObject({
  name: z.string().min(1),
  volumes: z.array(ImageVolume).optional(),
  injection_files: z.array(InjectionFile).optional(),
});
export type Image = z.infer<typeof Image>;

export const Volume = z.strictObject({
  name: z.string().min(1),
  fspf_key: z.string().min(1).optional(),
  fspf_tag: z.string().min(1).optional(),
  export: Exports.optional(),
  import: z.strictObject({ ...SconeIdShape, volume: z.string().min(1) }).optional(),
});
export type Volume = z.infer<typeof Volume>;

// ---- secrets -------------------------------------------------------------------------------------------------

/** Secret kinds from the docs (0.3.x). */
export const SecretKind = z.enum(['ascii', 'binary', 'private-key', 'x509', 'x509-ca', 'aad-token', 'config-fragment', 'pgp-key']);
export type SecretKind = z.infer<typeof SecretKind>;

const OneOrMany = z.union([z.string().min(1), z.array(z.string().min(1))], { error: 'expected a string or a list of strings' });

export const Secret = z.strictObject({
  name: z.string().min(1),
  // required unless the secret is imported (import / import_akv: "kind is optional and will be inferred").
  kind: SecretKind.optional(),
  size: z.number().int().positive().optional(),
  // an explicit value: plain text in the policy (lint CP003). config-fragment values are structured.
  value: z.unknown().optional(),
  key_type: z.enum(['P-256', 'P-384', 'Ed25519', 'RSA-2048', 'RSA-3072']).optional(),
  migrate: z.boolean().optional(),
  // x509: name of a private-key secret; aad-token: a PEM private key.
  private_key: z.string().min(1).optional(),
  issuer: z.string().min(1).optional(),
  common_name: z.string().min(1).optional(),
  endpoint: z.enum(['server', 'client']).optional(),
  dns: OneOrMany.optional(),
  // v0.3.10: "dns:<name>" / "ip:<address>"
  san: OneOrMany.optional(),
  // docs show durations like `3560d`, `1 year`, `90 days` (see validForDays).
  valid_for: z.string().min(1).optional(),
  export: Exports.optional(),
  export_public: z.boolean().optional(),
  import: z.strictObject({ ...SconeIdShape, secret: z.string().min(1) }).optional(),
  // v0.3.7
  import_akv: z.strictObject({ vault: z.string().min(1), secret_name: z.string().min(1).optional(), token: z.string().min(1).optional() }).optional(),
  // aad-token (v0.3.7)
  tenant_id: z.string().min(1).optional(),
  client_id: z.string().min(1).optional(),
  application_secret: z.string().min(1).optional(),
  certificate_thumbprint: z.string().min(1).optional(),
});
export type Secret = z.infer<typeof Secret>;

/**
 * Days of a `valid_for` duration: `<n>d`, `<n> day(s)`, `<n>y`, `<n> year(s)` (365 days), `<n>h`, `<n> hour(s)`
 * (fractions of a day); undefined when the text is not such a duration.
 */
export function validForDays(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(d|days?|y|years?|h|hours?)\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] as string).toLowerCase()[0];
  const days = unit === 'y' ? n * 365 : unit === 'h' ? n / 24 : n;
  return days > 0 ? days : undefined;
}

/** Whether a secret gets its value from CAS (the sim service generates it) rather than from the policy or elsewhere. */
export function isGenerated(secret: Secret): boolean {
  return secret.value === undefined && secret.import === undefined && secret.import_akv === undefined;
}

type Issue = (path: (string | number)[], message: string) => void;

/** "a binary secret", "an ascii secret", "an imported secret". */
function aKind(kind: string | undefined): string {
  const word = kind ?? 'imported';
  return `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
}

/** Declarations of secrets: fields that fit the kind, references to a CA and a private key of this session. */
function checkSecrets(secrets: readonly Secret[], issue: Issue): void {
  const byName = new Map(secrets.map((s) => [s.name, s]));
  const imported = (s: Secret) => s.kind === undefined && (s.import !== undefined || s.import_akv !== undefined);
  secrets.forEach((secret, i) => {
    const at = (field: string) => ['secrets', i, field];
    const kind = secret.kind;
    if (secret.size !== undefined && kind !== 'ascii' && kind !== 'binary') issue(at('size'), `expected size only on ascii or binary secrets (this one is ${kind ?? 'imported'})`);
    if (secret.key_type !== undefined && kind !== 'private-key') issue(at('key_type'), `expected key_type only on private-key secrets (this one is ${kind ?? 'imported'})`);
    if (secret.export_public && (kind === 'ascii' || kind === 'binary')) {
      issue(at('export_public'), `expected export_public only on x509-ca, x509 or private-key secrets (${aKind(kind)} secret has no public part)`);
    }
    if (secret.valid_for !== undefined && validForDays(secret.valid_for) === undefined) issue(at('valid_for'), 'expected a duration such as 365d, 90 days or 1 year');
    (Array.isArray(secret.san) ? secret.san : secret.san === undefined ? [] : [secret.san]).forEach((entry, j) => {
      const m = /^(dns|ip):(.+)$/.exec(entry);
      const path = Array.isArray(secret.san) ? ['secrets', i, 'san', j] : at('san');
      if (!m) issue(path, 'expected "dns:<name>" or "ip:<address>"');
      else if (m[1] === 'ip' && isIP(m[2] as string) === 0) issue(path, `expected an IP address after "ip:", got "${m[2]}"`);
    });
    if (kind !== 'x509' && kind !== 'x509-ca') return;
    const generated = isGenerated(secret);
    if (secret.issuer !== undefined) {
      const ca = byName.get(secret.issuer);
      if (!ca) issue(at('issuer'), `expected the name of an x509-ca secret of this session; "${secret.issuer}" names no secret`);
      else if (ca.kind !== 'x509-ca' && !imported(ca)) issue(at('issuer'), `expected the name of an x509-ca secret; "${secret.issuer}" is ${aKind(ca.kind)} secret`);
      else if (ca.kind === 'x509-ca') {
        // an x509-ca may be signed by another CA of the session; its chain must end in a CA without issuer. A loop
        // is reported once, at its first secret.
        const seen = [secret.name];
        for (let next: Secret | undefined = ca; next !== undefined; next = next.issuer === undefined ? undefined : byName.get(next.issuer)) {
          if (next.name === secret.name) {
            const first = Math.min(...seen.map((n) => secrets.findIndex((s) => s.name === n)));
            if (first === i) issue(at('issuer'), `expected a chain of CAs that ends; "${secret.issuer}" leads back to "${secret.name}"`);
            break;
          }
          if (seen.includes(next.name)) break; // a loop further up, reported at its own first secret
          seen.push(next.name);
        }
      }
    } else if (kind === 'x509' && generated) {
      issue(at('issuer'), 'expected the name of an x509-ca secret of this session (the CA that signs this certificate)');
    }
    if (secret.private_key !== undefined) {
      const key = byName.get(secret.private_key);
      if (!key) issue(at('private_key'), `expected the name of a private-key secret of this session; "${secret.private_key}" names no secret`);
      else if (key.kind !== 'private-key' && !imported(key)) issue(at('private_key'), `expected the name of a private-key secret; "${secret.private_key}" is ${aKind(key.kind)} secret`);
    } else if (generated) {
      issue(at('private_key'), `expected the name of a private-key secret of this session (the key of this ${kind})`);
    }
  });
}

/** Placeholders in commands, environment values and injection files name a secret and a part its kind has. */
function checkPlaceholders(session: { services?: Service[]; images?: Image[]; secrets?: Secret[] }, issue: Issue): void {
  const byName = new Map((session.secrets ?? []).map((s) => [s.name, s]));
  const check = (text: string, path: (string | number)[], where: string | undefined) => {
    for (const p of placeholdersIn(text, (n) => byName.has(n))) {
      const secret = byName.get(p.name);
      if (!secret) {
        issue(path, `${p.text} names no secret of this session (define or import it under secrets)`);
        continue;
      }
      const kind = secret.kind;
      if (kind === undefined || !knowsKind(kind)) continue;
      const part = partOf(kind, p);
      if (part === undefined) {
        const asked = p.legacy ? `.${p.format}` : `:${p.format}`;
        issue(path, `${p.text}: ${aKind(kind)} secret has no ${asked} part (expected the default form or one of ${formatsOf(kind).join(', ')})`);
      } else if (where !== undefined && isBinaryPart(kind, part)) {
        issue(path, `${p.text}: raw bytes cannot go into ${where}; use ${kind === 'binary' ? ':hex' : 'a PEM form'}`);
      }
    }
  };
  session.services?.forEach((service, i) => {
    if (typeof service.command === 'string') check(service.command, ['services', i, 'command'], 'a command');
    else service.command?.forEach((arg, j) => check(arg, ['services', i, 'command', j], 'a command'));
    for (const [name, value] of Object.entries(service.environment ?? {})) check(value, ['services', i, 'environment', name], 'an environment value');
  });
  session.images?.forEach((image, i) =>
    image.injection_files?.forEach((file, j) => {
      if (typeof file === 'object' && file.content !== undefined) check(file.content, ['images', i, 'injection_files', j, 'content'], undefined);
    }),
  );
}

/** A normalised absolute path: no empty, "." or ".." parts, no trailing "/" (the root itself is no volume). */
function isNormalisedDir(path: string): boolean {
  return /^(\/[^/\0]+)+$/.test(path) && !path.split('/').some((p) => p === '.' || p === '..');
}

/**
 * Volumes: an image's volume names a volume of the session, at a normalised absolute path that no other volume of
 * the image contains or lies in (a file belongs to one volume), once per image.
 */
function checkVolumes(session: { services?: Service[]; images?: Image[]; volumes?: Volume[] }, issue: Issue): void {
  const declared = new Set((session.volumes ?? []).map((v) => v.name));
  session.images?.forEach((image, i) => {
    const seen = new Map<string, number>();
    image.volumes?.forEach((volume, j) => {
      const at = (field: string) => ['images', i, 'volumes', j, field];
      if (!declared.has(volume.name)) issue(at('name'), `expected the name of a volume of this session (under volumes); "${volume.name}" names none`);
      const first = seen.get(volume.name);
      if (first !== undefined) issue(at('name'), `volume "${volume.name}" is mounted twice in image "${image.name}" (first at images[${i}].volumes[${first}])`);
      else seen.set(volume.name, j);
      if (!isNormalisedDir(volume.path)) {
        issue(at('path'), 'expected a normalised absolute directory path below / (no "//", ".", ".." or trailing "/")');
        return;
      }
      image.volumes?.forEach((other, k) => {
        if (k >= j || !isNormalisedDir(other.path)) return;
        const nested = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
        if (nested(volume.path, other.path) || nested(other.path, volume.path)) {
          issue(at('path'), `${volume.path} overlaps ${other.path} of images[${i}].volumes[${k}]: expected disjoint volume paths`);
        }
      });
    });
  });
}

// ---- network shield ------------------------------------------------------------------------------------------

/** The settings of one network-shield port (SCONE's variable convention): `SCONE_NETWORK_SHIELD_<side>_<id><suffix>`. */
const SHIELD_SUFFIXES = {
  SERVER: ['', '_PORT', '_CERT', '_KEY', '_CA', '_ALPN'],
  CLIENT: ['', '_PORT', '_HOST', '_SERVER_NAME', '_CERT', '_KEY', '_CA', '_ALPN'],
} as const;
const SHIELD_VAR = /^SCONE_NETWORK_SHIELD_(SERVER|CLIENT)_([A-Za-z0-9]+)(_PORT|_HOST|_SERVER_NAME|_CERT|_KEY|_CA|_ALPN)?$/;
const SHIELD_FILES = ['_CERT', '_KEY', '_CA'];

/**
 * The network shield's variables in a service's environment: known names, a port per declared id, the files it needs
 * for its mode (paths of the image's injected files, never PEM in the environment), ALPN lists, one server per port.
 */
function checkNetworkShield(session: { services?: Service[]; images?: Image[] }, issue: Issue): void {
  session.services?.forEach((service, i) => {
    const env = service.environment ?? {};
    const at = (name: string) => ['services', i, 'environment', name];
    const image = session.images?.find((im) => im.name === service.image_name);
    const injected = new Set((image?.injection_files ?? []).map((f) => (typeof f === 'string' ? f : f.path)));
    const ports = new Map<string, { side: 'SERVER' | 'CLIENT'; id: string; settings: Map<string, string> }>();
    for (const [name, value] of Object.entries(env)) {
      if (!name.startsWith('SCONE_NETWORK_SHIELD')) continue;
      if (name === 'SCONE_NETWORK_SHIELD') {
        if (!['disabled', 'unprotected', 'protected'].includes(value)) issue(at(name), 'expected disabled, unprotected or protected');
        continue;
      }
      if (name === 'SCONE_NETWORK_SHIELD_UNSUPPORTED_PROTOCOLS') {
        if (!['unprotected', 'refuse'].includes(value)) issue(at(name), 'expected unprotected or refuse');
        continue;
      }
      const m = SHIELD_VAR.exec(name);
      if (!m) {
        issue(at(name), 'expected SCONE_NETWORK_SHIELD, SCONE_NETWORK_SHIELD_UNSUPPORTED_PROTOCOLS or SCONE_NETWORK_SHIELD_{SERVER,CLIENT}_<letters and digits>[_PORT|_HOST|_SERVER_NAME|_CERT|_KEY|_CA|_ALPN]');
        continue;
      }
      const side = m[1] as 'SERVER' | 'CLIENT';
      const suffix = m[3] ?? '';
      if (!(SHIELD_SUFFIXES[side] as readonly string[]).includes(suffix)) {
        issue(at(name), `expected one of ${SHIELD_SUFFIXES[side].filter(Boolean).join(', ')} or none after SCONE_NETWORK_SHIELD_${side}_<id> (${suffix} is a client setting)`);
        continue;
      }
      const key = `${side}_${m[2]}`;
      const port = ports.get(key) ?? { side, id: m[2] as string, settings: new Map<string, string>() };
      ports.set(key, port);
      port.settings.set(suffix, value);
      if (suffix === '' && value !== 'tls' && value !== 'mutual-tls') issue(at(name), 'expected tls or mutual-tls');
      if (suffix === '_PORT' && !(/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535)) issue(at(name), 'expected a TCP port (1-65535)');
      if (suffix === '_ALPN' && value !== 'none' && !value.split(',').every((p) => p.length >= 1 && p.length <= 255)) issue(at(name), 'expected protocols separated by commas (such as h2,http/1.1), or none');
      if ((suffix === '_HOST' || suffix === '_SERVER_NAME') && !/^[A-Za-z0-9.:-]+$/.test(value)) issue(at(name), 'expected a host name or an IP address');
      if (SHIELD_FILES.includes(suffix)) {
        if (value.includes('-----BEGIN')) issue(at(name), 'expected the path of an injected file, not the PEM itself (the environment is readable in /proc/<pid>/environ)');
        else if (!injected.has(value)) issue(at(name), `expected the path of an injected file of image "${service.image_name ?? '(none)'}" (its certificates and keys come from the policy only); ${value} is none`);
      }
    }
    const servers = new Map<string, string>();
    for (const { side, id, settings } of ports.values()) {
      const base = `SCONE_NETWORK_SHIELD_${side}_${id}`;
      const first = [...settings.keys()][0] ?? '';
      const need = (suffix: string, why: string) => {
        if (!settings.has(suffix)) issue(at(`${base}${first}`), `expected ${base}${suffix} too (${why})`);
      };
      need('_PORT', 'every declaration names its port');
      const mutual = settings.get('') === 'mutual-tls';
      if (side === 'SERVER') {
        need('_CERT', 'the certificate the server presents');
        need('_KEY', 'its private key');
        if (mutual) need('_CA', 'mutual-tls: the CA client certificates chain to');
        const port = settings.get('_PORT');
        if (port !== undefined) {
          const other = servers.get(port);
          if (other) issue(at(`${base}_PORT`), `port ${port} is already wrapped by ${other}_PORT`);
          else servers.set(port, base);
        }
      } else {
        need('_HOST', 'the destination the shield wraps');
        need('_CA', 'the CA the peer must chain to');
        if (mutual) {
          need('_CERT', 'mutual-tls: the client certificate the shield presents');
          need('_KEY', 'its private key');
        }
      }
    }
  });
}

// ---- session -------------------------------------------------------------------------------------------------

function duplicates(items: readonly { name: string }[] | undefined, section: string, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  items?.forEach((item, i) => {
    const first = seen.get(item.name);
    if (first === undefined) seen.set(item.name, i);
    else ctx.addIssue({ code: 'custom', path: [section, i, 'name'], message: `duplicate name "${item.name}" (first at ${section}[${first}])` });
  });
}

export const Session = z
  .strictObject({
    name: SessionName,
    version: SessionVersion,
    // docs: "has to be 32 hex encoded bytes"; not permitted when creating a session.
    predecessor: Hex32Bytes.optional(),
    access_policy: AccessPolicy.optional(),
    security: Security.optional(),
    services: z.array(Service).optional(),
    images: z.array(Image).optional(),
    volumes: z.array(Volume).optional(),
    secrets: z.array(Secret).optional(),
    // v0.3.10 secret backends: `store_in: !akv {token, vault}` / `store_in: !cas` use YAML tags; the structure
    // beyond store_in is not checked here (unsure how tags survive other YAML tooling).
    secret_config: z.strictObject({ store_in: z.unknown() }).optional(),
  })
  .superRefine((session, ctx) => {
    duplicates(session.services, 'services', ctx);
    duplicates(session.images, 'images', ctx);
    duplicates(session.volumes, 'volumes', ctx);
    duplicates(session.secrets, 'secrets', ctx);
    session.services?.forEach((service, i) => {
      const path = ['services', i, 'command'];
      if (Array.isArray(service.command)) {
        if (service.command.length === 0) ctx.addIssue({ code: 'custom', path, message: 'expected a program name, got an empty list' });
        service.command.forEach((arg, j) => {
          if (arg.includes('\0')) ctx.addIssue({ code: 'custom', path: [...path, j], message: 'expected no NUL byte' });
        });
        return;
      }
      if (service.command === undefined) return;
      try {
        if (splitCommand(service.command).length === 0) ctx.addIssue({ code: 'custom', path, message: 'expected a program name, got an empty command' });
      } catch (error) {
        if (!(error instanceof CommandSyntaxError)) throw error;
        ctx.addIssue({ code: 'custom', path, message: `cannot split into arguments: ${error.message}` });
      }
    });
    session.secrets?.forEach((secret, i) => {
      if (secret.kind === undefined && secret.import === undefined && secret.import_akv === undefined) {
        ctx.addIssue({ code: 'custom', path: ['secrets', i, 'kind'], message: 'expected a kind (required unless the secret is imported)' });
      }
      if (secret.import !== undefined && secret.import_akv !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['secrets', i, 'import_akv'], message: 'import and import_akv are mutually exclusive' });
      }
      if (secret.value !== undefined && secret.kind !== 'config-fragment' && typeof secret.value !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['secrets', i, 'value'], message: 'expected string (only config-fragment values are structured)' });
      }
    });
    const issue: Issue = (path, message) => ctx.addIssue({ code: 'custom', path, message });
    checkSecrets(session.secrets ?? [], issue);
    checkPlaceholders(session, issue);
    checkVolumes(session, issue);
    checkNetworkShield(session, issue);
  });
export type Session = z.infer<typeof Session>;

/** The argv of a service: the list as given, or the command string split into words. */
export function serviceArgv(service: Service): string[] {
  if (service.command === undefined) return [];
  return Array.isArray(service.command) ? [...service.command] : splitCommand(service.command);
}

/**
 * Measurements that can obtain the service's configuration without a signer: `mrenclaves` plus the mrenclave lists
 * of attestation variants that have no signer factor ($$SCONE::x$$ references are not resolved).
 */
export function serviceMeasurements(service: Service): string[] {
  const out = new Set((service.mrenclaves ?? []).map((m) => m.toLowerCase()));
  const variants = service.attestation === undefined ? [] : Array.isArray(service.attestation) ? service.attestation : [service.attestation];
  for (const v of variants) {
    if (typeof v === 'string' || v.signer !== undefined || v.mrenclave === undefined) continue;
    for (const m of Array.isArray(v.mrenclave) ? v.mrenclave : [v.mrenclave]) if (HEX64.test(m)) out.add(m.toLowerCase());
  }
  return [...out];
}
