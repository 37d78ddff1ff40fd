// Builds the C runtime (libbinary_fs_template.a) and links the extension exactly as the original does:
// `gcc binary_fs_blob.s libbinary_fs_template.a -shared -o libbinaryfs.so` (musl-gcc for musl), plus the static
// libssl and libcrypto of the file and network shields (glibc).
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/c, found from src/lib (vitest) and from dist/lib (the executor) alike. */
export const C_SOURCE_DIR = fileURLToPath(new URL('../../src/c/', import.meta.url));
export type Libc = 'glibc' | 'musl';
export const compilerFor = (libc: Libc) => (libc === 'musl' ? 'musl-gcc' : 'gcc');

/**
 * The runtime's sources with their own flags. The file shield's storage layer (volume.c) needs OpenSSL's libcrypto
 * and the network shield (net.c) its libssl, linked statically into the extension (hidden: the program's own OpenSSL,
 * if any, is not disturbed). Debian has them for glibc only, so the musl runtime is built without the shields: a
 * policy that mounts a volume or wraps a port stops it (vfs.c, net.c).
 */
export function runtimeSources(libc: Libc): { source: string; flags: string[] }[] {
  const base = ['libc.c', 'sha256.c', 'json.c', 'http.c', 'interpose.c', 'launch.c', 'init.c'].map((source) => ({ source, flags: [] as string[] }));
  const shields = ['vfs.c', 'net.c'];
  if (libc === 'musl') return [...base, ...shields.map((source) => ({ source, flags: ['-DBFS_NO_SHIELD'] }))];
  return [...base, ...shields.map((source) => ({ source, flags: [] as string[] })), { source: 'volume.c', flags: ['-DCGV_RUNTIME'] }];
}
export const C_FLAGS = ['-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-U_FORTIFY_SOURCE', '-fno-ident'];

/** What the extension links besides the template: the static libssl and libcrypto (glibc), their symbols kept inside. */
export async function runtimeLinkFlags(libc: Libc): Promise<string[]> {
  if (libc === 'musl') return [];
  const archives: string[] = [];
  for (const name of ['libssl.a', 'libcrypto.a']) {
    const archive = (await run('gcc', [`-print-file-name=${name}`])).trim();
    if (!archive.startsWith('/') || !existsSync(archive)) {
      throw new Error(`signer: the file and network shields need the static OpenSSL libraries (${name}): install libssl-dev (Debian) or openssl-dev`);
    }
    archives.push(archive);
  }
  return ['-Wl,--exclude-libs,libssl.a:libcrypto.a', ...archives];
}

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
  for (const { source, flags } of runtimeSources(libc)) {
    const object = join(outDir, source.replace(/\.c$/, '.o'));
    await run(cc, [...C_FLAGS, ...flags, ...extraFlags, `-ffile-prefix-map=${C_SOURCE_DIR}=`, '-c', join(C_SOURCE_DIR, source), '-o', object]);
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
  const link = await runtimeLinkFlags(libc);
  await run(compilerFor(libc), ['binary_fs_blob.s', 'libbinary_fs_template.a', '-shared', '-o', 'libbinaryfs.so', ...link, ...extraFlags], { cwd: dir });
  return join(dir, 'libbinaryfs.so');
}
