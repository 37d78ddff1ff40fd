// image-builder:build options (zod); schema.json is generated from this (npm run schemas).
import { z } from 'zod';
import { ContextEntry } from '../../lib/context.js';
import { Stage } from '../../lib/dockerfile.js';

const TagRef = z.string().regex(/^[a-z0-9][a-z0-9._\/:-]*$/, 'expected an image reference such as "confidential/caddy:dev"');

export const BuildOptions = z
  .strictObject({
    stages: z
      .array(Stage)
      .optional()
      .describe('Inline Dockerfile model: [{ name, from: {image, tag?, digest?} | {stage} | {arg}, instructions: [...] }] (see src/lib/dockerfile.ts). [] counts as none (a configuration switching to "dockerfile").')
      .transform((s) => (s?.length ? s : undefined)),
    args: z.array(z.strictObject({ name: z.string().min(1), default: z.string().optional() })).optional().describe('Global ARGs of the inline model (before the first FROM): [{ name, default? }].'),
    dockerfile: z.string().min(1).optional().describe('Path (workspace-relative) of a Dockerfile text; instead of stages.'),
    context: z.array(ContextEntry).default([]).describe('Declared context files: [{ src (host file or folder, workspace-relative), dest (path in the context), mode?, exclude? }].'),
    target: z.string().min(1).optional().describe('Stage to build (must be a stage name).'),
    tags: z.array(TagRef).min(1, 'expected at least one tag').describe('Image tags; the first is the ref in image.json.'),
    buildArgs: z.record(z.string(), z.string()).default({}).describe('Build arguments.'),
    images: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an ARG name'), z.string().min(1)).default({}).describe('ARG name → path of an upstream image.json; its ref is passed as that build arg (fails when the engine no longer has the recorded id).'),
    labels: z.record(z.string().min(1), z.string()).default({}).describe('Labels set on the image.'),
    output: z.string().min(1).describe('Path of the image.json written (workspace-relative).'),
    noCache: z.boolean().default(false).describe("Do not use the engine's layer cache."),
    push: z.boolean().default(false).describe('Push the image to the registry named by CONFIDENTIAL_REGISTRY (host[:port]) when that is set, and record its repoDigest in image.json (an engine that lacks the image pulls it by digest).'),
  })
  .superRefine((o, ctx) => {
    if (!o.stages === !o.dockerfile) {
      ctx.addIssue({ code: 'custom', path: o.stages ? ['dockerfile'] : ['stages'], message: 'give exactly one of "stages" (inline model) or "dockerfile" (path)' });
    }
    if (o.target && o.stages && !o.stages.some((s) => s.name === o.target)) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: `unknown stage "${o.target}" (stages: ${o.stages.map((s) => s.name).join(', ')})` });
    }
  });
export type BuildOptions = z.input<typeof BuildOptions>;
