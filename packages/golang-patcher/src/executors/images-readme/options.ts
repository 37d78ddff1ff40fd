import { z } from 'zod';
import { TargetRepository } from '../sync/options.js';

export const ImagesReadmeOptions = z.strictObject({
  target: TargetRepository.describe('Repository of the patched images.'),
  output: z.string().min(1).default('dist/golang-patcher/sync/README.md').describe('Where to write the README.'),
});
export type ImagesReadmeOptions = z.infer<typeof ImagesReadmeOptions>;
