import { z } from 'zod';

export const UploadOptions = z.strictObject({
  session: z.string().min(1),
  backend: z.enum(['sim', 'scone']).default('sim'),
  url: z.string().url().default('http://127.0.0.1:8081'),
  cas: z.string().min(1).default('cas'),
  image: z.string().min(1).optional(),
  network: z.string().min(1).optional(),
  cliStateDir: z.string().min(1).optional(),
});
export type UploadOptions = z.infer<typeof UploadOptions>;
