// Builds the C runtime (libbinary_fs_template.a) and links the extension exactly as the original does:
// `gcc binary_fs_blob.s libbinary_fs_template.a -shared -o libbinaryfs.so` (musl-gcc for musl).
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/c, found from src/lib (vitest) and from dist/lib (the executor) alike. */
export const C_SOURCE_DIR = fileURLToPath(new URL('../../src/c/', import.meta.url));
export const RUNTIME_SOURCES = ['libc.c', 'sha256.c', 'json.c', 'http.c', 'interpose.c', 'launch.c', 'init.c'];
export const C_FLAGS = ['-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-U_FORTIFY_SOURCE', '-fno-ident'];

export type Libc = 'glibc' | 'musl';
export const compilerFor = (libc: Libc) => (libc === 'musl' ? 'musl-gcc' : 'gcc');

/** Runs a tool at lower priority (the machine is shared); failures name the command, exit code and stderr tail. */
export async function run(file: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  const result = await execa('nice', ['-n', '10', file, ...args], { cwd: options.cwd, reject: false, stdin: 'ignore' });
  if (result.failed) {
    const tail = `${result.stderr ?? ''}`.split('\n').slice(-15).join('\n');
    const why = result.exitCode === undefined ? (result.originalMessage ?? 'could not start') : `exit code ${result.exitCode}`;
    throw new Error(`${file} ${args.join(' ')} failed (${why}) in ${options.cwd ?? process.cwd()}:\n${tail}`);
  }
  return `${result.stdout ?? ''}`;
}

/** Compiles src/c (extraFlags: e.g. sanitizers for tests) into <outDir>/libbinary_fs_template.a with -Wall -Wextra -Werror. */
export async function buildTemplate(libc: Libc, outDir: string, extraFlags: string[] = []): Promise<string> {
  const cc = compilerFor(libc);
  const objects: string[] = [];
  for (const source of RUNTIME_SOURCES) {
    const object = join(outDir, source.replace(/\.c$/, '.o'));
    await run(cc, [...C_FLAGS, ...extraFlags, `-ffile-prefix-map=${C_SOURCE_DIR}=`, '-c', join(C_SOURCE_DIR, source), '-o', object]);
    objects.push(object);
  }
  const archive = join(outDir, 'libbinary_fs_template.a');
  await run('ar', ['rcsD', archive, ...objects]);
  return archive;
}

/** Links binary_fs_blob.s with the template in `dir` into libbinaryfs.so, the original's command line. */
export async function linkExtension(libc: Libc, dir: string, extraFlags: string[] = []): Promise<string> {
  for (const f of ['binary_fs_blob.s', 'libbinary_fs_template.a']) {
    if (!existsSync(join(dir, f))) throw new Error(`linkExtension: ${join(dir, f)} is missing`);
  }
  await run(compilerFor(libc), ['binary_fs_blob.s', 'libbinary_fs_template.a', '-shared', '-o', 'libbinaryfs.so', ...extraFlags], { cwd: dir });
  return join(dir, 'libbinaryfs.so');
}
