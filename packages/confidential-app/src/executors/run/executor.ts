// @confidential/app:run — compose-runner:run, then (with leakScan) the leak scan before teardown and over the Nx
// outputs after it: the private keys the policy service gives the app's measurement must be nowhere else.
// leak-scan.json in outputDir records where it looked and what it found (forms, never bytes).
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { launchPath } from '@confidential/cas-policy';
import { projectContainers, runRun, type RunOutcome } from '@confidential/compose-runner';
import { builtImage } from '@confidential/image-builder';
import { nxExecutor, optionsOrThrow } from '@confidential/kit';
import { fetchInContainer, launchNeedles, scanOutputs, scanRun, Scanner, type Needle, type PlaceResult } from '../../lib/leak-scan.js';
import { AppRunOptions } from './options.js';

const EXECUTOR = 'app:run';
type Scan = NonNullable<ReturnType<typeof AppRunOptions.parse>['leakScan']>;

export interface LeakScanRecord {
  ok: boolean;
  configIds: string[];
  keys: number;
  forms: number;
  refused: { status: number; bytes: number; clean: boolean };
  places: PlaceResult[];
}

/** A measurement differing in its last hex digit. */
const other = (m: string) => `${m.slice(0, -1)}${m.endsWith('0') ? '1' : '0'}`;

export async function runAppRun(raw: unknown, root: string, log: (line: string) => void = (l) => console.log(l)): Promise<RunOutcome & { leakScan?: LeakScanRecord }> {
  const options = optionsOrThrow(AppRunOptions, raw, EXECUTOR);
  const { leakScan: _scan, ...run } = (raw ?? {}) as Record<string, unknown>; // the rest is compose-runner:run's
  if (!options.leakScan) return runRun(run, root);
  const s: Scan = options.leakScan;
  const measurementOf = async (file: string, option: string): Promise<string> => {
    const text = await readFile(resolve(root, file), 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${EXECUTOR}: option "${option}" is invalid: cannot read ${file} (${err.code ?? err.message}); build the sign target first.`);
    });
    const m = (JSON.parse(text) as { measurement?: unknown }).measurement;
    if (typeof m !== 'string' || !/^[0-9a-f]{64}$/.test(m)) throw new Error(`${EXECUTOR}: ${file}: expected "measurement" (64 hex digits)`);
    return m;
  };
  const measurement = await measurementOf(s.measurement, 'leakScan.measurement');
  const launches: { configId: string; measurement: string }[] = s.configIds.map((configId) => ({ configId, measurement }));
  for (const [i, p] of s.peers.entries()) launches.push({ configId: p.configId, measurement: await measurementOf(p.measurement, `leakScan.peers[${i}].measurement`) });
  const images: string[] = [];
  for (const file of s.images) images.push(await builtImage(resolve(root, file)));

  let needles: Needle[] = [];
  let record: LeakScanRecord | undefined;
  const outcome = await runRun(run, root, {
    beforeTeardown: async ({ client, project, logs }) => {
      const service = (await projectContainers(client, project)).find((c) => c.service === s.policyService && c.status === 'running');
      if (!service) throw new Error(`leak scan: no running "${s.policyService}" service in ${project} to ask for the launch answer`);
      let keys = 0;
      const refusals: { status: number; bytes: number; clean: boolean }[] = [];
      const bodies: Buffer[] = [];
      for (const { configId, measurement } of launches) {
        const url = (m: string) => `http://127.0.0.1:${s.port}${launchPath(configId, m)}`;
        const answer = await fetchInContainer(client, service.id, url(measurement));
        if (answer.status !== 200) throw new Error(`leak scan: the policy service answered ${answer.status} to the measurement ${measurement} for ${configId}`);
        const launch = launchNeedles(answer.body.toString('latin1'));
        // the needles are right: the scanner finds them where the keys came from, and in the answer's own encoding
        for (const source of launch.keys ? [...launch.sources, answer.body] : []) {
          const self = new Scanner(launch.needles, false);
          self.feed(source);
          if (self.found.size === 0) throw new Error('leak scan: the needles derived from the launch answer are not found in it (a scanner defect)');
        }
        for (const b of [...launch.sources, answer.body]) b.fill(0);
        needles.push(...launch.needles);
        keys += launch.keys;
        // another measurement gets 403 and no secret bytes
        const refusal = await fetchInContainer(client, service.id, url(other(measurement)));
        bodies.push(refusal.body);
        refusals.push({ status: refusal.status, bytes: refusal.body.length, clean: true });
      }
      refusals.forEach((r, i) => {
        const scanner = new Scanner(needles, true);
        scanner.feed(bodies[i] as Buffer);
        r.clean = scanner.found.size === 0;
      });
      const places = await scanRun({ client, project, needles, logs, images });
      const bad = refusals.find((r) => r.status !== 403 || !r.clean);
      record = {
        ok: false,
        configIds: launches.map((l) => l.configId),
        keys,
        forms: needles.length,
        refused: bad ?? refusals[0] ?? { status: 403, bytes: 0, clean: true },
        places,
      };
      if (bad && bad.status !== 403) throw new Error(`leak scan: a different measurement got ${bad.status} from the policy service, expected 403`);
    },
  });
  if (!record) return outcome; // the run failed before its test service exited: nothing was scanned
  const own = options.outputDir;
  const outputDir = resolve(root, own);
  const folders = s.outputs.some((f) => own === f || own.startsWith(`${f}/`)) ? s.outputs : [...s.outputs, own];
  record.places.push(...(await scanOutputs(root, folders, needles)));
  needles = [];
  const dirty = record.places.filter((p) => p.found.length);
  record.ok = dirty.length === 0 && record.refused.clean && record.refused.status === 403;
  await writeFile(join(outputDir, 'leak-scan.json'), `${JSON.stringify(record, null, 2)}\n`);
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  log(`[leak-scan] ${record.keys} private key(s) in the launch answers of ${record.configIds.join(', ')} (${record.forms} forms looked for); another measurement: ${record.refused.status}, ${record.refused.clean ? 'no secret bytes' : 'SECRET BYTES'}`);
  for (const p of record.places) log(`[leak-scan] ${p.found.length ? `FOUND ${p.found.join(', ')} in` : 'clean:'} ${p.place} (${p.items} item(s), ${mb(p.bytes)})`);
  if (record.ok) return outcome;
  const where = dirty.map((p) => `${p.found.join(', ')} in ${p.place}`).concat(record.refused.clean ? [] : ['secret bytes in the refusal']);
  return { ...outcome, success: false, error: `leak scan: ${where.join('; ')} (details in ${join(own, 'leak-scan.json')})`, leakScan: record };
}

export default nxExecutor(async (raw, root) => {
  const outcome = await runAppRun(raw, root);
  if (!outcome.success) throw new Error(`${EXECUTOR}: ${outcome.error} (logs in ${outcome.outputDir})`);
});
