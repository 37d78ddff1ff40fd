import { z } from 'zod';

export const ToolchainOptions = z.strictObject({
  goroot: z.string().min(1).optional().describe('Upstream GOROOT, also the bootstrap toolchain; default: `go env GOROOT` of the host.'),
  dest: z.string().min(1).default('dist/golang-patcher/goroot').describe('Workspace-relative directory of the patched GOROOT (replaced).'),
  cc: z.string().min(1).default('gcc').describe('C compiler written into go.env (musl-gcc for musl).'),
});
export type ToolchainOptions = z.infer<typeof ToolchainOptions>;
