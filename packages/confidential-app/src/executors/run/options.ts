// @confidential/app:run options (zod): compose-runner:run's options and the leak scan; schema.json is generated
// from this (npm run schemas).
import { z } from 'zod';
import { RunOptions } from '@confidential/compose-runner';

export const LeakScan = z.strictObject({
  policyService: z.string().min(1).default('cas').describe('The compose service of the sim policy service, asked (inside its container) for the launch answer.'),
  port: z.number().int().positive().default(8081).describe("The policy service's port inside its container."),
  configIds: z
    .array(z.string().regex(/^[^/]+\/[^/]+$/, 'expected <session>/<service>'))
    .min(1)
    .describe("SCONE_CONFIG_IDs whose launch answers hold the secrets the app's measurement gets: its service and the session's other services bound to it (session.also)."),
  measurement: z.string().min(1).describe('measurement.json of the sign target (workspace-relative): the measurement the policy accepts.'),
  peers: z
    .array(z.strictObject({ configId: z.string().regex(/^[^/]+\/[^/]+$/, 'expected <session>/<service>'), measurement: z.string().min(1) }))
    .default([])
    .describe("services of the session that run another app's binary (session.peers): their launch answers, asked with that app's measurement (its measurement.json, workspace-relative)."),
  images: z.array(z.string().min(1)).default([]).describe("image.json files of the app's images (workspace-relative): each scanned whole (docker save)."),
  outputs: z.array(z.string().min(1)).default([]).describe('Workspace-relative folders of Nx outputs scanned after the run (the run\'s own outputDir is always scanned).'),
});

export const AppRunOptions = z.strictObject({
  ...RunOptions.shape,
  leakScan: LeakScan.optional().describe("Look for the private keys of the app's launch answer outside the process: image, docker diff, volumes, logs, Nx outputs (leak-scan.json); fails on any finding."),
});
export type AppRunOptions = z.input<typeof AppRunOptions>;
