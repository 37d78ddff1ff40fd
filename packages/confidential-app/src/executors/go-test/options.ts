// @confidential/app:go-test options (zod); schema.json is generated from this (npm run schemas).
import { z } from 'zod';

export const GoTestOptions = z.strictObject({
  config: z.string().min(1).describe('The app config, workspace-relative (apps/<app>/confidential.yml).'),
  golang: z.string().min(1).describe('image.json of the patched golang image (the golang target\'s output).'),
  source: z.string().min(1).describe('Workspace-relative folder of the vendored module (the modules target\'s go/src).'),
  outputDir: z.string().min(1).describe('Workspace-relative folder for report.json, report.md and each toolchain\'s go test -json output.'),
});
export type GoTestOptions = z.input<typeof GoTestOptions>;
