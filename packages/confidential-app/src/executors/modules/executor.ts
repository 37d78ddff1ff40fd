// @confidential/app:modules — the Go source of an app, vendored for offline image builds (the host's Go and its
// module proxy settings), and the files it embeds assembled under site/. Everything is made in a scratch folder
// beside the output and moved into place only when every check passed: a failure leaves the old output as it was.
import { chmod, cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { nxExecutor, optionsOrThrow } from '@confidential/kit';
import { execa } from 'execa';
import picomatch from 'picomatch';
import { loadAppConfig } from '../../lib/config.js';
import { goModDownload, packageName } from '../../lib/go.js';
import { ModulesOptions } from './options.js';

async function go(args: string[], cwd: string, what: string): Promise<string> {
  const r = await execa('go', args, { cwd, reject: false, env: { GOWORK: 'off', GOFLAGS: '-mod=mod' } });
  if (r.exitCode !== 0) throw new Error(`${what}: go ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

/** Files below `dir`, as "/"-rooted paths. */
async function listFiles(dir: string, prefix = '/'): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = posix.join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), p)));
    else out.push(p);
  }
  return out;
}

/** The module cache is read-only: copies of it are made writable so that the next run can replace them. */
async function makeWritable(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      await chmod(p, 0o755);
      await makeWritable(p);
    } else if (e.isFile()) await chmod(p, ((await stat(p)).mode & 0o111) | 0o644);
  }
}

export async function runModules(raw: unknown, root: string, log: (line: string) => void = console.log): Promise<{ success: boolean }> {
  const options = optionsOrThrow(ModulesOptions, raw, '@confidential/app:modules');
  const app = loadAppConfig(root, options.config);
  const { config } = app;
  const out = resolve(root, options.outputDir);
  const scratch = `${out}.modules-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  try {
    const src = join(scratch, 'go', 'src');
    await mkdir(join(scratch, 'go'), { recursive: true });
    if (config.go.module) {
      log(`modules: go mod download ${config.go.module}`);
      const found = await goModDownload(config.go.module);
      if ('error' in found) throw app.issue(['go', 'module'], `the Go module proxy has no ${config.go.module} (${found.error})`);
      await cp(found.dir, src, { recursive: true });
      await makeWritable(src);
    } else {
      const from = resolve(root, app.paths.goSource!);
      await cp(from, src, { recursive: true, filter: (p) => !(posix.basename(p) === 'vendor' && resolve(p, '..') === from) });
    }
    log(`modules: go mod vendor (${app.paths.goSource ?? config.go.module!})`);
    await go(['mod', 'vendor'], src, `${app.name}: vendoring`);
    const pkg = await packageName(join(src, config.go.main));
    if (pkg !== 'main') throw app.issue(['go', 'main'], `${config.go.main} is ${pkg ? `package ${pkg}` : 'no Go package of the module'}, expected package main`);

    const site = join(scratch, 'site');
    await mkdir(site, { recursive: true });
    const mainModule = /^module\s+(\S+)/m.exec(await readFile(join(src, 'go.mod'), 'utf8'))?.[1];
    for (const [i, f] of app.paths.embed.entries()) {
      const module = f.from.startsWith('module:') ? f.from.slice('module:'.length) : undefined;
      // a module: the app's own (its source) or one of the vendored ones; else a folder of the app
      const from = module ? (module === mainModule ? src : join(src, 'vendor', module)) : join(root, f.from);
      const found = await stat(from).catch(() => undefined);
      if (!found?.isDirectory()) throw app.issue(['embed', 'files', i, 'from'], f.from.startsWith('module:') ? `${f.from.slice(7)} is not among the vendored modules` : `${f.from} is not a folder`);
      await cp(from, join(site, f.to), { recursive: true });
    }
    const files = await listFiles(site);
    for (const [i, glob] of config.embed.include.entries()) {
      const match = picomatch(glob, { dot: true });
      if (!files.some((p) => match(p))) throw app.issue(['embed', 'include', i], `"${glob}" matches no file of ${config.embed.files.map((f) => f.to).join(', ')}`);
    }
    await mkdir(out, { recursive: true });
    for (const part of ['go', 'site']) {
      await rm(join(out, part), { recursive: true, force: true });
      await rename(join(scratch, part), join(out, part));
    }
    log(`modules: ${options.outputDir}/go/src (vendored), ${options.outputDir}/site (${files.length} files, ${config.embed.include.join(' ')})`);
    return { success: true };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export default nxExecutor((raw, root) => runModules(raw, root));
