// cas-policy:render — session.yml + measurement.json → the bound session file (validated, deterministic YAML).
import type { ExecutorContext } from '@nx/devkit';
import { formatIssue, optionsOrThrow } from '../../lib/errors.js';
import { renderBoundFiles } from '../../lib/render.js';
import { RenderOptions } from './options.js';

export default async function renderExecutor(raw: unknown, context: ExecutorContext): Promise<{ success: boolean }> {
  const options = optionsOrThrow(RenderOptions, raw, 'cas-policy:render');
  const result = renderBoundFiles({
    session: options.session,
    measurement: options.measurement,
    service: options.service,
    also: options.also,
    peers: options.peers,
    output: options.output,
    cwd: context.root,
    strict: options.strict,
    backend: options.backend,
  });
  for (const warning of result.warnings) console.warn(formatIssue(warning));
  const peers = options.peers.map((p) => `, ${p.service} to ${p.measurement}`).join('');
  console.log(`cas-policy:render: bound ${result.measurement.measurement} to ${[result.service, ...options.also].join(', ')}${peers}; wrote ${options.output}`);
  return { success: true };
}
