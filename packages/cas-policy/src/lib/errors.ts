// Issues carry the file, the position and the field path; PolicyError carries all of them.
import type { z } from 'zod';

export type Severity = 'error' | 'warning';

export interface PolicyIssue {
  file: string;
  /** 1-based; 0 when the position is unknown. */
  line: number;
  col: number;
  /** `services[0].command`; `(root)` for the document itself, `(yaml)` for syntax errors. */
  path: string;
  message: string;
  severity: Severity;
  /** Lint code such as CP001; absent for schema and syntax errors. */
  code?: string;
}

/** `services[0].command` style path. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

/** `session.yml:7:5 services[0].command: expected string` (warnings: `… warning CP001 path: …`). */
export function formatIssue(issue: PolicyIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file;
  const tag = issue.code ? ` ${issue.severity} ${issue.code}` : issue.severity === 'warning' ? ' warning' : '';
  return `${where}${tag} ${issue.path}: ${issue.message}`;
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly issues: readonly PolicyIssue[];
  constructor(issues: readonly PolicyIssue[], options?: { cause?: unknown }) {
    super(issues.map(formatIssue).join('\n') || 'invalid session policy', options);
    this.issues = issues;
  }
}

/** Validates executor or CLI options; a bad option gives one sentence naming it and what was expected. */
export function optionsOrThrow<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue ? issuePath(issue.path) || '(options)' : '(options)';
  throw new Error(`${source}: option "${name}" is invalid: ${issue?.message ?? 'unexpected value'}.`, { cause: result.error });
}
