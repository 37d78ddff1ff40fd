// Issues carry the file, the position and the field path; IssueError carries all of them in one message,
// e.g. `session.yml:7:5 services[0].command: expected string`.

export type Severity = 'error' | 'warning';

export interface Issue {
  file: string;
  /** 1-based; 0 when the position is unknown. */
  line: number;
  col: number;
  /** `services[0].command`; `(root)` for the document itself, `(yaml)` for syntax errors. */
  path: string;
  message: string;
  severity: Severity;
  /** A rule code such as CP001; absent for schema and syntax errors. */
  code?: string;
}

/** `services[0].command` style path. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

/** `session.yml:7:5 services[0].command: expected string` (warnings: `… warning CP001 path: …`). */
export function formatIssue(issue: Issue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file;
  const tag = issue.code ? ` ${issue.severity} ${issue.code}` : issue.severity === 'warning' ? ' warning' : '';
  return `${where}${tag} ${issue.path}: ${issue.message}`;
}

export class IssueError extends Error {
  override readonly name: string = 'IssueError';
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[], options?: { cause?: unknown; fallback?: string }) {
    super(issues.map(formatIssue).join('\n') || (options?.fallback ?? 'invalid document'), options);
    this.issues = issues;
  }
}
