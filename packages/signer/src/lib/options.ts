// The signing options (executor signer:sign and sign()), validated with zod.
import { posix } from 'node:path';
import { z } from 'zod';
import { Stage } from '@confidential/image-builder';

/** A heap size with a unit, as scone-signer takes it: "2g", "512m", "3G". */
export const HeapSize = z.string().regex(/^[1-9][0-9]*[kKmMgG]?$/, 'expected a size with an optional unit such as "2g" or "512m"');
export type HeapSize = z.infer<typeof HeapSize>;

export const SignOptions = z.strictObject({
  /** sim runs here (no hardware isolation); scone renders the original's builder stage */
  backend: z.enum(['sim', 'scone']).default('sim'),
  /** the native binary to transform (for scone: its path inside the builder image) */
  binary: z.string().min(1),
  /** globs of the files to embed, matched against "/"-rooted paths below root, e.g. "/caddy/*" */
  include: z.array(z.string().min(1)).min(1, 'expected at least one glob'),
  /** the host directory that is "/" for the include globs */
  root: z.string().min(1).default('/'),
  /** directories the program reads from the host at run time (never embedded), e.g. "/root/.local/share/caddy/" */
  hostPaths: z.array(z.string().startsWith('/', 'expected an absolute path')).default([]),
  /** enclave heap (scone-signer --heap) */
  heap: HeapSize.default('2g'),
  /** heap of the scone binaryfs tool while it runs in the builder (SCONE_HEAP) */
  binaryfsHeap: HeapSize.default('3G'),
  /** scone-signer --syslibs 1|0 */
  syslibs: z.boolean().default(true),
  /** scone-signer --dlopen 1|0 */
  dlopen: z.boolean().default(false),
  /** extension libraries (file names); the binaryfs extension is libbinaryfs.so */
  extensions: z.array(z.string().regex(/^[A-Za-z0-9._+-]+\.so(\.[0-9]+)*$/, 'expected a library file name such as "libbinaryfs.so"')).min(1).default(['libbinaryfs.so']),
  libc: z.enum(['glibc', 'musl']).default('glibc'),
  /** Ed25519 private key (PEM); default: generated once at ~/.config/confidential/signer-key.pem */
  keyFile: z.string().min(1).optional(),
  outputDir: z.string().min(1),
  /** the config id `<session>/<service>` the program is started with (SCONE_CONFIG_ID); required for scone */
  configId: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected <session>/<service>').optional(),
  /** scone: version of the SCONE packages image */
  sconeVersion: z.string().regex(/^[\w][\w.-]*$/, 'expected an image tag such as "6.0.2"').default('6.0.2'),
  /** scone: the stage that builds the native binary (image-builder model), before the signer stage */
  sconeBuilder: Stage.default({ name: 'builder', from: { image: 'ghcr.io/scontain/golang', tag: '1-alpine' }, instructions: [] }),
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
