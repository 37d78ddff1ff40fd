import { z } from 'zod';

export const RenderOptions = z.strictObject({
  session: z.string().min(1),
  measurement: z.string().min(1),
  service: z.string().min(1).optional(),
  output: z.string().min(1),
  strict: z.boolean().default(false),
  backend: z.enum(['sim', 'scone']).default('sim'),
});
export type RenderOptions = z.infer<typeof RenderOptions>;
