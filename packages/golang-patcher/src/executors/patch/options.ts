import { z } from 'zod';

export const PatchOptions = z.strictObject({
  from: z.string().regex(/^[a-z0-9][a-z0-9._\/:-]*:[\w][\w.-]*$/, 'expected an upstream image with its tag, e.g. golang:1.26.8-bookworm').optional().describe('Upstream image with tag; default golang:<host go version>-bookworm (bootstrapped offline where no registry answers).'),
  libc: z.enum(['glibc', 'musl']).default('glibc').describe('C library the patched runtime calls (musl: CC=musl-gcc).'),
  repository: z.string().min(1).default('confidential/golang').describe('Repository of the patched image; the tag follows the upstream tag (+ -musl on glibc bases).'),
  output: z.string().min(1).describe('Where image.json is written (workspace-relative).'),
  push: z.boolean().default(false).describe('Push the image to the registry named by CONFIDENTIAL_REGISTRY (host[:port]) when that is set, and record its repoDigest in image.json.'),
  noCache: z.boolean().default(false).describe("Rebuild without the engine's layer cache."),
});
export type PatchOptions = z.infer<typeof PatchOptions>;
