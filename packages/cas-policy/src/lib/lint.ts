// Lint: things that are valid session language but weaken the policy. Each finding has a code; `strict` makes
// them errors.
import { issuePath, PolicyError, type PolicyIssue } from './errors.js';
import { positionOf } from '@confidential/kit';
import type { LoadedSession } from './load.js';
import { placeholdersIn } from './placeholders.js';

export const LINT_RULES = {
  CP001: 'attestation disabled (security.attestation.mode: none)',
  CP002: 'debug enclaves allowed (security.attestation.tolerate: debug-mode / debug)',
  CP003: 'secret in plain text in the policy (secret value, service access token, AAD application secret)',
  CP004: 'environment name in the SCONE_* namespace (collides with the runtime configuration)',
  CP005: 'all security advisories ignored (ignore_advisories: "*")',
  CP006: 'service image_name not defined in images',
  CP007: 'service without mrenclaves or attestation (no enclave can attest as it)',
  CP008: '$$SCONE::name$$ placeholder outside commands, environment and injection files naming a secret that the session does not define',
} as const;

/** Fields whose placeholders the schema checks already (and secret values, which are not policy text). */
function schemaChecked(path: readonly (string | number)[], key: string): boolean {
  const [section, , field] = path;
  if (path.length === 2 && section === 'services') return key === 'command' || key === 'environment';
  if (path.length === 4 && section === 'images' && field === 'injection_files') return key === 'content';
  if (path.length === 2 && section === 'secrets') return key === 'value';
  return false;
}

/** Secret names referenced by `$$SCONE::name[:format][|encoding]$$` placeholders in a string. */
export function secretReferences(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\$\$SCONE::([^$:|]+)[^$]*\$\$/g)) names.push(match[1] as string);
  return names;
}
export type LintCode = keyof typeof LINT_RULES;

export interface LintOptions {
  /** Findings become errors. */
  strict?: boolean;
  /** Codes to skip, e.g. ['CP001'] for a session that is meant for testing. */
  ignore?: readonly LintCode[];
}

export function lintSession(loaded: LoadedSession, options: LintOptions = {}): PolicyIssue[] {
  const { session } = loaded;
  const found: PolicyIssue[] = [];
  const add = (code: LintCode, path: (string | number)[], message: string, at: 'key' | 'value' = 'value') => {
    if (options.ignore?.includes(code)) return;
    found.push({
      file: loaded.file,
      ...positionOf(loaded, path, at),
      path: issuePath(path),
      message,
      severity: options.strict ? 'error' : 'warning',
      code,
    });
  };
  const security = typeof session.security === 'object' ? session.security : undefined;
  const attestation = typeof security?.attestation === 'object' ? security.attestation : undefined;
  if (attestation?.mode === 'none') {
    add('CP001', ['security', 'attestation', 'mode'], 'attestation is disabled: any program can obtain this policy (testing only)');
  }
  attestation?.tolerate?.forEach((t, i) => {
    if (t === 'debug-mode' || t === 'debug') {
      add('CP002', ['security', 'attestation', 'tolerate', i], `${t} enclaves are accepted: their memory can be read by the host`);
    }
  });
  if (attestation?.ignore_advisories === '*') {
    add('CP005', ['security', 'attestation', 'ignore_advisories'], 'every security advisory is ignored; list the ones you accept');
  }
  if (security?.service_access_token !== undefined) {
    add('CP003', ['security', 'service_access_token'], 'the service access token is in plain text; import it from another session');
  }
  session.secrets?.forEach((secret, i) => {
    if (secret.value !== undefined && secret.kind !== 'config-fragment') {
      add('CP003', ['secrets', i, 'value'], `secret "${secret.name}" has its value in plain text; let CAS generate it or import it`);
    }
    if (secret.application_secret !== undefined) {
      add('CP003', ['secrets', i, 'application_secret'], `secret "${secret.name}" has its AAD application secret in plain text`);
    }
  });
  const images = new Set(session.images?.map((image) => image.name));
  session.services?.forEach((service, i) => {
    for (const name of Object.keys(service.environment ?? {})) {
      if (name.startsWith('SCONE_') && !name.startsWith('SCONE_NETWORK_SHIELD')) { // the network shield is the policy's to set
        add('CP004', ['services', i, 'environment', name], `${name} is read by the SCONE runtime; set in the policy it collides with the container's setting`, 'key');
      }
    }
    if (service.image_name !== undefined && !images.has(service.image_name)) {
      add('CP006', ['services', i, 'image_name'], `image "${service.image_name}" is not defined in images`);
    }
    if ((service.mrenclaves ?? []).length === 0 && service.attestation === undefined) {
      add('CP007', ['services', i], `service "${service.name}" has no mrenclaves; bind a measurement (cas-policy bind) — with attestation on, CAS refuses it`);
    }
  });
  // CP008: commands, environment values and injection files are checked by the schema (an error there); any other
  // string of the policy (platforms, attestation, fspf_key, tokens, …) naming no secret is a finding here.
  const secrets = new Set(session.secrets?.map((secret) => secret.name));
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === 'string') {
      for (const p of placeholdersIn(value, (n) => secrets.has(n))) {
        if (!secrets.has(p.name)) add('CP008', path, `${p.text} names no secret of this session (define or import it under secrets)`);
      }
    } else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (schemaChecked(path, key)) continue;
        walk(item, [...path, key]);
      }
    }
  };
  walk(session, []);
  return found.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** Lints and throws a PolicyError when strict and anything was found; returns the warnings otherwise. */
export function lintOrThrow(loaded: LoadedSession, options: LintOptions = {}): PolicyIssue[] {
  const issues = lintSession(loaded, options);
  if (options.strict && issues.length > 0) throw new PolicyError(issues);
  return issues;
}
