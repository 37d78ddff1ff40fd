import { z } from 'zod';

/** A repository of patched images (no tag): the daily job's target. */
export const TargetRepository = z
  .string()
  .regex(/^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9._-]+(?:\/[a-z0-9._-]+)*$/, 'expected a repository without a tag, such as 127.0.0.1:5000/confidential/golang');

export const SyncOptions = z.strictObject({
  upstream: z.string().min(1).default('golang').describe('Upstream repository.'),
  target: TargetRepository.describe('Repository of the patched images, e.g. 127.0.0.1:5000/confidential/golang.'),
  upstreamTagsFile: z.string().min(1).optional().describe('A file with the upstream tags, one per line (instead of asking the registry).'),
  today: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date such as 2026-11-28').optional().describe('ISO date used for end-of-life decisions; default: today.'),
  output: z.string().min(1).default('dist/golang-patcher/sync/plan.json').describe('Where to write plan.json.'),
  execute: z.boolean().default(false).describe('Build, verify, push and sign the planned images (default: write the plan only).'),
  signingKey: z
    .string()
    .min(1)
    .default('~/.config/confidential/cosign.key')
    .describe('cosign private key (`cosign generate-key-pair`): a file, or env://NAME for the key text in an environment variable; its password in COSIGN_PASSWORD. Only read with --execute.'),
  tlog: z.boolean().default(false).describe('Upload the signatures to the transparency log (needs a reachable Rekor).'),
});
export type SyncOptions = z.infer<typeof SyncOptions>;
