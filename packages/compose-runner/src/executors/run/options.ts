// compose-runner:run options (zod); schema.json is generated from this (npm run schemas).
import { z } from 'zod';
import { ComposeModel, DependsOnCondition, ServiceName } from '../../lib/model.js';

/** An environment value: a string, or a reference to an upstream output file (JSON field, default "ref"; or the file's text). */
export const EnvValue = z.union(
  [
    z.string(),
    z.strictObject({ file: z.string().min(1), field: z.string().min(1).optional() }),
  ],
  { error: 'expected a string or {file, field?}' },
);
export type EnvValue = z.infer<typeof EnvValue>;

export const RunOptions = z
  .strictObject({
    composeFiles: z.array(z.string().min(1)).min(1).optional().describe('Compose files, relative to the workspace root, merged in order like compose -f a -f b (give this or model).'),
    model: z.unknown().optional().describe('Inline compose model {services, networks?, volumes?} (give this or composeFiles).'),
    testService: ServiceName.describe('The service whose exit code is the result.'),
    timeoutSeconds: z.number().positive().default(600).describe('Limit for up, the waits and the test service; teardown comes on top.'),
    waitFor: z.array(z.strictObject({ service: ServiceName, condition: DependsOnCondition })).default([]).describe("Services to wait on, in order, before the test service's exit counts."),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name'), EnvValue).default({}).describe('Environment of the compose process (for ${VAR} in the file): a string, or {file, field?} reading an upstream output (JSON field, default "ref"; a non-JSON file gives its text). An image.json is checked against the engine.'),
    outputDir: z.string().min(1).describe('Workspace-relative folder for logs.txt, logs/<service>.log, exit-code, run.json and results/.'),
    results: z.array(z.string().startsWith('/', 'expected an absolute path in the container')).default([]).describe('Absolute paths in the test container copied into <outputDir>/results after it exited.'),
    name: z.string().min(1).optional().describe('The <name> of the project name cr-<name>-<random>; default the test service.'),
    projectDirectory: z.string().min(1).optional().describe('Folder relative paths of the compose file resolve against (workspace-relative).'),
    labels: z.record(z.string().min(1), z.string()).default({}).describe('Extra labels for every service of an inline model.'),
  })
  .superRefine((o, ctx) => {
    if (!o.composeFiles === (o.model === undefined)) {
      ctx.addIssue({ code: 'custom', path: o.composeFiles ? ['model'] : ['composeFiles'], message: 'give exactly one of "composeFiles" (paths) or "model" (inline)' });
      return;
    }
    if (o.model !== undefined) {
      const model = ComposeModel.safeParse(o.model);
      if (!model.success) {
        for (const issue of model.error.issues) ctx.addIssue({ ...issue, path: ['model', ...issue.path] } as never);
      }
    }
  });
export type RunOptions = z.input<typeof RunOptions>;
