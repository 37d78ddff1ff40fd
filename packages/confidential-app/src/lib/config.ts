// The app config (`apps/<app>/confidential.yml`): what differs between confidential Go apps, and nothing generic.
// One zod definition: the plugin validates with it (errors `file:line:col field: expected …`), the executors read
// it, and confidential.schema.json (for editors) is generated from it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { DependsOnCondition, ServiceName } from '@confidential/compose-runner';
import { DISTROS } from '@confidential/image-builder';
import { IssueError, issuePath, parseYamlWith, positionOf, type LoadedYaml } from '@confidential/kit';
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
    source: AppPath.optional().describe('a folder of the app holding go.mod (its dependencies are fetched through the Go module proxy)'),
    module: ModuleVersion.optional().describe('or a module fetched whole through the Go module proxy'),
    main: z.string().regex(/^\.(\/[A-Za-z0-9._-]+)*$/, 'expected a package path relative to the module root such as "." or "./cmd/app"').default('.').describe('the main package, relative to the module root'),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'expected a Go version such as "1.26.8" (quote it)').describe('upstream Go version of the golang image, e.g. "1.26.8" (a patch must exist for its minor)'),
  })
  .superRefine((g, ctx) => {
    if (!g.source === !g.module) ctx.addIssue({ code: 'custom', path: g.source ? ['module'] : ['source'], message: 'give exactly one of "source" (a folder of the app) or "module" (path@version)' });
  });

export const EmbedFile = z.strictObject({
  from: z.union([z.string().regex(/^module:[a-z0-9][a-z0-9.-]*\.[a-z]+(\/[A-Za-z0-9._~+-]+)*$/, 'expected "module:<module path>"'), AppPath]).describe('`module:<module path>` (the app\'s own module or one of the vendored ones) or a folder of the app'),
  to: AbsPath.describe('where its files appear for the program (the same path in the image)'),
});

export const RunSpec = z.strictObject({
  description: z.string().min(1).optional(),
  env: z.record(EnvName, z.string()).default({}).describe('environment of the compose process (`${VAR}` in the compose file)'),
  results: z.array(AbsPath).default([]).describe('files copied out of the test container into dist/<app>/<run>/results'),
  timeoutSeconds: z.number().int().positive().default(900),
  dependsOn: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a target name of the app')).default([]).describe('targets of the app this run needs besides the images and the policy (e.g. a tool its compose file mounts)'),
  waitFor: z
    .array(z.strictObject({ service: ServiceName, condition: DependsOnCondition }))
    .default([])
    .describe("services of the compose file that must reach their condition too (checked in order) before the test service's exit counts"),
  leakScan: z.boolean().default(true).describe("after the test service exited: look for the private keys of the app's launch answer in the image, the containers' changes, volumes, logs and Nx outputs, and for any PEM private key in the containers, volumes and logs (false: for runs that start non-confidential programs which keep keys on the host by design, e.g. baselines of a benchmark)"),
  checks: z
    .array(
      z.strictObject({
        url: z.string().regex(/^https?:\/\/[^\s]+$/, 'expected an http:// or https:// URL such as "http://app:8080/get"'),
        status: z.number().int().min(100).max(599).default(200),
        contains: z.string().min(1).optional(),
        refused: z.boolean().optional().describe('passes when no HTTP answer comes (a port that speaks TLS only, asked in plain text)'),
      }),
    )
    .min(1)
    .optional().describe('HTTP checks of the running app by the plugin\'s confidential-check (given to compose as ${CHECKS}, JSON)'),
});
export type RunSpec = z.output<typeof RunSpec>;

