// golang-patcher:images-readme — the README of the published images (Version | Tags, aliases), from the registry.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { nxExecutor, optionsOrThrow } from '@confidential/kit';
import { imagesReadme } from '../../lib/images-readme.js';
import { ImagesReadmeOptions } from './options.js';

export async function runImagesReadme(raw: unknown, root: string): Promise<string> {
  const o = optionsOrThrow(ImagesReadmeOptions, raw, 'golang-patcher:images-readme');
  const text = await imagesReadme(o.target);
  const out = resolve(root, o.output);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, text);
  renameSync(`${out}.tmp`, out);
  console.log(`golang-patcher:images-readme ${o.target} → ${o.output}`);
  return text;
}

export default nxExecutor(runImagesReadme);
