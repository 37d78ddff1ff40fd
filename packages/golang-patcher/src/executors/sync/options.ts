import { z } from 'zod';

export const SyncOptions = z.strictObject({
  upstream: z.string().min(1).default('golang'),
  target: z.string().min(1),
  upstreamTagsFile: z.string().min(1).optional(),
  today: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date such as 2026-11-28').optional(),
  output: z.string().min(1).default('dist/golang-patcher/sync/plan.json'),
  /** build, verify, push and sign the planned images (default: plan only) */
  execute: z.boolean().default(false),
  /** Ed25519 key for the signatures; default ~/.config/confidential/golang-patcher-key.pem (generated) */
  keyFile: z.string().min(1).optional(),
});
export type SyncOptions = z.infer<typeof SyncOptions>;
