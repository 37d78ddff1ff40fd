// cas-policy:render — session.yml + measurement.json → the bound session file (validated, deterministic YAML).
import { resolve } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { formatIssue, optionsOrThrow } from '../../lib/errors.js';
import { renderBoundFiles } from '../../lib/render.js';
import { RenderOptions } from './options.js';

export default async function renderExecutor(raw: unknown, context: ExecutorContext): Promise<{ success: boolean }> {
  const options = optionsOrThrow(RenderOptions, raw, 'cas-policy:render');
  const root = context.root;
  const result = renderBoundFiles({
    session: resolve(root, options.session),
    measurement: resolve(root, options.measurement),
    service: options.service,
    output: resolve(root, options.output),
    strict: options.strict,
    backend: options.backend,
  });
  for (const warning of result.warnings) console.warn(formatIssue(warning));
  console.log(`cas-policy:render: bound ${result.measurement.measurement} to ${result.service}; wrote ${options.output}`);
  return { success: true };
}
