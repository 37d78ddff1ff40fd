// compose-runner:run options (zod); schema.json mirrors this for Nx.
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
    /** compose file, workspace-relative */
    composeFile: z.string().min(1).optional(),
    /** inline compose model */
    model: z.unknown().optional(),
    testService: ServiceName,
    timeoutSeconds: z.number().positive().default(600),
    waitFor: z.array(z.strictObject({ service: ServiceName, condition: DependsOnCondition })).default([]),
    /** environment of the compose process (for `${VAR}` in the file) */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name'), EnvValue).default({}),
    /** workspace-relative folder for logs.txt, logs/<service>.log, exit-code, run.json and results/ */
    outputDir: z.string().min(1),
    /** paths inside the test container copied into <outputDir>/results after it exited */
    results: z.array(z.string().startsWith('/', 'expected an absolute path in the container')).default([]),
    /** the <name> in the project name cr-<name>-<random>; default the test service */
    name: z.string().min(1).optional(),
    /** folder relative paths of the compose file resolve against, workspace-relative */
    projectDirectory: z.string().min(1).optional(),
    labels: z.record(z.string().min(1), z.string()).default({}),
  })
  .superRefine((o, ctx) => {
    if (!o.composeFile === (o.model === undefined)) {
      ctx.addIssue({ code: 'custom', path: o.composeFile ? ['model'] : ['composeFile'], message: 'give exactly one of "composeFile" (path) or "model" (inline)' });
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
