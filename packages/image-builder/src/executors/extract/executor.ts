// image-builder:extract — copies files out of a built image (e.g. binaries to sign on the host).
import { rm } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { optionsOrThrow, nxExecutor } from '@confidential/kit';
import { extractFromImage } from '../../lib/extract.js';
import { verifyImageJson } from '../../lib/images.js';
import { ExtractOptions } from './options.js';

export async function runExtract(raw: unknown, root: string, log: (line: string) => void = console.log): Promise<string[]> {
  const options = optionsOrThrow(ExtractOptions, raw, 'image-builder:extract');
  const record = await verifyImageJson(resolve(root, options.image));
  const dest = resolve(root, options.outputDir);
  await rm(dest, { recursive: true, force: true });
  const files = await extractFromImage({ image: record.id, paths: options.paths, dest });
  log(`image-builder:extract ${record.ref}: ${files.length} files → ${options.outputDir}`);
  for (const f of files) log(`  ${relative(root, f)}`);
  return files;
}

export default nxExecutor((raw, root) => runExtract(raw, root));
