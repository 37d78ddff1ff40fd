// The app config (`apps/<app>/confidential.yml`): what differs between confidential Go apps, and nothing generic.
// One zod definition: the plugin validates with it (errors `file:line:col field: expected …`), the executors read
// it, and confidential.schema.json (for editors) is generated from it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { IssueError, parseYamlWith, positionOf, type LoadedYaml } from '@confidential/kit';
import { parse } from 'yaml';
import { z } from 'zod';

/** A path inside the app folder (no absolute path, no `..`). */
const AppPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'expected a path inside the app folder (relative, no "..")');
const AbsPath = z.string().regex(/^\//, 'expected an absolute path');
const FileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a file name such as "caddy"');
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name');
const HeapSize = z.string().regex(/^[1-9][0-9]*[kKmMgG]?$/, 'expected a size with an optional unit such as "2g" or "512m"');

/** A Go module at a version, as the Go module proxy serves it: `github.com/mccutchen/go-httpbin/v2@v2.26.0`. */
export const ModuleVersion = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]*\.[a-z]+(\/[A-Za-z0-9._~+-]+)*@v\d+\.\d+\.\d+[A-Za-z0-9.+-]*$/, 'expected a module path@version such as "github.com/mccutchen/go-httpbin/v2@v2.26.0"');

export const GoSource = z
  .strictObject({
    /** a folder of the app holding go.mod (its dependencies are fetched through the Go module proxy) */
    source: AppPath.optional(),
    /** or a module fetched whole through the Go module proxy */
    module: ModuleVersion.optional(),
    /** the main package, relative to the module root */
    main: z.string().regex(/^\.(\/[A-Za-z0-9._-]+)*$/, 'expected a package path relative to the module root such as "." or "./cmd/app"').default('.'),
    /** upstream Go version of the golang image, e.g. "1.26.8" (a patch must exist for its minor) */
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a Go version such as "1.26.8" (quote it)'),
  })
  .superRefine((g, ctx) => {
    if (!g.source === !g.module) ctx.addIssue({ code: 'custom', path: g.source ? ['module'] : ['source'], message: 'give exactly one of "source" (a folder of the app) or "module" (path@version)' });
  });

export const EmbedFile = z.strictObject({
  /** `module:<module path>` (a folder of the vendored modules) or a folder of the app */
  from: z.union([z.string().regex(/^module:[a-z0-9][a-z0-9.-]*\.[a-z]+(\/[A-Za-z0-9._~+-]+)*$/, 'expected "module:<module path>"'), AppPath]),
  /** where its files appear for the program (the same path in the image) */
  to: AbsPath,
});

export const RunSpec = z.strictObject({
  description: z.string().min(1).optional(),
  /** environment of the compose process (`${VAR}` in the compose file) */
  env: z.record(EnvName, z.string()).default({}),
  /** files copied out of the test container into dist/<app>/<run>/results */
  results: z.array(AbsPath).default([]),
  timeoutSeconds: z.number().int().positive().default(900),
});

export const AppConfig = z.strictObject({
  go: GoSource,
  libc: z.enum(['glibc', 'musl']).default('glibc'),
  /** Debian release of the golang and runtime images */
  distro: z.enum(['bookworm', 'trixie']).default('bookworm'),
  /** the program's name: /usr/local/bin/<binary> in the image */
  binary: FileName,
  /** helper Go programs of the app (a folder with go.mod, no dependencies), built static with upstream Go and put in the image */
  tools: z.array(z.strictObject({ name: FileName, source: AppPath })).default([]),
  embed: z.strictObject({
    files: z.array(EmbedFile).min(1, 'expected at least one folder to embed'),
    /** globs of the files to embed, matched against the "/"-rooted paths above */
    include: z.array(z.string().startsWith('/', 'expected a glob of absolute paths such as "/caddy/*"')).min(1, 'expected at least one glob'),
    /** folders the program reads from the host at run time (never embedded) */
    hostPaths: z.array(AbsPath).default([]),
  }),
  sign: z
    .strictObject({
      heap: HeapSize.default('2g'),
      syslibs: z.boolean().default(true),
      dlopen: z.boolean().default(false),
      extensions: z.array(z.string().regex(/^[A-Za-z0-9._+-]+\.so(\.[0-9]+)*$/, 'expected a library file name such as "libbinaryfs.so"')).min(1).default(['libbinaryfs.so']),
    })
    .default({ heap: '2g', syslibs: true, dlopen: false, extensions: ['libbinaryfs.so'] }),
  session: z.strictObject({
    /** the session policy, app-relative; its `name` and this service give the config id `<session>/<service>` */
    file: AppPath.default('session.yml'),
    service: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a service name of the session'),
  }),
  image: z.strictObject({
    env: z.record(EnvName, z.string()).default({}),
    /** the runtime image's CMD (exec form) */
    cmd: z.array(z.string()).min(1, 'expected the command as a list of words'),
    /** more files of the app for the runtime image */
    files: z.array(z.strictObject({ src: AppPath, dest: AbsPath })).default([]),
  }),
  compose: z.strictObject({
    file: AppPath,
    /** the service whose exit code is the run's */
    testService: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'expected a compose service name'),
  }),
  /** compose runs, each an Nx target of that name */
  runs: z
    .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a target name such as "run" or "e2e"'), RunSpec)
    .refine((r) => 'run' in r, 'expected a run named "run"'),
  scone: z
    .strictObject({
      /** the stage that builds the native binary in the SCONE toolchain (image-builder Stage model) */
      builder: z.record(z.string(), z.unknown()),
      /** the native binary inside the builder stage */
      binary: AbsPath,
      version: z.string().regex(/^[\w][\w.-]*$/, 'expected an image tag such as "6.0.2"').default('6.0.2'),
    })
    .optional(),
});
export type AppConfig = z.output<typeof AppConfig>;
export type AppConfigInput = z.input<typeof AppConfig>;

