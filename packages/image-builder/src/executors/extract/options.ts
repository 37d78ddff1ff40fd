// image-builder:extract options (zod); schema.json is generated from this (npm run schemas).
import { z } from 'zod';

export const ExtractOptions = z.strictObject({
  image: z.string().min(1).describe('Workspace-relative path of the image.json of the image.'),
  paths: z.array(z.string().regex(/^\//, 'expected an absolute path in the image')).min(1, 'expected at least one path').describe('Absolute paths in the image (files or folders).'),
  outputDir: z.string().min(1).describe('Workspace-relative host folder, emptied first.'),
});
export type ExtractOptions = z.infer<typeof ExtractOptions>;
