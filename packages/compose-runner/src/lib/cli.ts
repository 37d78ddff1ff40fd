// One interface over the two compose CLIs: the `docker compose` v2 plugin when present, else the standalone
// `docker-compose` (v1.29 Python, or a v2 standalone binary). Detection runs `version --short` of each.
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';

export interface ComposeCli {
  /** 'v2-plugin' = `docker compose`; 'v1' / 'v2-standalone' = `docker-compose` */
  kind: 'v2-plugin' | 'v1' | 'v2-standalone';
  /** the program to run */
  command: string;
  /** arguments that come before compose's own (["compose"] for the plugin) */
  baseArgs: readonly string[];
  version: string;
}

export type Exec = (command: string, args: string[]) => Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;

const defaultExec: Exec = async (command, args) => {
  const r = await execa(command, args, { reject: false, timeout: 20_000 });
  return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
};

export class ComposeUnavailableError extends Error {
  override name = 'ComposeUnavailableError';
}

const versionOf = (stdout: string) => stdout.trim().replace(/^v/, '').split('\n')[0]?.trim() ?? '';

/** How the user chooses: `CONFIDENTIAL_COMPOSE=plugin` (`docker compose`), `standalone` (`docker-compose`), or unset (auto). */
export const COMPOSE_CHOICE_ENV = 'CONFIDENTIAL_COMPOSE';
export type ComposeChoice = 'auto' | 'plugin' | 'standalone';

export function composeChoice(env: NodeJS.ProcessEnv = process.env): ComposeChoice {
  const value = env[COMPOSE_CHOICE_ENV];
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'plugin' || value === 'standalone') return value;
  throw new ComposeUnavailableError(`${COMPOSE_CHOICE_ENV}=${value}: expected one of "plugin" (docker compose), "standalone" (docker-compose), "auto"`);
}

async function plugin(exec: Exec): Promise<ComposeCli | undefined> {
  const r = await exec('docker', ['compose', 'version', '--short']).catch(() => undefined);
  if (r?.exitCode !== 0 || !/^\d+\.\d+/.test(versionOf(r.stdout))) return undefined;
  return { kind: 'v2-plugin', command: 'docker', baseArgs: ['compose'], version: versionOf(r.stdout) };
}

async function standalone(exec: Exec): Promise<ComposeCli | undefined> {
  const r = await exec('docker-compose', ['version', '--short']).catch(() => undefined);
  if (r?.exitCode !== 0 || !/^\d+\.\d+/.test(versionOf(r.stdout))) return undefined;
  const version = versionOf(r.stdout);
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major === 1 && minor < 29) {
    throw new ComposeUnavailableError(`docker-compose ${version} is too old (depends_on conditions need 1.29 or later): install the docker compose v2 plugin or docker-compose 1.29.`);
  }
  return { kind: major >= 2 ? 'v2-standalone' : 'v1', command: 'docker-compose', baseArgs: [], version };
}

/**
 * Picks the compose CLI: the one `CONFIDENTIAL_COMPOSE` names (no fallback), else the v2 plugin first, then
 * docker-compose. Throws one sentence saying what to install.
 */
export async function detectCompose(exec: Exec = defaultExec, env: NodeJS.ProcessEnv = process.env): Promise<ComposeCli> {
  const choice = composeChoice(env);
  if (choice === 'plugin') {
    return (await plugin(exec)) ?? unavailable(`${COMPOSE_CHOICE_ENV}=plugin but "docker compose" does not answer: install the compose v2 CLI plugin (bash tools/go-tools.sh compose).`);
  }
  if (choice === 'standalone') {
    return (await standalone(exec)) ?? unavailable(`${COMPOSE_CHOICE_ENV}=standalone but "docker-compose" does not answer: install it (Debian: apt-get install docker-compose).`);
  }
  return (
    (await plugin(exec)) ??
    (await standalone(exec)) ??
    unavailable('Neither "docker compose" (v2 plugin) nor "docker-compose" answers: install one (bash tools/go-tools.sh compose, or Debian: apt-get install docker-compose).')
  );
}

function unavailable(message: string): never {
  throw new ComposeUnavailableError(message);
}

/** How the CLI is written on a command line: "docker compose" or "docker-compose". */
export const cliName = (cli: ComposeCli) => [cli.command, ...cli.baseArgs].join(' ');

export interface ProjectRef {
  project: string;
  /** compose files, merged in order (`--file a --file b`) */
  files: string[];
  /** folder relative paths in the files resolve against; default: the first file's folder */
  projectDirectory?: string;
}

/** Full argument list for a compose subcommand of one project. */
export function composeArgs(cli: ComposeCli, ref: ProjectRef, sub: string[]): string[] {
  const dir = ref.projectDirectory ? ['--project-directory', ref.projectDirectory] : [];
  return [...cli.baseArgs, '--project-name', ref.project, ...ref.files.flatMap((f) => ['--file', f]), ...dir, ...sub];
}

/** `up` in the background, never building or (for v2) asking questions. */
export function upArgs(cli: ComposeCli): string[] {
  return cli.kind === 'v1' ? ['up', '--detach', '--no-build', '--no-color'] : ['up', '--detach', '--no-build', '--quiet-pull'];
}

/** `down` removing volumes and orphans; the stop timeout is left to each service's stop_grace_period. */
export function downArgs(_cli: ComposeCli): string[] {
  return ['down', '--volumes', '--remove-orphans'];
}

/**
 * A unique project name: `cr-<name>-<8 hex>`, lower-case, only [a-z0-9_-] (what both v1 and v2 accept), at
 * most 63 characters.
 */
export function projectName(name = 'run', random: () => string = () => randomBytes(4).toString('hex')): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 48)
    .replace(/[-_]+$/, '');
  return `cr-${clean || 'run'}-${random()}`;
}

export const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;
