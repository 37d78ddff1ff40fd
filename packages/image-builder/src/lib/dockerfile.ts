// A typed Dockerfile model: stages of instructions, validated with zod and rendered to text.
// Only the instructions the project needs, and only what the classic builder accepts (no BuildKit-only
// flags such as COPY --chmod: engines here have no buildx); every value is quoted the way the Dockerfile parser expects.
import { z } from 'zod';
import { parseOrThrow } from '@confidential/kit';

/** An image reference; `digest` pins it (rendered as `image:tag@sha256:…`). */
export const ImageRef = z.strictObject({
  image: z.string().regex(/^[a-z0-9][a-z0-9._\/:-]*$/, 'expected an image name such as "debian" or "localhost:5000/x"'),
  tag: z.string().regex(/^[\w][\w.-]{0,127}$/, 'expected a tag such as "bookworm"').optional(),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" and 64 hex digits').optional(),
});
export type ImageRef = z.infer<typeof ImageRef>;

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

export const Instruction = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ARG'), name: EnvName, default: z.string().optional() }),
  z.strictObject({ kind: z.literal('ENV'), vars: z.record(EnvName, z.string()) }),
  z.strictObject({ kind: z.literal('LABEL'), labels: z.record(z.string().min(1), z.string()) }),
  z.strictObject({ kind: z.literal('WORKDIR'), path: z.string().min(1) }),
  z.strictObject({ kind: z.literal('USER'), user: z.string().min(1) }),
  z.strictObject({ kind: z.literal('EXPOSE'), ports: z.array(z.union([z.number().int().positive(), z.string()])).min(1) }),
  z.strictObject({
    kind: z.literal('COPY'),
    /** a stage name of this Dockerfile, or an image reference string */
    from: z.string().min(1).optional(),
    src: z.array(z.string().min(1)).min(1),
    dest: z.string().min(1),
    chown: z.string().optional(),
  }),
  /** shell form; several commands are joined with `&&` one per line */
  z.strictObject({ kind: z.literal('RUN'), commands: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ kind: z.literal('CMD'), exec: z.array(z.string()).min(1) }),
  z.strictObject({ kind: z.literal('ENTRYPOINT'), exec: z.array(z.string()).min(1) }),
]);
export type Instruction = z.infer<typeof Instruction>;

export const Stage = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'expected a lower-case stage name'),
  /** an image, the name of an earlier stage, or a global ARG holding an image reference (`FROM ${ARG}`) */
  from: z.union([ImageRef, z.strictObject({ stage: z.string() }), z.strictObject({ arg: EnvName })]),
  instructions: z.array(Instruction).default([]),
});
export type Stage = z.input<typeof Stage>;

export const Dockerfile = z
  .strictObject({
    /** global ARGs declared before the first FROM */
    args: z.array(z.strictObject({ name: EnvName, default: z.string().optional() })).default([]),
    stages: z.array(Stage).min(1),
  })
  .superRefine((df, ctx) => {
    const seen = new Set<string>();
    df.stages.forEach((stage, i) => {
      if (seen.has(stage.name)) {
        ctx.addIssue({ code: 'custom', path: ['stages', i, 'name'], message: `duplicate stage name "${stage.name}"` });
      }
      if ('arg' in stage.from && !df.args.some((a) => 'arg' in stage.from && a.name === stage.from.arg)) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', i, 'from', 'arg'],
          message: `FROM \${${stage.from.arg}} needs a global ARG ${stage.from.arg} declared before the first stage`,
        });
      }
      if ('stage' in stage.from && !seen.has(stage.from.stage)) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', i, 'from', 'stage'],
          message: `unknown stage "${stage.from.stage}": a stage can start only from an earlier stage (${[...seen].join(', ') || 'none'})`,
        });
      }
      stage.instructions.forEach((ins, j) => {
        if (ins.kind === 'COPY' && ins.from && !seen.has(ins.from) && !ins.from.includes(':') && !ins.from.includes('/')) {
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, 'instructions', j, 'from'],
            message: `unknown stage "${ins.from}" in COPY --from (earlier stages: ${[...seen].join(', ') || 'none'})`,
          });
        }
      });
      seen.add(stage.name);
    });
  });
