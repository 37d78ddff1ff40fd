// image-builder:extract options (zod); schema.json mirrors this for Nx.
import { z } from 'zod';

export const ExtractOptions = z.strictObject({
  /** path (workspace-relative) of the image.json naming the image */
  image: z.string().min(1),
  /** absolute paths in the image */
  paths: z.array(z.string().regex(/^\//, 'expected an absolute path in the image')).min(1, 'expected at least one path'),
  /** host folder (workspace-relative); emptied first */
  outputDir: z.string().min(1),
});
export type ExtractOptions = z.infer<typeof ExtractOptions>;
