// golang-patcher:sync — plans the daily job. It runs on a schedule (upstream changes are invisible to git), not
// through `nx affected`; the plan is written to a file and printed, one line per image.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { publishPlan } from '../../lib/publish.js';
import { listTags } from '../../lib/registry-tags.js';
import { planSync, type SyncPlan } from '../../lib/tags.js';
import { patchedMinors } from '../../lib/versions.js';
import { nxExecutor, optionsOrThrow } from '@confidential/kit';
import { SyncOptions } from './options.js';

export async function runSync(raw: unknown, root: string): Promise<SyncPlan> {
  const options = optionsOrThrow(SyncOptions, raw, 'golang-patcher:sync');
  const upstreamTags = options.upstreamTagsFile
    ? readFileSync(resolve(root, options.upstreamTagsFile), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)
    : await listTags(options.upstream);
  const existingTags = await listTags(options.target);
  const minors = patchedMinors(join(root, 'packages/golang-patcher/patches'));
  const plan = planSync({ upstreamTags, existingTags, today: options.today ?? new Date().toISOString().slice(0, 10), patchedMinors: minors });
  for (const b of plan.build) console.log(`build ${options.upstream}:${b.from} → ${options.target}:{${b.tags.join(',')}} (${b.libc})`);
  for (const s of plan.skip) console.log(`skip  ${s.tag}: ${s.reason}`);
  const out = resolve(root, options.output);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(plan, null, 2)}\n`);
  console.log(`${plan.build.length} to build, ${plan.skip.length} skipped; plan written to ${options.output}`);
  if (options.execute && plan.build.length > 0) {
    const published = await publishPlan(plan, {
      root,
      upstream: options.upstream,
      target: options.target,
      signingKey: options.signingKey.startsWith('env://') ? options.signingKey : resolve(root, options.signingKey.replace(/^~(?=\/)/, homedir())),
      publicKeyFile: join(dirname(out), 'cosign.pub'),
      tlog: options.tlog,
      log: console.log,
    });
    writeFileSync(out, `${JSON.stringify({ ...plan, published }, null, 2)}\n`);
  }
  return plan;
}

export default nxExecutor(runSync);
