// generateBinaryFs(): the generator step on its own (collect + binary_fs_blob.s), for callers that link themselves.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectFiles, renderBlobAssembly, type BinaryFsEntry, type CollectOptions } from './binaryfs.js';

export interface GenerateBinaryFsOptions extends CollectOptions {
  outDir: string;
  optionsSha256: string;
  mtime?: number;
}

export async function generateBinaryFs(options: GenerateBinaryFsOptions): Promise<{ blob: string; entries: BinaryFsEntry[] }> {
  const entries = await collectFiles(options);
  await mkdir(options.outDir, { recursive: true });
  const blob = join(options.outDir, 'binary_fs_blob.s');
  await writeFile(blob, renderBlobAssembly(entries, { hostPaths: options.hostPaths ?? [], optionsSha256: options.optionsSha256, mtime: options.mtime ?? 0 }));
  return { blob, entries };
}
