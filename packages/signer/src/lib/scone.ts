// scone backend: renders the original's steps as Dockerfile stages of the image-builder model. It cannot run here
// (needs the SCONE images); it is checked by what it emits (golden tests).
import { posix } from 'node:path';
import { z } from 'zod';
import { renderDockerfile, type Stage } from '@confidential/image-builder';
import { parseOrThrow } from '@confidential/kit';
import { HeapSize } from './options.js';

export const SconeOptions = z.strictObject({
  /** version (tag) of the SCONE packages image */
  sconeVersion: z.string().regex(/^[\w][\w.-]*$/, 'expected an image tag such as "6.0.2"').default('6.0.2'),
  packagesImage: z.string().min(1).default('registry.scontain.com/scone.cloud/scone-alpine-pkgs'),
  /** where the signer stage starts: an earlier stage holding the native binary, or an image */
  from: z.union([z.strictObject({ stage: z.string().min(1) }), z.strictObject({ image: z.string().min(1) })]).default({ stage: 'builder' }),
  stageName: z.string().regex(/^[a-z][a-z0-9_.-]*$/).default('signer'),
  /** the native binary inside the builder (signed in place, as the original does) */
  binary: z.string().startsWith('/', 'expected an absolute path in the builder'),
  /** root scanned by scone binaryfs */
  root: z.string().startsWith('/').default('/'),
  binaryfsDir: z.string().startsWith('/').default('/binary-fs-dir'),
  include: z.array(z.string().min(1)).min(1, 'expected at least one glob'),
  hostPaths: z.array(z.string().startsWith('/')).default([]),
  heap: HeapSize.default('2g'),
  binaryfsHeap: HeapSize.default('3G'),
  syslibs: z.boolean().default(true),
  dlopen: z.boolean().default(false),
  extensions: z.array(z.string().regex(/^[A-Za-z0-9._+-]+\.so(\.[0-9]+)*$/)).min(1).default(['libbinaryfs.so']),
  /** where the linked extension is installed in the builder */
  extensionDir: z.string().startsWith('/').default('/usr/lib'),
  /** runtime: SCONE_CONFIG_ID (<session>/<service>) */
  configId: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected <session>/<service>'),
  edmmMode: z.enum(['auto', 'enable', 'disable']).default('auto'),
});
export type SconeOptions = z.infer<typeof SconeOptions>;
export type SconeOptionsInput = z.input<typeof SconeOptions>;

/** Double-quotes a value for sh (the original quotes its globs and host paths). */
const dq = (s: string) => `"${s.replace(/["\\$`]/g, '\\$&')}"`;
const shWord = (s: string) => (/^[\w./:=@%+,-]+$/.test(s) ? s : dq(s));

export interface SconeCommands {
  /** environment of the binaryfs step */
  binaryfsEnv: Record<string, string>;
  /** scone binaryfs <root> <dir> -v --include … --host-path … */
  binaryfs: string[];
  /** gcc binary_fs_blob.s libbinary_fs_template.a -shared -o libbinaryfs.so (run in binaryfsDir) */
  link: string[];
  /** scone-signer sign --sconify --extensions … --heap … --syslibs 1 --dlopen 0 <binary> */
  sign: string[];
}

export function sconeCommands(input: SconeOptionsInput): SconeCommands {
  const o = parseOrThrow(SconeOptions, input, 'scone options');
  return {
    binaryfsEnv: { SCONE_MODE: 'SIM', SCONE_HEAP: o.binaryfsHeap },
    binaryfs: ['scone', 'binaryfs', o.root, o.binaryfsDir, '-v', ...o.include.flatMap((g) => ['--include', g]), ...o.hostPaths.flatMap((h) => ['--host-path', h])],
    link: ['gcc', posix.join(o.binaryfsDir, 'binary_fs_blob.s'), './libbinary_fs_template.a', '-shared', '-o', `/${o.extensions[0]}`],
    sign: [
      'scone-signer', 'sign', '--sconify', '--extensions', o.extensions.join(','), '--heap', o.heap,
      '--syslibs', o.syslibs ? '1' : '0', '--dlopen', o.dlopen ? '1' : '0', o.binary,
    ],
  };
}

/** The environment the confidential binary runs with (run_test.sh of the original). */
export function sconeRuntimeEnv(input: SconeOptionsInput): Record<string, string> {
  const o = parseOrThrow(SconeOptions, input, 'scone options');
  return {
    SCONE_MODE: 'hw',
    SCONE_VERSION: '1',
    SCONE_CONFIG_ID: o.configId,
    SCONE_EXTENSIONS_PATH: o.extensions.join(':'),
    SCONE_EDMM_MODE: o.edmmMode,
  };
}

/** The packages stage and the signer stage (binaryfs → link → sign), as image-builder Stage models. */
export function renderSconeStages(input: SconeOptionsInput): { args: { name: string; default: string }[]; stages: Stage[] } {
  const o = parseOrThrow(SconeOptions, input, 'scone options');
  const c = sconeCommands(o);
  const words = (argv: string[], quoted: Set<number>) => argv.map((a, i) => (quoted.has(i) ? dq(a) : shWord(a))).join(' ');
  const quotedBinaryfs = new Set(c.binaryfs.map((a, i) => (c.binaryfs[i - 1] === '--include' || c.binaryfs[i - 1] === '--host-path' ? i : -1)).filter((i) => i >= 0));
  const env = Object.entries(c.binaryfsEnv).map(([k, v]) => `${k}=${v}`).join(' ');
  const ext = o.extensions[0]!;
  return {
    args: [{ name: 'SCONE_PACKAGES_IMAGE', default: `${o.packagesImage}:${o.sconeVersion}` }],
    stages: [
      { name: 'packages', from: { arg: 'SCONE_PACKAGES_IMAGE' }, instructions: [] },
      {
        name: o.stageName,
        from: 'stage' in o.from ? { stage: o.from.stage } : { image: o.from.image },
        instructions: [
          { kind: 'COPY', from: 'packages', src: ['/packages/scone-cli.apk'], dest: '/packages/' },
          { kind: 'RUN', commands: ['apk add --allow-untrusted --no-network /packages/scone-cli.apk'] },
          {
            kind: 'RUN',
            commands: [
              `mkdir ${o.binaryfsDir}`,
              `${env} ${words(c.binaryfs, quotedBinaryfs)}`,
              `cd ${o.binaryfsDir}`,
              words(c.link, new Set()),
              `mv /${ext} ${o.extensionDir}`,
              words(c.sign, new Set()),
            ],
          },
        ],
      },
    ],
  };
}

/** The stages rendered as Dockerfile text (FROM of the signer stage must name an earlier stage or image). */
export function renderSconeDockerfile(input: SconeOptionsInput, before: Stage[] = []): string {
  const { args, stages } = renderSconeStages(input);
  const [packages, signer] = stages as [Stage, Stage];
  return renderDockerfile({ args, stages: [packages, ...before, signer] });
}
