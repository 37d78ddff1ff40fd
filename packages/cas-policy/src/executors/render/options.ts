import { z } from 'zod';

export const RenderOptions = z.strictObject({
  session: z.string().min(1).describe('The session policy (session.yml), relative to the workspace root.'),
  measurement: z.string().min(1).describe('measurement.json written by signer:sign, relative to the workspace root.'),
  service: z.string().min(1).optional().describe('Service whose mrenclaves receives the measurement; default: the first service.'),
  also: z.array(z.string().min(1)).default([]).describe('More services that run the same binary (another configuration of it): their mrenclaves receive the measurement too.'),
  peers: z
    .array(z.strictObject({ service: z.string().min(1), measurement: z.string().min(1).describe('its measurement.json, relative to the workspace root') }))
    .default([])
    .describe("Services that run another binary (another app in the same session): each gets its own measurement."),
  output: z.string().min(1).describe('Where to write the bound session file, relative to the workspace root.'),
  strict: z.boolean().default(false).describe('Lint findings (CP001…) fail the target instead of warning.'),
  backend: z.enum(['sim', 'scone']).default('sim').describe('Backend the measurement must come from.'),
});
export type RenderOptions = z.infer<typeof RenderOptions>;
