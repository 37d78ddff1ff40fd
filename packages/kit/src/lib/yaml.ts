// YAML → zod with positions: every issue names the file, line:col of the node and the field path,
// e.g. `session.yml:7:5 services[0].command: expected string`.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { issuePath, IssueError, type Issue } from './issues.js';

export interface LoadedYaml<T> {
  /** The name used in messages (as given, e.g. `session.yml` or `apps/caddy/session.yml`). */
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  value: T;
}

interface Located {
  /** The key scalar of the last pair on the path, when the path ends in a map key. */
  key?: Node;
  value?: Node;
  /** The deepest node that exists along the path (for missing keys: the map that lacks it). */
  nearest: Node | undefined;
}

function locate(doc: Document.Parsed, path: readonly PropertyKey[]): Located {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  let nearest = (doc.contents ?? undefined) as Node | undefined;
  for (const segment of path) {
    key = undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (!pair) return { nearest };
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (node === undefined) return { nearest };
    } else {
      return { nearest };
    }
    if (node && typeof node === 'object' && 'range' in node) nearest = node as Node;
    else if (key) nearest = key;
  }
  return { key, value: (node ?? undefined) as Node | undefined, nearest };
}

function position(lc: LineCounter, node: Node | undefined): { line: number; col: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return { line: 1, col: 1 };
  return lc.linePos(offset);
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const segment of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[segment];
  }
  return v;
}

const TYPE_NAMES: Record<string, string> = { record: 'map', object: 'map', array: 'list' };

/** Turns zod issues into positioned issues (one per unknown key). */
export function zodIssues(
  error: z.ZodError,
  data: unknown,
  doc: Document.Parsed,
  lc: LineCounter,
  file: string,
): Issue[] {
  const out: Issue[] = [];
  const push = (path: readonly PropertyKey[], message: string, at: 'key' | 'value') => {
    const found = locate(doc, path);
    const node = at === 'key' ? (found.key ?? found.nearest) : (found.value ?? found.nearest);
    out.push({ file, ...position(lc, node), path: issuePath(path) || '(root)', message, severity: 'error' });
  };
  const visit = (issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]) => {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) push([...path, key], 'unknown key', 'key');
        break;
      case 'invalid_type': {
        const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
        const value = valueAt(data, path);
        if (value === undefined) push(path, `missing, expected ${expected}`, 'value');
        else if (expected === 'string' && typeof value === 'number' && typeof path[path.length - 1] === 'string') {
          push(path, `expected string (quote it: ${String(path[path.length - 1])}: "${String(value)}")`, 'value');
        } else push(path, `expected ${expected}`, 'value');
        break;
      }
      case 'invalid_union': {
        // The branches that accepted the value's type (their issues are below the value, or about its keys):
        // when exactly one did, its issues are the precise ones; otherwise the union's own message.
        const typed = issue.errors.filter((branch) => !branch.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_union' || i.code === 'invalid_format')));
        if (typed.length >= 1 && typed[0]) for (const inner of typed[0]) visit(inner, path);
        else push(path, issue.message === 'Invalid input' ? 'unexpected value' : issue.message, 'value');
        break;
      }
      case 'invalid_value':
        push(path, issue.message.replace(/^Invalid (option|input): /, ''), 'value');
        break;
      case 'invalid_key':
        push(path, issue.issues[0]?.message ?? issue.message, 'key');
        break;
      default:
        push(path, issue.message, 'value');
    }
  };
  for (const issue of error.issues) visit(issue, []);
  // document order (stable for issues at one position)
  out.sort((a, b) => a.line - b.line || a.col - b.col);
  return out;
}

/** Parses YAML (JSON is YAML too) keeping positions, then validates with the schema. Throws IssueError. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string, file: string): LoadedYaml<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = [...doc.errors].map((e): Issue => ({
    file,
    ...lineCounter.linePos(e.pos[0]),
    path: '(yaml)',
    message: e.message.split('\n')[0] ?? e.message,
    severity: 'error',
  }));
  if (syntax.length > 0) throw new IssueError(syntax, { cause: doc.errors[0] });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new IssueError([{ file, line: 1, col: 1, path: '(yaml)', message: (error as Error).message, severity: 'error' }], { cause: error });
  }
  const result = schema.safeParse(data);
  if (!result.success) throw new IssueError(zodIssues(result.error, data, doc, lineCounter, file), { cause: result.error });
  return { file, text, doc, lineCounter, value: result.data };
}

/** line:col of the node at a path (the key when `at` is 'key'); 1:1 when the path does not exist. */
export function positionOf(loaded: LoadedYaml<unknown>, path: readonly PropertyKey[], at: 'key' | 'value' = 'value'): { line: number; col: number } {
  const found = locate(loaded.doc, path);
  return position(loaded.lineCounter, at === 'key' ? (found.key ?? found.nearest) : (found.value ?? found.nearest));
}
