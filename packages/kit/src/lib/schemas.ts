// Executor schema.json files generated from the options' zod schemas (one definition; Nx reads the JSON). The
// convention: every executor of a package's executors.json has `src/executors/<name>/options.ts` exporting one zod
// schema named *Options; the executor validates with it, schema.json is `z.toJSONSchema` of its input side.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

const ExecutorsJson = z.object({ executors: z.record(z.string(), z.object({ schema: z.string(), description: z.string() }).loose()) });

/** An Nx executor schema.json (text) from the options' zod schema. */
export function executorSchemaJson(title: string, description: string, schema: z.ZodType): string {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify({ $schema: 'https://json-schema.org/schema', version: 2, title, description, ...json }, null, 2)}\n`;
}

const isZod = (v: unknown): v is z.ZodType => typeof v === 'object' && v !== null && '_zod' in v && typeof (v as { safeParse?: unknown }).safeParse === 'function';

/**
 * The schema.json files of a package's executors: path (relative to the package) → text. `from` says where the
 * options modules are loaded from: the sources (`src`, .ts, under vitest) or the build (`dist`, .js, under node).
 */
export async function executorSchemaFiles(packageDir: string, from: 'src' | 'dist'): Promise<Record<string, string>> {
  const manifest = ExecutorsJson.parse(JSON.parse(readFileSync(join(packageDir, 'executors.json'), 'utf8')));
  const name = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string }).name;
  const files: Record<string, string> = {};
  for (const [executor, entry] of Object.entries(manifest.executors)) {
    const module = join(packageDir, from, 'executors', executor, from === 'src' ? 'options.ts' : 'options.js');
    const schemas = Object.entries((await import(pathToFileURL(module).href)) as Record<string, unknown>)
      .filter(([n, v]) => n.endsWith('Options') && isZod(v))
      .map(([, v]) => v as z.ZodType);
    if (schemas.length !== 1) throw new Error(`${module}: expected exactly one exported zod schema named *Options (the executor's options), found ${schemas.length}`);
    files[entry.schema.replace(/^\.\//, '')] = executorSchemaJson(`${name.replace(/^@confidential\//, '')}:${executor}`, entry.description, schemas[0]!);
  }
  return files;
}

/** The workspace's packages that have executors (folders of packages/ with an executors.json). */
export function packagesWithExecutors(workspaceRoot: string): string[] {
  const dir = join(workspaceRoot, 'packages');
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'executors.json')))
    .sort()
    .map((d) => join(dir, d));
}
