// Executor and generator schema.json files generated from the options' zod schemas (one definition; Nx reads the
// JSON). The convention: every entry of a package's executors.json (generators.json) has
// `src/executors/<name>/options.ts` (`src/generators/<name>/options.ts`) exporting one zod schema named *Options;
// the executor validates with it, schema.json is `z.toJSONSchema` of its input side.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

const Entries = z.record(z.string(), z.object({ schema: z.string(), description: z.string() }).loose());
/** executors.json and generators.json: the two manifests whose entries have options */
const MANIFESTS = [
  { file: 'executors.json', kind: 'executors', schema: z.object({ executors: Entries }) },
  { file: 'generators.json', kind: 'generators', schema: z.object({ generators: Entries }) },
] as const;

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
  const name = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string }).name;
  const files: Record<string, string> = {};
  const entries = MANIFESTS.filter((m) => existsSync(join(packageDir, m.file))).flatMap((m) => {
    const manifest = JSON.parse(readFileSync(join(packageDir, m.file), 'utf8')) as Record<string, unknown>;
    return Object.entries(m.schema.parse(manifest)[m.kind as never] as z.infer<typeof Entries>).map(([entry, value]) => ({ kind: m.kind, entry, value }));
  });
  for (const { kind, entry: executor, value: entry } of entries) {
    const module = join(packageDir, from, kind, executor, from === 'src' ? 'options.ts' : 'options.js');
    const schemas = Object.entries((await import(pathToFileURL(module).href)) as Record<string, unknown>)
      .filter(([n, v]) => n.endsWith('Options') && isZod(v))
      .map(([, v]) => v as z.ZodType);
    if (schemas.length !== 1) throw new Error(`${module}: expected exactly one exported zod schema named *Options (the executor's options), found ${schemas.length}`);
    files[entry.schema.replace(/^\.\//, '')] = executorSchemaJson(`${name.replace(/^@confidential\//, '')}:${executor}`, entry.description, schemas[0]!);
  }
  return files;
}

/** The workspace's packages that have executors or generators (folders of packages/ with either manifest). */
export function packagesWithExecutors(workspaceRoot: string): string[] {
  const dir = join(workspaceRoot, 'packages');
  return readdirSync(dir)
    .filter((d) => MANIFESTS.some((m) => existsSync(join(dir, d, m.file))))
    .sort()
    .map((d) => join(dir, d));
}
