// The SCONE session language (v0.3), as documented at sconedocs.github.io/CAS_session_lang_0_3 and shown in its
// examples. Objects are strict: a key the language does not know is an error at its path. The key order of each
// shape is the canonical order used when rendering (see bind.ts), so keep it stable.
//
// Where the docs are unsure or only show examples, we accept what they show and say so beside the field.
import { z } from 'zod';
import { CommandSyntaxError, splitCommand } from './argv.js';

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** An enclave measurement (MRENCLAVE, or the sim backend's measurement): 64 hex characters. */
export const Mrenclave = z.string().regex(HEX64, 'expected 64 hex characters (an MRENCLAVE)');
export type Mrenclave = z.infer<typeof Mrenclave>;

/** Session names: the docs allow a namespace prefix (`ns/name`, older convention `ns~name`). */
export const SessionName = z
  .string()
  .min(1, 'expected a non-empty name')
  .max(128, 'expected at most 128 characters')
  .regex(/^[A-Za-z0-9_.~-]+(\/[A-Za-z0-9_.~-]+)*$/, 'expected letters, digits, "_", "-", ".", "~", with "/" between namespace parts')
  .refine((n) => !n.split('/').some((p) => p === '.' || p === '..'), 'expected no "." or ".." parts');

/** Names of services, images, volumes and secrets: referenced as `session/service`, so no "/". */
export const LocalName = z
  .string()
  .min(1, 'expected a non-empty name')
  .regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, "_", "-" or "."');

/** Version is a string: `version: 0.3` (a YAML number) is refused; 0.3 and its patch levels (0.3.11) are accepted. */
export const SessionVersion = z.string().regex(/^0\.3(\.\d+)?$/, 'expected "0.3" (this schema covers session language 0.3)');

/** `read`/`update` entries: CREATOR, ANY, NONE, a certificate (PEM) or a key hash — the docs list these forms. */
export const AccessPolicy = z.strictObject({
  read: z.array(z.string().min(1)).optional(),
  update: z.array(z.string().min(1)).optional(),
  // docs (0.3.x): who may create sessions in this session's namespace; shown like read/update.
  create_sessions: z.array(z.string().min(1)).optional(),
});
export type AccessPolicy = z.infer<typeof AccessPolicy>;

/** Tolerated platform weaknesses as listed in the docs; an unlisted value is an error (tell us if SCONE adds one). */
export const Tolerate = z.enum([
  'debug-mode',
  'hyperthreading',
  'outdated-tcb',
  'insecure-igpu',
  'software-hardening-needed',
  'insecure-configuration',
]);
export type Tolerate = z.infer<typeof Tolerate>;

export const Attestation = z.strictObject({
  // docs: `hardware` (default) or `none` (testing only; the original caddy session uses it). Later docs add
  // `maa` (Microsoft Azure Attestation); accepted as shown, unsure which CAS versions know it.
  mode: z.enum(['hardware', 'none', 'maa']).optional(),
  tolerate: z.array(Tolerate).optional(),
  // docs show both `"*"` and a list of advisory ids (INTEL-SA-00xyz).
  ignore_advisories: z
    .union([z.literal('*'), z.array(z.string().min(1))], { error: 'expected "*" or a list of advisory ids' })
    .optional(),
  trusted_scone_qe_pubkeys: z.array(z.string().min(1)).optional(),
});
export type Attestation = z.infer<typeof Attestation>;

export const Security = z.strictObject({ attestation: Attestation.optional() });
export type Security = z.infer<typeof Security>;

/** Environment names end up as `NAME=value`: no "=" and no NUL. Values are strings (quote numbers). */
export const Environment = z.record(
  z.string().regex(/^[^=\0]+$/, 'expected an environment name without "=" or NUL'),
  z.string(),
);
export type Environment = z.infer<typeof Environment>;

export const Service = z.strictObject({
  name: LocalName,
  image_name: z.string().min(1).optional(),
  mrenclaves: z.array(Mrenclave).optional(),
  // docs (microcode page): permitted platform ids of the service; shown as a list of strings.
  platforms: z.array(z.string().min(1)).optional(),
  command: z.string().optional(),
  pwd: z.string().startsWith('/', 'expected an absolute path').optional(),
  environment: Environment.optional(),
  fspf_path: z.string().min(1).optional(),
  fspf_key: z.string().min(1).optional(),
  fspf_tag: z.string().min(1).optional(),
});
export type Service = z.infer<typeof Service>;

export const ImageVolume = z.strictObject({ name: LocalName, path: z.string().startsWith('/', 'expected an absolute path') });
export type ImageVolume = z.infer<typeof ImageVolume>;

export const InjectionFile = z.strictObject({
  path: z.string().startsWith('/', 'expected an absolute path'),
  content: z.string(),
});
export type InjectionFile = z.infer<typeof InjectionFile>;

export const Image = z.strictObject({
  name: LocalName,
  volumes: z.array(ImageVolume).optional(),
  injection_files: z.array(InjectionFile).optional(),
});
export type Image = z.infer<typeof Image>;

/** Export target of a secret or volume: another session (0.3: optionally on another CAS, pinned by hash/key). */
export const ExportTarget = z.strictObject({
  session: z.string().min(1),
  session_hash: z.string().min(1).optional(),
  session_key: z.string().min(1).optional(),
  cas_url: z.string().min(1).optional(),
  cas_key: z.string().min(1).optional(),
});
export type ExportTarget = z.infer<typeof ExportTarget>;

export const Volume = z.strictObject({
  name: LocalName,
  fspf_tag: z.string().min(1).optional(),
  fspf_key: z.string().min(1).optional(),
  export: z.array(ExportTarget).optional(),
  import: z.strictObject({ session: z.string().min(1), volume: LocalName }).optional(),
});
export type Volume = z.infer<typeof Volume>;

/** Secret kinds from the docs; `service-provided` means the value comes from the service at run time. */
export const SecretKind = z.enum([
  'ascii',
  'binary',
  'service-provided',
  'private-key',
  'public-key',
  'x509',
  'x509-ca',
  'aes-gcm-128-key',
  'aes-gcm-256-key',
  'aad-token',
]);
export type SecretKind = z.infer<typeof SecretKind>;

export const Secret = z.strictObject({
  name: LocalName,
  // required unless the secret is imported (the docs' import examples carry no kind).
  kind: SecretKind.optional(),
  // docs: x509 keys: `key_type: P-384` etc.; shown as a string.
  key_type: z.string().min(1).optional(),
  size: z.number().int().positive().optional(),
  // an explicit value: plain text in the policy (lint CP003).
  value: z.string().optional(),
  private_key: LocalName.optional(),
  issuer: LocalName.optional(),
  common_name: z.string().min(1).optional(),
  endpoint: z.enum(['server', 'client']).optional(),
  dns: z.array(z.string().min(1)).optional(),
  // docs show durations like `3560d`.
  valid_for: z.string().min(1).optional(),
  migrate: z.boolean().optional(),
  // docs show `export` both as a list of sessions and as `"*"` (any session); accepted as shown.
  export: z.union([z.literal('*'), z.array(ExportTarget)], { error: 'expected "*" or a list of {session: …}' }).optional(),
  export_public: z.boolean().optional(),
  import: z.strictObject({ session: z.string().min(1), secret: LocalName }).optional(),
});
export type Secret = z.infer<typeof Secret>;

function duplicates(
  items: readonly { name: string }[] | undefined,
  section: string,
  ctx: z.RefinementCtx,
): void {
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
    // the hash of the session this one replaces (required by CAS for updates).
    predecessor: z.string().min(1).optional(),
    access_policy: AccessPolicy.optional(),
    security: Security.optional(),
    services: z.array(Service).optional(),
    images: z.array(Image).optional(),
    volumes: z.array(Volume).optional(),
    secrets: z.array(Secret).optional(),
  })
  .superRefine((session, ctx) => {
    duplicates(session.services, 'services', ctx);
    duplicates(session.images, 'images', ctx);
    duplicates(session.volumes, 'volumes', ctx);
    duplicates(session.secrets, 'secrets', ctx);
    session.services?.forEach((service, i) => {
      if (service.command === undefined) return;
      try {
        if (splitCommand(service.command).length === 0) {
          ctx.addIssue({ code: 'custom', path: ['services', i, 'command'], message: 'expected a program name, got an empty command' });
        }
      } catch (error) {
        if (!(error instanceof CommandSyntaxError)) throw error;
        ctx.addIssue({ code: 'custom', path: ['services', i, 'command'], message: `cannot split into arguments: ${error.message}` });
      }
    });
    session.secrets?.forEach((secret, i) => {
      if (secret.kind === undefined && secret.import === undefined) {
        ctx.addIssue({ code: 'custom', path: ['secrets', i, 'kind'], message: 'expected a kind (required unless the secret is imported)' });
      }
    });
  });
export type Session = z.infer<typeof Session>;
