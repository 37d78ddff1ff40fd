// The Go facts the executors and the generator check, through the host's Go and its module proxy settings.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { z } from 'zod';

const GoModDownload = z.object({ Dir: z.string().optional(), Error: z.string().optional() }).loose();

/** `go mod download -json <module@version>`: the module's folder in the module cache, or why there is none (one line). */
export async function goModDownload(moduleAtVersion: string): Promise<{ dir: string } | { error: string }> {
  const r = await execa('go', ['mod', 'download', '-json', moduleAtVersion], { reject: false, env: { GOWORK: 'off', GOFLAGS: '-mod=mod' } });
  let answer: z.infer<typeof GoModDownload> = {};
  try {
    answer = GoModDownload.parse(JSON.parse(r.stdout));
  } catch {
    // no JSON: the error is on stderr
  }
  if (r.exitCode === 0 && answer.Dir) return { dir: answer.Dir };
  return { error: (answer.Error ?? r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`).split('\n')[0]! };
}

/** The package clause of the non-test Go files of a folder (undefined when it has none). */
export async function packageName(dir: string): Promise<string | undefined> {
  const files = await readdir(dir).catch(() => [] as string[]);
  for (const f of files.filter((f) => f.endsWith('.go') && !f.endsWith('_test.go')).sort()) {
    const m = /^package\s+(\w+)/m.exec(await readFile(join(dir, f), 'utf8'));
    if (m) return m[1];
  }
  return undefined;
}