export const AppConfig = z.strictObject({
  go: GoSource,
  libc: z.enum(['glibc', 'musl']).default('glibc'),
  distro: z.enum(DISTROS).default('bookworm').describe('Debian release of the golang and runtime images'),
  binary: FileName.describe('the program\'s name: /usr/local/bin/<binary> in the image'),
  tools: z.array(z.strictObject({ name: FileName, source: AppPath })).default([]).describe('helper Go programs of the app (a folder with go.mod, no dependencies), built static with upstream Go and put in the image'),
  embed: z.strictObject({
    files: z.array(EmbedFile).min(1, 'expected at least one folder to embed'),
    include: z.array(z.string().startsWith('/', 'expected a glob of absolute paths such as "/caddy/*"')).min(1, 'expected at least one glob').describe('globs of the files to embed, matched against the "/"-rooted paths above'),
    hostPaths: z.array(AbsPath).default([]).describe('folders the program reads from the host at run time (never embedded)'),
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
    file: AppPath.default('session.yml').describe('the session policy, app-relative; its `name` and this service give the config id `<session>/<service>`'),
    service: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a service name of the session'),
    also: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a service name of the session')).default([]).describe('more services of the session that run the same binary (another configuration of it, e.g. for one of the runs): bound to the same measurement'),
    peers: z
      .array(
        z.strictObject({
          service: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a service name of the session'),
          app: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected the name of another app (its folder under apps/)'),
        }),
      )
      .default([])
      .describe("services of the session that run another app's binary (e.g. the backend of a proxied run): each bound to that app's measurement; its production image is ${PEER_<APP>_IMAGE} in every run (APP upper-cased, - as _)"),
  }),
  image: z.strictObject({
    env: z.record(EnvName, z.string()).default({}),
    cmd: z.array(z.string()).min(1, 'expected the command as a list of words').describe('the runtime image\'s CMD (exec form)'),
    files: z.array(z.strictObject({ src: AppPath, dest: AbsPath })).default([]).describe('more files of the app for the runtime image'),
  }),
  compose: z.strictObject({
    file: AppPath,
    testService: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'expected a compose service name').describe('the service whose exit code is the run\'s'),
  }),
  runs: z
    .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a target name such as "run" or "e2e"'), RunSpec)
    .refine((r) => 'run' in r, 'expected a run named "run"').describe('compose runs, each an Nx target of that name'),
  bench: z
    .strictObject({
      url: z.string().regex(/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/[^\s]*$/, 'expected a loopback URL such as "http://127.0.0.1:8080/get" (the load and the program share the bench container)').describe('what the load requests; its host and port are where every target listens'),
      args: z.array(z.string()).default([]).describe("the baselines' arguments (<binary>.upstream and <binary>.native; the confidential program's come from its policy, which must listen on the same address)"),
      expect: z.string().min(1).optional().describe('text every target\'s response must contain (checked after each start)'),
      env: z.record(EnvName, z.string()).default({}).describe('environment of the compose process: LOAD_RATE, LOAD_CONNECTIONS, LOAD_DURATION, BENCH_MODE, BENCH_ROUNDS, BENCH_SLICE, BENCH_SEED'),
      timeoutSeconds: z.number().int().positive().default(1800),
      services: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a target name such as "shielded"'),
            service: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a service name of the session (one of session.also)'),
            url: z.string().regex(/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/[^\s]*$/, 'expected a loopback URL on the same port').optional().describe("this target's URL (default: bench.url), e.g. https:// behind the network shield"),
            ca: z.string().min(1).optional().describe('the only CA its https:// URL is trusted by: a file or an http:// URL, such as the policy service\'s public CA'),
          }),
        )
        .default([])
        .describe('more targets: the confidential binary started as another service of its session (e.g. with the network shield on), each with its own URL and CA; BENCH_TARGETS=confidential,<name> compares the two'),
    })
    .optional()
    .describe("the plugin's benchmark: target bench-run runs confidential-bench on upstream, patched native and confidential <binary>, alternated in slices (bench.json)"),
  /** the app's own test suite: target go-test runs it with the patched and the upstream toolchain */
  goTest: z
    .strictObject({
      packages: z.array(z.string().regex(/^\.(\/[A-Za-z0-9._-]+)*(\/\.\.\.)?$/, 'expected a package pattern such as "./..."')).min(1).default(['./...']),
    })
    .optional(),
  scone: z
    .strictObject({
      builder: z.record(z.string(), z.unknown()).describe('the stage that builds the native binary in the SCONE toolchain (image-builder Stage model)'),
      binary: AbsPath.describe('the native binary inside the builder stage'),
      version: z.string().regex(/^[\w][\w.-]*$/, 'expected an image tag such as "6.0.2"').default('6.0.2'),
    })
    .optional(),
});
export type AppConfig = z.output<typeof AppConfig>;
export type AppConfigInput = z.input<typeof AppConfig>;

