import { z } from 'zod';

export const ToolchainOptions = z.strictObject({
  goroot: z.string().min(1).optional().describe('Upstream GOROOT, also the bootstrap toolchain; default: that of `go`, else `go env GOROOT` of the host.'),
  go: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'expected a Go release such as 1.27.3')
    .optional()
    .describe('Go release to patch: the host\'s Go when it is that release, else its toolchain module from the Go module proxy.'),
  dest: z.string().min(1).default('dist/golang-patcher/goroot').describe('Workspace-relative directory of the patched GOROOT (replaced).'),
  cc: z.string().min(1).default('gcc').describe('C compiler written into go.env (musl-gcc for musl).'),
});
export type ToolchainOptions = z.infer<typeof ToolchainOptions>;