export type Dockerfile = z.input<typeof Dockerfile>;

export function imageRefString(ref: ImageRef): string {
  return `${ref.image}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Parses "name[:tag][@sha256:…]" into an ImageRef (a registry port is not mistaken for a tag). */
export function parseImageRef(text: string): ImageRef {
  const [nameTag = '', digest] = text.split('@');
  const slash = nameTag.lastIndexOf('/');
  const colon = nameTag.lastIndexOf(':');
  const hasTag = colon > slash;
  return ImageRef.parse({
    image: hasTag ? nameTag.slice(0, colon) : nameTag,
    ...(hasTag ? { tag: nameTag.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  });
}

const json = (v: unknown) => JSON.stringify(v);
const quoteIfNeeded = (v: string) => (/^[\w.\/:@%+,-]+$/.test(v) ? v : json(v));

function renderInstruction(ins: Instruction): string {
  switch (ins.kind) {
    case 'ARG':
      return `ARG ${ins.name}${ins.default !== undefined ? `=${quoteIfNeeded(ins.default)}` : ''}`;
    case 'ENV':
      return `ENV ${Object.entries(ins.vars).map(([k, v]) => `${k}=${json(v)}`).join(' \\\n    ')}`;
    case 'LABEL':
      return `LABEL ${Object.entries(ins.labels).map(([k, v]) => `${json(k)}=${json(v)}`).join(' \\\n      ')}`;
    case 'WORKDIR':
      return `WORKDIR ${ins.path}`;
    case 'USER':
      return `USER ${ins.user}`;
    case 'EXPOSE':
      return `EXPOSE ${ins.ports.join(' ')}`;
    case 'COPY': {
      const flags = [
        ins.from ? `--from=${ins.from}` : '',
        ins.chown ? `--chown=${ins.chown}` : '',
      ].filter(Boolean);
      return `COPY ${[...flags, json([...ins.src, ins.dest])].join(' ')}`;
    }
    case 'RUN':
      return `RUN ${ins.commands.join(' \\\n && ')}`;
    case 'CMD':
    case 'ENTRYPOINT':
      return `${ins.kind} ${json(ins.exec)}`;
  }
}

/** Validates and renders a Dockerfile model to text; throws an Error naming the path of each problem. */
export function renderDockerfile(input: Dockerfile): string {
  const df = parseOrThrow(Dockerfile, input, 'Dockerfile model');
  const lines: string[] = ['# Generated by @confidential/image-builder: edit the model, not this file.'];
  for (const arg of df.args) lines.push(renderInstruction({ kind: 'ARG', ...arg }));
  for (const stage of df.stages) {
    const from = 'stage' in stage.from ? stage.from.stage : 'arg' in stage.from ? `\${${stage.from.arg}}` : imageRefString(stage.from);
    lines.push('', `FROM ${from} AS ${stage.name}`);
    for (const ins of stage.instructions) lines.push(renderInstruction(ins));
  }
  return `${lines.join('\n')}\n`;
}

/** Names of the stages, in order (for validating a `target` option). */
export function stageNames(input: Dockerfile): string[] {
  return input.stages.map((s) => s.name);
}

/** The images a Dockerfile starts from (FROM and COPY --from images), for pull/bootstrap before a build. */
export function baseImages(input: Dockerfile): string[] {
  const df = parseOrThrow(Dockerfile, input, 'Dockerfile model');
  const stages = new Set(df.stages.map((s) => s.name));
  const refs = new Set<string>();
  for (const stage of df.stages) {
    if ('image' in stage.from && stage.from.image !== 'scratch') refs.add(imageRefString(stage.from));
    for (const ins of stage.instructions) if (ins.kind === 'COPY' && ins.from && !stages.has(ins.from)) refs.add(ins.from);
  }
  return [...refs];
}
