// The signing options (executor signer:sign and sign()), validated with zod.
import { posix } from 'node:path';
import { z } from 'zod';
import { Stage } from '@confidential/image-builder';

/** A heap size with a unit, as scone-signer takes it: "2g", "512m", "3G". */
export const HeapSize = z.string().regex(/^[1-9][0-9]*[kKmMgG]?$/, 'expected a size with an optional unit such as "2g" or "512m"');
export type HeapSize = z.infer<typeof HeapSize>;

export const SignOptions = z.strictObject({
  backend: z.enum(['sim', 'scone']).default('sim').describe('sim: runnable anywhere, no hardware isolation. scone: SCONE images required.'),
  binary: z.string().min(1).describe('The native binary (sim: workspace path; scone: path in the builder image).'),
  include: z.array(z.string().min(1)).min(1, 'expected at least one glob').describe('Globs of files to embed, "/"-rooted below root, e.g. "/caddy/*".'),
  root: z.string().min(1).default('/').describe('Host directory that is "/" for the include globs.'),
  hostPaths: z.array(z.string().startsWith('/', 'expected an absolute path')).default([]).describe('Directories read from the host at run time, never embedded.'),
  heap: HeapSize.default('2g').describe('Enclave heap with unit (scone-signer --heap).'),
  binaryfsHeap: HeapSize.default('3G').describe('SCONE_HEAP of the scone binaryfs step.'),
  syslibs: z.boolean().default(true).describe('scone-signer --syslibs.'),
  dlopen: z.boolean().default(false).describe('scone-signer --dlopen.'),
  extensions: z.array(z.string().regex(/^[A-Za-z0-9._+-]+\.so(\.[0-9]+)*$/, 'expected a library file name such as "libbinaryfs.so"')).min(1).default(['libbinaryfs.so']).describe('Extension library file names.'),
  libc: z.enum(['glibc', 'musl']).default('glibc').describe('C library of the binary (gcc or musl-gcc for the runtime).'),
  keyFile: z.string().min(1).optional().describe('Ed25519 private key (PEM); default ~/.config/confidential/signer-key.pem, generated once.'),
  outputDir: z.string().min(1).describe('Where the confidential binary, libbinaryfs.so and measurement.json go.'),
  /** the config id `<session>/<service>` the program is started with (SCONE_CONFIG_ID); required for scone */
  configId: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected <session>/<service>').optional(),
  sconeVersion: z.string().regex(/^[\w][\w.-]*$/, 'expected an image tag such as "6.0.2"').default('6.0.2').describe('Tag of the SCONE packages image (scone backend).'),
  sconeBuilder: Stage.default({ name: 'builder', from: { image: 'ghcr.io/scontain/golang', tag: '1-alpine' }, instructions: [] }).describe('scone: the stage building the native binary (image-builder Dockerfile model), placed before the signer stage; default an empty ghcr.io/scontain/golang:1-alpine stage.'),
});
export type SignOptions = z.infer<typeof SignOptions>;
export type SignOptionsInput = z.input<typeof SignOptions>;

/** The options that are part of the measurement: what changes the confidential program's behaviour. Paths of the
 * build machine (binary, root, outputDir, keyFile) are left out so that two checkouts measure the same. */
export function measuredOptions(o: SignOptions): Record<string, unknown> {
  return {
    backend: o.backend,
    include: o.include.map((g) => (g.startsWith('/') ? g : `/${g}`)),
    hostPaths: [...new Set(o.hostPaths.map((h) => posix.resolve('/', h)))].sort(),
    heap: o.heap.toLowerCase(),
    syslibs: o.syslibs,
    dlopen: o.dlopen,
    extensions: o.extensions,
    libc: o.libc,
  };
}