/** The config file's name; the plugin's glob is `** /confidential.yml`. */
export const CONFIG_FILE = 'confidential.yml';

/** The config of an app that starts from another app's: `extends: ../caddy/confidential.yml`, then the keys it
 * changes (each replaces the base's key whole; paths stay relative to the file that wrote them). */
export const ExtendingAppConfig = AppConfig.partial().extend({
  extends: z.string().regex(/^(\.\.?\/)+[A-Za-z0-9._/-]*confidential\.yml$/, 'expected the relative path of another app\'s confidential.yml, such as "../caddy/confidential.yml"'),
});

type TopKey = keyof AppConfig;

/** The paths of an app config resolved to workspace-relative paths (each against the file that wrote it). */
export interface AppPaths {
  goSource?: string;
  tools: { name: string; source: string }[];
  /** `module:<path>` entries as given */
  embed: { from: string; to: string }[];
  imageFiles: { src: string; dest: string }[];
  session: string;
  compose: string;
}

export interface LoadedApp {
  /** workspace-relative path of confidential.yml */
  file: string;
  /** workspace-relative folder of the app */
  root: string;
  /** the project name (the folder's name) */
  name: string;
  config: AppConfig;
  paths: AppPaths;
  /** `<session name>/<service>` (SCONE_CONFIG_ID) */
  configId: string;
  /** the patch folder of the Go minor, workspace-relative */
  patchDir: string;
  /** the config files this one extends, nearest first (workspace-relative) */
  extends: string[];
  /** an IssueError positioned at a field, in the file that wrote it */
  issue(path: (string | number)[], message: string): IssueError;
}

function issueAt(loaded: LoadedYaml<unknown>, path: (string | number)[], message: string): IssueError {
  return new IssueError([{ file: loaded.file, ...positionOf(loaded, path), path: issuePath(path), message, severity: 'error' }]);
}

interface Origin {
  loaded: LoadedYaml<unknown>;
  /** workspace-relative folder its paths are relative to */
  dir: string;
}

interface Merged {
  config: AppConfig;
  origin: Record<TopKey, Origin>;
  extends: string[];
}

function loadMerged(workspaceRoot: string, file: string, seen: string[]): Merged {
  const text = readFileSync(join(workspaceRoot, file), 'utf8');
  const dir = posix.dirname(file);
  const head = (() => {
    try {
      return parse(text) as unknown;
    } catch {
      return undefined; // parseYamlWith reports the syntax error with its position
    }
  })();
  if (head === null || typeof head !== 'object' || !('extends' in head)) {
    const loaded = parseYamlWith(AppConfig, text, file);
    const origin = Object.fromEntries(Object.keys(AppConfig.shape).map((k) => [k, { loaded, dir }])) as Record<TopKey, Origin>;
    return { config: loaded.value, origin, extends: [] };
  }
  const child = parseYamlWith(ExtendingAppConfig, text, file);
  const baseFile = posix.normalize(posix.join(dir, child.value.extends));
  if (!existsSync(join(workspaceRoot, baseFile))) throw issueAt(child, ['extends'], `${baseFile} does not exist`);
  if (seen.includes(baseFile)) throw issueAt(child, ['extends'], `${baseFile} extends ${file} again (a cycle)`);
  const base = loadMerged(workspaceRoot, baseFile, [...seen, file]);
  const config = { ...base.config } as Record<string, unknown>;
  const origin = { ...base.origin };
  for (const key of Object.keys(head).filter((k): k is TopKey => k !== 'extends' && k in AppConfig.shape)) {
    config[key] = child.value[key];
    origin[key] = { loaded: child, dir };
  }
  return { config: config as AppConfig, origin, extends: [baseFile, ...base.extends] };
}

/**
 * Loads and checks an app config: the schema (with `extends`, the base first), then what it refers to in the
 * workspace (the session file and its name, the Go source folder, the tools, the compose file, a patch for the Go
 * minor). Throws IssueError: one line per problem, `apps/x/confidential.yml:3:12 go.version: …`.
 */
