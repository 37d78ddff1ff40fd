import { z } from 'zod';

export const ToolchainOptions = z.strictObject({
  goroot: z.string().min(1).optional(),
  dest: z.string().min(1).default('dist/golang-patcher/goroot'),
  cc: z.string().min(1).default('gcc'),
});
export type ToolchainOptions = z.infer<typeof ToolchainOptions>;
