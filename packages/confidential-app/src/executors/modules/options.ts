// @confidential/app:modules options (zod); schema.json is generated from this.
import { z } from 'zod';

export const ModulesOptions = z.strictObject({
  /** the app config, workspace-relative (apps/<app>/confidential.yml) */
  config: z.string().min(1),
  /** workspace-relative folder: go/src (the module with vendor/) and site/ (the files to embed) are written below it */
  outputDir: z.string().min(1),
});
export type ModulesOptions = z.input<typeof ModulesOptions>;