export function loadAppConfig(workspaceRoot: string, file: string): LoadedApp {
  const { config, origin, extends: bases } = loadMerged(workspaceRoot, file, []);
  const issue = (path: (string | number)[], message: string) => issueAt(origin[path[0] as TopKey].loaded, path, message);
  const fail = (path: (string | number)[], message: string): never => {
    throw issue(path, message);
  };
  const at = (key: TopKey, p: string) => posix.normalize(posix.join(origin[key].dir, p));
  const exists = (p: string) => existsSync(join(workspaceRoot, p));
  const paths: AppPaths = {
    ...(config.go.source ? { goSource: at('go', config.go.source) } : {}),
    tools: config.tools.map((t) => ({ name: t.name, source: at('tools', t.source) })),
    embed: config.embed.files.map((f) => ({ from: f.from.startsWith('module:') ? f.from : at('embed', f.from), to: f.to })),
    imageFiles: config.image.files.map((f) => ({ src: at('image', f.src), dest: f.dest })),
    session: at('session', config.session.file),
    compose: at('compose', config.compose.file),
  };
  if (!exists(paths.session)) fail(['session', 'file'], `${paths.session} does not exist`);
  let sessionName: unknown;
  try {
    sessionName = (parse(readFileSync(join(workspaceRoot, paths.session), 'utf8')) as { name?: unknown } | null)?.name;
  } catch (err) {
    fail(['session', 'file'], `${paths.session} is not YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (typeof sessionName !== 'string' || !sessionName) fail(['session', 'file'], `${paths.session} has no "name"`);
  if (paths.goSource && !exists(posix.join(paths.goSource, 'go.mod'))) fail(['go', 'source'], `${paths.goSource} has no go.mod`);
  paths.tools.forEach((t, i) => {
    if (!exists(posix.join(t.source, 'go.mod'))) fail(['tools', i, 'source'], `${t.source} has no go.mod`);
  });
  paths.imageFiles.forEach((f, i) => {
    if (!exists(f.src)) fail(['image', 'files', i, 'src'], `${f.src} does not exist`);
  });
  paths.embed.forEach((f, i) => {
    if (!f.from.startsWith('module:') && !exists(f.from)) fail(['embed', 'files', i, 'from'], `${f.from} does not exist`);
  });
  if (!exists(paths.compose)) fail(['compose', 'file'], `${paths.compose} does not exist`);
  if (config.bench && 'bench-run' in config.runs) fail(['bench'], 'expected either "bench" (the plugin\'s bench-run) or a run named "bench-run", not both');
  config.session.peers.forEach((p, i) => {
    if (!exists(posix.join('apps', p.app, 'confidential.yml'))) fail(['session', 'peers', i, 'app'], `apps/${p.app}/confidential.yml does not exist: expected another app of the workspace`);
    if (p.service === config.session.service || config.session.also.includes(p.service)) fail(['session', 'peers', i, 'service'], `"${p.service}" runs this app's binary (session.service or session.also): a peer runs another one`);
  });
  config.bench?.services.forEach((t, i) => {
    if (!config.session.also.includes(t.service)) fail(['bench', 'services', i, 'service'], `expected one of session.also (the services bound to this binary's measurement): ${config.session.also.join(', ') || 'none'}`);
    if (['upstream', 'native', 'confidential'].includes(t.name)) fail(['bench', 'services', i, 'name'], `"${t.name}" is a target of every bench: expected another name`);
  });
  if ('bench' in config.runs && (config.bench || 'bench-run' in config.runs)) fail(['runs', 'bench'], 'expected another name: "bench" is the report target of an app with a bench-run');
  const minor = config.go.version.split('.').slice(0, 2).join('.');
  const patchDir = `packages/golang-patcher/patches/go${minor}`;
  if (!exists(patchDir)) {
    fail(['go', 'version'], `no libcsyscall patch for go${minor} (expected ${patchDir}); patched minors: ${patchedMinors(workspaceRoot).join(', ') || 'none'}`);
  }
  const root = posix.dirname(file);
  return { file, root, name: posix.basename(root), config, paths, configId: `${sessionName}/${config.session.service}`, patchDir, extends: bases, issue };
}

function patchedMinors(workspaceRoot: string): string[] {
  const dir = join(workspaceRoot, 'packages/golang-patcher/patches');
  return existsSync(dir) ? readdirSync(dir).filter((d) => /^go\d+\.\d+$/.test(d)).sort() : [];
}
