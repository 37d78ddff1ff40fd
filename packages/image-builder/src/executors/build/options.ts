// image-builder:build options (zod); schema.json mirrors this for Nx.
import { z } from 'zod';
import { ContextEntry } from '../../lib/context.js';
import { Stage } from '../../lib/dockerfile.js';

const TagRef = z.string().regex(/^[a-z0-9][a-z0-9._\/:-]*$/, 'expected an image reference such as "confidential/caddy:dev"');

export const BuildOptions = z
  .strictObject({
    /** inline Dockerfile model: the stages ([] counts as none, so that a configuration can switch to `dockerfile`) */
    stages: z.array(Stage).optional().transform((s) => (s?.length ? s : undefined)),
    /** global ARGs of the inline model (before the first FROM) */
    args: z.array(z.strictObject({ name: z.string().min(1), default: z.string().optional() })).optional(),
    /** path (workspace-relative) of a Dockerfile text, instead of stages */
    dockerfile: z.string().min(1).optional(),
    context: z.array(ContextEntry).default([]),
    target: z.string().min(1).optional(),
    tags: z.array(TagRef).min(1, 'expected at least one tag'),
    buildArgs: z.record(z.string(), z.string()).default({}),
    /** ARG name → path of an upstream image.json: its ref is passed as that build arg */
    images: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an ARG name'), z.string().min(1)).default({}),
    labels: z.record(z.string().min(1), z.string()).default({}),
    /** where image.json is written (workspace-relative) */
    output: z.string().min(1),
    noCache: z.boolean().default(false),
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
