// @confidential/app:app generator options (zod); schema.json is generated from this (npm run schemas).
import { z } from 'zod';
import { ModuleVersion } from '../../lib/config.js';

export const AppGeneratorOptions = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a project name such as "go-httpbin" (lower case, digits, "-")').describe('The app\'s name: its folder apps/<name> and its Nx project.'),
  module: ModuleVersion.describe('The Go module at a version, fetched through the Go module proxy, e.g. github.com/mccutchen/go-httpbin/v2@v2.26.0.'),
  main: z.string().regex(/^\.(\/[A-Za-z0-9._-]+)*$/, 'expected a package path relative to the module root such as "." or "./cmd/app"').default('.').describe('The main package, relative to the module root.'),
  binary: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a file name').optional().describe('The program\'s name in the image; default the main package\'s folder name (or the module\'s last element).'),
  args: z.string().default('').describe('Arguments the session policy starts the program with, e.g. "-host 0.0.0.0 -port 8080".'),
  port: z.number().int().min(1).max(65535).default(8080).describe('The port the generated HTTP check calls (http://app:<port>/).'),
  goVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a Go version such as "1.27.3"').default('1.27.3').describe('Upstream Go version of the golang image (a patch must exist for its minor).'),
});
export type AppGeneratorOptions = z.input<typeof AppGeneratorOptions>;
