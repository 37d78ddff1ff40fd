import { z } from 'zod';

export const SyncOptions = z.strictObject({
  upstream: z.string().min(1).default('golang').describe('Upstream repository.'),
  target: z.string().min(1).describe('Repository of the patched images, e.g. 127.0.0.1:5000/confidential/golang.'),
  upstreamTagsFile: z.string().min(1).optional().describe('A file with the upstream tags, one per line (instead of asking the registry).'),
  today: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date such as 2026-11-28').optional().describe('ISO date used for end-of-life decisions; default: today.'),
  output: z.string().min(1).default('dist/golang-patcher/sync/plan.json').describe('Where to write plan.json.'),
  execute: z.boolean().default(false).describe('Build, verify, push and sign the planned images (default: write the plan only).'),
  keyFile: z.string().min(1).optional().describe('Ed25519 private key for the digest signatures; default ~/.config/confidential/golang-patcher-key.pem, generated once.'),
});
export type SyncOptions = z.infer<typeof SyncOptions>;
