// Validating values and executor options with zod, and the Nx executor wrapper: one sentence per problem,
// naming the source, the field path and what was expected.
import type { z } from 'zod';
import { issuePath } from './issues.js';

/** "<source> <path>: <message>" per issue, one per line. */
export function formatIssues(source: string, error: z.ZodError): string {
  return error.issues.map((issue) => `${source} ${issuePath(issue.path) || '(root)'}: ${issue.message}`).join('\n');
}

/** Parses with a schema; throws an Error whose message lists every issue with its path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(formatIssues(source, result.error), { cause: result.error });
  return result.data;
}

/** Validates executor or CLI options; a bad option gives one sentence naming it and what was expected. */
export function optionsOrThrow<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue ? issuePath(issue.path) || '(options)' : '(options)';
  throw new Error(`${source}: option "${name}" is invalid: ${issue?.message ?? 'unexpected value'}.`, { cause: result.error });
}

/**
 * An Nx executor from a `run(options, workspaceRoot)` function: a thrown error becomes one message on stderr
 * and `{ success: false }` (no stack trace for expected failures such as a bad option or a failed build).
 */
export function nxExecutor(run: (raw: unknown, root: string) => Promise<unknown>) {
  return async (raw: unknown, context: { root: string }): Promise<{ success: boolean }> => {
    try {
      await run(raw, context.root);
      return { success: true };
    } catch (err) {
      console.error(err instanceof Error ? err.message : String(err));
      return { success: false };
    }
  };
}
