// sign(): the sim backend end to end: copy the binary, attach the extension as DT_NEEDED (patchelf), embed the
// files (binaryfs), build and link libbinaryfs.so, measure, sign and write measurement.json next to the binary.
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseOrThrow } from '@confidential/kit';
import { collectFiles, renderBlobAssembly } from './binaryfs.js';
import { loadOrCreateKey } from './keys.js';
import { signManifest, writeManifest, type Manifest } from './manifest.js';
import { canonicalJson, computeMeasurement, sha256File, sha256Hex } from './measure.js';
import { measuredOptions, SignOptions, type SignOptionsInput } from './options.js';
import { buildTemplate, linkExtension, run } from './toolchain.js';

export const EXTENSION_FILE = 'libbinaryfs.so';

export interface SignResult {
  binary: string;
  extension: string;
  manifestPath: string;
  manifest: Manifest;
  measurement: string;
  embedded: number;
}

/** Attaches libbinaryfs.so to a dynamically linked binary: DT_NEEDED first in the list, and $ORIGIN in its run path. */
export async function attachExtension(binary: string, extension = EXTENSION_FILE): Promise<void> {
  try {
    await run('patchelf', ['--print-interpreter', binary]);
  } catch (error) {
    throw new Error(
      `signer: ${binary} has no ELF interpreter (statically linked?): the sim backend loads its extension as a DT_NEEDED library, so build the program with cgo / external linking`,
      { cause: error },
    );
  }
  const needed = (await run('patchelf', ['--print-needed', binary])).split('\n').filter(Boolean);
  if (!needed.includes(extension)) await run('patchelf', ['--add-needed', extension, binary]);
  const rpath = (await run('patchelf', ['--print-rpath', binary])).trim();
  if (!rpath.split(':').includes('$ORIGIN')) await run('patchelf', ['--add-rpath', '$ORIGIN', binary]);
}

export interface SignContext {
  cwd?: string;
  log?: (line: string) => void;
  /** extra compiler/linker flags for the C runtime (tests: sanitizers); not part of the executor options */
  cFlags?: string[];
}

export async function sign(input: SignOptionsInput, context: SignContext = {}): Promise<SignResult> {
  const options = parseOrThrow(SignOptions, input, 'signer options');
  if (options.backend !== 'sim') throw new Error('signer: sign() runs the sim backend; for scone render the builder stage with renderSconeStages()');
  if (options.extensions.length !== 1 || options.extensions[0] !== EXTENSION_FILE) {
    throw new Error(`signer: the sim backend attaches exactly one extension, ${EXTENSION_FILE} (got ${options.extensions.join(', ')})`);
  }
  const cwd = context.cwd ?? process.cwd();
  const log = context.log ?? (() => {});
  const outDir = resolve(cwd, options.outputDir);
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'signer-'));
  try {
    const binary = join(outDir, basename(options.binary));
    const source = resolve(cwd, options.binary);
    if (source !== binary) await copyFile(source, binary);
    await chmod(binary, 0o755);
    await attachExtension(binary);
    const binarySha256 = await sha256File(binary);

    const measured = measuredOptions(options);
    const optionsSha256 = sha256Hex(canonicalJson(measured));
    const entries = await collectFiles({ root: resolve(cwd, options.root), include: options.include, hostPaths: options.hostPaths });
    const files = entries.filter((e) => e.kind !== 'dir').length;
    if (files === 0) throw new Error(`signer: no file under ${options.root} matches include ${JSON.stringify(options.include)}`);
    log(`binaryfs: ${files} file(s) embedded from ${options.root} (${options.include.join(', ')})`);
    await writeFile(join(work, 'binary_fs_blob.s'), renderBlobAssembly(entries, { hostPaths: options.hostPaths, optionsSha256 }));
    await buildTemplate(options.libc, work, context.cFlags);
    const linked = await linkExtension(options.libc, work, context.cFlags);
    const extension = join(outDir, EXTENSION_FILE);
    await copyFile(linked, extension);
    const extensionSha256 = await sha256File(extension);

    const measurement = computeMeasurement({ binarySha256, extensionSha256: [extensionSha256], options: measured });
    const key = loadOrCreateKey(options.keyFile);
    if (key.created) log(`signer: generated a signing key at ${key.file}`);
    const manifest = signManifest(
      {
        version: 1,
        backend: 'sim',
        measurement,
        binary: { path: basename(binary), sha256: binarySha256 },
        extensions: [{ path: EXTENSION_FILE, sha256: extensionSha256 }],
        options: measured,
      },
      key.privateKey,
      key.publicKeyPem,
    );
    const manifestPath = await writeManifest(outDir, manifest);
    log(`signer: ${basename(binary)} measurement ${measurement}`);
    return { binary, extension, manifestPath, manifest, measurement, embedded: files };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
