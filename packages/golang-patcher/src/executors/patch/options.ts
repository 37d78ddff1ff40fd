import { z } from 'zod';

export const PatchOptions = z.strictObject({
  from: z.string().regex(/^[a-z0-9][a-z0-9._\/:-]*:[\w][\w.-]*$/, 'expected an upstream image with its tag, e.g. golang:1.26.8-bookworm').optional(),
  libc: z.enum(['glibc', 'musl']).default('glibc'),
  repository: z.string().min(1).default('confidential/golang'),
  output: z.string().min(1),
  noCache: z.boolean().default(false),
});
export type PatchOptions = z.infer<typeof PatchOptions>;