/** The config file's name; the plugin's glob is `** /confidential.yml`. */
export const CONFIG_FILE = 'confidential.yml';

export interface LoadedApp {
  /** workspace-relative path of confidential.yml */
  file: string;
  /** workspace-relative folder of the app */
  root: string;
  /** the project name (the folder's name) */
  name: string;
  config: AppConfig;
  /** `<session name>/<service>` (SCONE_CONFIG_ID) */
  configId: string;
  /** the patch folder of the Go minor, workspace-relative */
  patchDir: string;
  loaded: LoadedYaml<AppConfig>;
}

function fail(loaded: LoadedYaml<unknown>, path: (string | number)[], message: string, at: 'key' | 'value' = 'value'): never {
  throw new IssueError([{ file: loaded.file, ...positionOf(loaded, path, at), path: path.join('.').replace(/\.(\d+)/g, '[$1]'), message, severity: 'error' }]);
}

/**
 * Loads and checks an app config: the schema, then what it refers to in the workspace (the session file and its
 * name, the Go source folder, the tools, the compose file, a patch for the Go minor). Throws IssueError: one line
 * per problem, `apps/x/confidential.yml:3:12 go.version: …`.
 */
export function loadAppConfig(workspaceRoot: string, file: string): LoadedApp {
  const loaded = parseYamlWith(AppConfig, readFileSync(join(workspaceRoot, file), 'utf8'), file);
  const config = loaded.value;
  const root = posix.dirname(file);
  const inApp = (p: string) => join(workspaceRoot, root, p);
  const sessionFile = inApp(config.session.file);
  if (!existsSync(sessionFile)) fail(loaded, ['session', 'file'], `${posix.join(root, config.session.file)} does not exist`);
  let sessionName: unknown;
  try {
    sessionName = (parse(readFileSync(sessionFile, 'utf8')) as { name?: unknown } | null)?.name;
  } catch (err) {
    fail(loaded, ['session', 'file'], `${posix.join(root, config.session.file)} is not YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (typeof sessionName !== 'string' || !sessionName) fail(loaded, ['session', 'file'], `${posix.join(root, config.session.file)} has no "name"`);
  if (config.go.source && !existsSync(join(inApp(config.go.source), 'go.mod'))) fail(loaded, ['go', 'source'], `${posix.join(root, config.go.source)} has no go.mod`);
  config.tools.forEach((t, i) => {
    if (!existsSync(join(inApp(t.source), 'go.mod'))) fail(loaded, ['tools', i, 'source'], `${posix.join(root, t.source)} has no go.mod`);
  });
  config.image.files.forEach((f, i) => {
    if (!existsSync(inApp(f.src))) fail(loaded, ['image', 'files', i, 'src'], `${posix.join(root, f.src)} does not exist`);
  });
  config.embed.files.forEach((f, i) => {
    if (!f.from.startsWith('module:') && !existsSync(inApp(f.from))) fail(loaded, ['embed', 'files', i, 'from'], `${posix.join(root, f.from)} does not exist`);
  });
  if (!existsSync(inApp(config.compose.file))) fail(loaded, ['compose', 'file'], `${posix.join(root, config.compose.file)} does not exist`);
  const minor = config.go.version.split('.').slice(0, 2).join('.');
  const patchDir = `packages/golang-patcher/patches/go${minor}`;
  if (!existsSync(join(workspaceRoot, patchDir))) {
    fail(loaded, ['go', 'version'], `no libcsyscall patch for go${minor} (expected ${patchDir}); patched minors: ${patchedMinors(workspaceRoot).join(', ') || 'none'}`);
  }
  return { file, root, name: posix.basename(root), config, configId: `${sessionName}/${config.session.service}`, patchDir, loaded };
}

function patchedMinors(workspaceRoot: string): string[] {
  const dir = join(workspaceRoot, 'packages/golang-patcher/patches');
  return existsSync(dir) ? readdirSync(dir).filter((d) => /^go\d+\.\d+$/.test(d)).sort() : [];
}
