// `$$SCONE::name$$` placeholders: the session language's references to secrets in commands, environment values and
// injection files. Forms (docs, v0.3.5 formats and the older suffixes the examples still use):
//   $$SCONE::name$$            the secret in its default form
//   $$SCONE::name:format$$     crt, crt:pem, crt:der, pem, der, chain, privatekey[:pem|:der|:pkcs8:pem|:pkcs8:der],
//                              pkcs8:pem, pkcs8:der, bin, hex
//   $$SCONE::name.crt$$ / .key / .chain / .hex   (legacy suffixes)
//   $$SCONE::name…|encoding$$  an encoding after "|" (e.g. escape(json)); kept as written, not applied by the sim
import type { SecretKind } from './schema.js';

/** What a placeholder stands for, independent of the secret's kind. */
export type SecretPart = 'value' | 'hex' | 'key-pem' | 'key-der' | 'crt-pem' | 'crt-der' | 'chain';

export interface Placeholder {
  /** The whole `$$SCONE::…$$` text. */
  text: string;
  /** Offset of the placeholder in the string. */
  index: number;
  /** The secret's name as written (before a format or legacy suffix). */
  name: string;
  /** `:format` without the colon, or the legacy suffix (`.crt` → "crt"); undefined for the default form. */
  format?: string;
  /** Whether the format came as a legacy `.suffix` (only then may `name` include the suffix itself). */
  legacy: boolean;
  /** Text after `|`, if any. */
  encoding?: string;
}

const PLACEHOLDER = /\$\$SCONE::([^$]+?)\$\$/g;
const LEGACY = /^(.+)\.(crt|key|chain|hex)$/;

/**
 * The placeholders of a string. `isSecret` decides whether `name.crt` is a secret of its own or `name` with a legacy
 * suffix (a session may name a secret "tls.crt").
 */
export function placeholdersIn(text: string, isSecret: (name: string) => boolean = () => false): Placeholder[] {
  const out: Placeholder[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const body = match[1] as string;
    const bar = body.indexOf('|');
    const head = bar < 0 ? body : body.slice(0, bar);
    const encoding = bar < 0 ? undefined : body.slice(bar + 1);
    const colon = head.indexOf(':');
    let name = colon < 0 ? head : head.slice(0, colon);
    let format = colon < 0 ? undefined : head.slice(colon + 1);
    let legacy = false;
    const suffix = LEGACY.exec(name);
    if (colon < 0 && suffix && !isSecret(name)) {
      name = suffix[1] as string;
      format = suffix[2] as string;
      legacy = true;
    }
    out.push({ text: match[0], index: match.index, name, format, legacy, ...(encoding === undefined ? {} : { encoding }) });
  }
  return out;
}

const KEY_FORMATS: Record<string, SecretPart> = {
  pem: 'key-pem',
  'pkcs8:pem': 'key-pem',
  der: 'key-der',
  'pkcs8:der': 'key-der',
  privatekey: 'key-pem',
  'privatekey:pem': 'key-pem',
  'privatekey:pkcs8:pem': 'key-pem',
  'privatekey:der': 'key-der',
  'privatekey:pkcs8:der': 'key-der',
};
const CERT_FORMATS: Record<string, SecretPart> = {
  crt: 'crt-pem',
  'crt:pem': 'crt-pem',
  pem: 'crt-pem',
  'crt:der': 'crt-der',
  der: 'crt-der',
  chain: 'chain',
  privatekey: 'key-pem',
  'privatekey:pem': 'key-pem',
  'privatekey:pkcs8:pem': 'key-pem',
  'privatekey:der': 'key-der',
  'privatekey:pkcs8:der': 'key-der',
};

/** Formats per kind (default form under ""); legacy suffixes are the `.crt` / `.key` / `.chain` / `.hex` forms. */
const FORMATS: Partial<Record<SecretKind, { formats: Record<string, SecretPart>; legacy: Record<string, SecretPart> }>> = {
  ascii: { formats: { '': 'value', bin: 'value', hex: 'hex' }, legacy: { hex: 'hex' } },
  binary: { formats: { '': 'value', bin: 'value', hex: 'hex' }, legacy: { hex: 'hex' } },
  'private-key': { formats: { '': 'key-pem', ...KEY_FORMATS }, legacy: { key: 'key-pem' } },
  x509: { formats: { '': 'crt-pem', ...CERT_FORMATS }, legacy: { crt: 'crt-pem', key: 'key-pem', chain: 'chain' } },
  'x509-ca': { formats: { '': 'crt-pem', ...CERT_FORMATS }, legacy: { crt: 'crt-pem', key: 'key-pem', chain: 'chain' } },
};

/** Kinds whose parts this package knows (the others — aad-token, config-fragment, pgp-key — are not checked). */
export function knowsKind(kind: SecretKind | undefined): boolean {
  return kind !== undefined && FORMATS[kind] !== undefined;
}

/** The part a placeholder asks of a secret of `kind`, or undefined when that kind has no such part. */
export function partOf(kind: SecretKind, placeholder: Pick<Placeholder, 'format' | 'legacy'>): SecretPart | undefined {
  const table = FORMATS[kind];
  if (!table) return undefined;
  return placeholder.legacy ? table.legacy[placeholder.format ?? ''] : table.formats[placeholder.format ?? ''];
}

/** The formats a kind accepts, for messages. */
export function formatsOf(kind: SecretKind): string[] {
  const table = FORMATS[kind];
  if (!table) return [];
  return [...Object.keys(table.formats).filter((f) => f !== '').map((f) => `:${f}`), ...Object.keys(table.legacy).map((f) => `.${f}`)];
}

/** Parts that are raw bytes and cannot go into an argument or an environment value (NUL, invalid UTF-8). */
export function isBinaryPart(kind: SecretKind, part: SecretPart): boolean {
  return part === 'key-der' || part === 'crt-der' || (kind === 'binary' && part === 'value');
}
