// signer:bench-volume — the file shield's cost, measured side by side in one run: the same program
// (src/c/test/volbench.c) on a plain folder and, signed with the extension, on an encrypted volume of the real sim
// policy service; sequential write and read (MB/s), random 4 KiB reads (reads/s) and metadata rounds (a temp file
// written, renamed over another, a directory made and removed: rounds/s), the two alternated in a
// balanced order (ABBA) round by round; encrypted ÷ plain with bootstrap 95 % intervals over the rounds.
// usage: node packages/signer/dist/bench/volume-bench.js [--rounds 10] [--mib 64] [--reads 200000] [--meta 500] [--out FILE]
import { startPolicyService, uploadSessionSim } from '@confidential/cas-policy';
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateKey } from '../lib/keys.js';
import { C_SOURCE_DIR } from '../lib/toolchain.js';
import { casAddr, signBare, volumeSession } from './sim-volume.js';

/** each mode's unit, goal (encrypted ÷ plain at least) and the option that gives volbench its count */
const MODES = {
  seqwrite: { unit: 'MB/s', goal: 0.7, count: 'mib' },
  seqread: { unit: 'MB/s', goal: 0.7, count: undefined },
  randread: { unit: 'reads/s', goal: 0.5, count: 'reads' },
  meta: { unit: 'rounds/s', goal: undefined, count: 'meta' }, // the issue sets no goal for metadata
} as const;
type Mode = keyof typeof MODES;
const modes = Object.keys(MODES) as Mode[];

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** mean of b ÷ mean of a, with a percentile bootstrap over the paired rounds (seeded: the same data, the same interval) */
export function ratioInterval(a: number[], b: number[], resamples = 10_000, seed = 1): { ratio: number; low: number; high: number } {
  let state = seed >>> 0;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const ratios: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < a.length; i++) {
      const k = Math.floor(next() * a.length);
      sa += a[k] as number;
      sb += b[k] as number;
    }
    ratios.push(sb / sa);
  }
  ratios.sort((x, y) => x - y);
  return { ratio: mean(b) / mean(a), low: ratios[Math.floor(0.025 * resamples)] as number, high: ratios[Math.floor(0.975 * resamples)] as number };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, mib: { type: 'string', default: '64' }, reads: { type: 'string', default: '200000' }, meta: { type: 'string', default: '500' }, out: { type: 'string' } } });
  const rounds = Number(values.rounds);
  const tmp = await mkdtemp(join(tmpdir(), 'bench-volume-'));
  const service = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: join(tmp, 'store'), log: () => undefined });
  try {
    const plainBin = join(tmp, 'volbench');
    await execa('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', join(C_SOURCE_DIR, 'test/volbench.c'), '-o', plainBin]);
    const keyFile = join(tmp, 'key.pem');
    loadOrCreateKey(keyFile, { create: true });
    const signed = await signBare(plainBin, tmp, { keyFile, outputDir: join(tmp, 'out') });
    const plainDir = join(tmp, 'plain');
    const volume = join(tmp, 'volume');
    await mkdir(plainDir);
    await mkdir(volume);
    let hash: string | undefined;
    const measure = async (encrypted: boolean, mode: Mode): Promise<number> => {
      const file = join(encrypted ? volume : plainDir, 'data.bin');
      const count = MODES[mode].count;
      const args = [mode, file, ...(count ? [values[count] as string] : [])];
      let r;
      if (encrypted) {
        const session = volumeSession({ name: 'bench', service: 'app', measurement: signed.measurement, command: `volbench ${args.join(' ')}`, volumePath: volume, predecessor: hash });
        hash = (await uploadSessionSim(service.url, session)).hash;
        r = await execa(signed.binary, [], { env: { SCONE_CONFIG_ID: 'bench/app', SCONE_CAS_ADDR: casAddr(service.url) }, extendEnv: false, reject: false });
      } else {
        r = await execa(plainBin, args, { reject: false });
      }
      const m = new RegExp(`^${mode} ([0-9.]+) `).exec(r.stdout);
      if (r.exitCode !== 0 || !m) throw new Error(`volbench ${args.join(' ')} (${encrypted ? 'encrypted' : 'plain'}) failed: ${r.stdout} ${r.stderr}`);
      return Number(m[1]);
    };
    const samples = Object.fromEntries(modes.map((mode) => [mode, { plain: [] as number[], encrypted: [] as number[] }])) as Record<Mode, { plain: number[]; encrypted: number[] }>;
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [false, true] : [true, false]; // ABBA: neither side always first
      for (const encrypted of order) {
        for (const mode of modes) samples[mode][encrypted ? 'encrypted' : 'plain'].push(await measure(encrypted, mode));
      }
      process.stderr.write(`bench-volume: round ${round + 1}/${rounds}\n`);
    }
    const results = modes.map((mode) => {
      const { plain, encrypted } = samples[mode];
      const iv = ratioInterval(plain, encrypted);
      const { unit, goal } = MODES[mode];
      return { mode, unit, plain: mean(plain), encrypted: mean(encrypted), ...iv, goal: goal ?? null, meetsGoal: goal === undefined ? null : iv.low >= goal, samples: { plain, encrypted } };
    });
    const report = {
      version: 1,
      kind: 'bench-volume',
      date: new Date().toISOString(),
      method: { rounds, fileMiB: Number(values.mib), randomReads: Number(values.reads), metaRounds: Number(values.meta), order: 'ABBA per round', cpus: cpus().length, folder: tmpdir(), interval: 'percentile bootstrap of the ratio of means over paired rounds, 10000 resamples, 95 %' },
      results,
    };
    for (const r of results) {
      console.log(`${r.mode}: plain ${r.plain.toFixed(0)} ${r.unit}, encrypted ${r.encrypted.toFixed(0)} ${r.unit}: encrypted ÷ plain ${r.ratio.toFixed(3)} [${r.low.toFixed(3)}, ${r.high.toFixed(3)}]${r.goal === null ? '' : ` (goal ≥ ${r.goal}: ${r.meetsGoal ? 'met' : 'not met'})`}`);
    }
    if (values.out) await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await service.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`bench-volume: ${(error as Error).message}`);
    process.exit(1);
  });
}
