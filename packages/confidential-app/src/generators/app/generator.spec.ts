// The generator in a temporary Nx workspace (Nx's own testing tree); the Go module proxy is replaced by a folder
// that stands for the fetched module (the real proxy: generator.int.spec.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTreeWithEmptyWorkspace } from 'nx/src/devkit-testing-exports.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AppConfig } from '../../lib/config.js';
import { appGenerator, type ModuleFetcher } from './generator.js';

const fake = mkdtempSync(join(tmpdir(), 'fake-module-'));
mkdirSync(join(fake, 'cmd/hello'), { recursive: true });
mkdirSync(join(fake, 'lib'), { recursive: true });
writeFileSync(join(fake, 'go.mod'), 'module example.com/hello\n\ngo 1.26\n');
writeFileSync(join(fake, 'cmd/hello/main.go'), '// Hello.\npackage main\n\nfunc main() {}\n');
writeFileSync(join(fake, 'lib/lib.go'), 'package lib\n');
afterAll(() => rmSync(fake, { recursive: true, force: true }));
const fetch: ModuleFetcher = async () => fake;

function workspace() {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('packages/golang-patcher/patches/go1.27/README.md', 'patch\n');
  return tree;
}

describe('nx g @confidential/app:app', () => {
  it('writes a config the plugin accepts, a session that starts the program and a compose file with the checks', async () => {
    const tree = workspace();
    await appGenerator(tree, { name: 'hello', module: 'example.com/hello@v1.2.3', main: './cmd/hello', args: '-port 9000', port: 9000 }, fetch);
    const config = AppConfig.parse(parse(tree.read('apps/hello/confidential.yml', 'utf8')!));
    expect(config.go).toEqual({ module: 'example.com/hello@v1.2.3', main: './cmd/hello', version: '1.27.3' });
    expect(config.binary).toBe('hello');
    expect(config.runs.run!.checks).toEqual([{ url: 'http://app:9000/', status: 200 }]);
    expect(config.runs.e2e).toEqual(config.runs.run);
    expect(parse(tree.read('apps/hello/session.yml', 'utf8')!).services[0].command).toBe('hello -port 9000');
    // the production image runs the program (its CMD; the policy gives the arguments), the bench image the checks
    const composeText = tree.read('apps/hello/compose.yml', 'utf8')!;
    expect(composeText).toMatch(/^# hello with the sim backend: /);
    // the app's services only: the policy service and the upload come from compose/policy.yml, merged in by the run
    const compose = parse(composeText).services;
    expect(Object.keys(compose)).toEqual(['app', 'check']);
    expect(compose.app.depends_on).toEqual({ upload: { condition: 'service_completed_successfully' } });
    expect(compose.app).toMatchObject({ image: '${PROD_IMAGE}' });
    expect(compose.app.command).toBeUndefined();
    expect(compose.check).toMatchObject({ image: '${APP_IMAGE}', command: expect.arrayContaining(['confidential-check']) });
  });

  it.each([
    ['a name that is taken', { name: 'taken' }, 'option "name" is invalid: apps/taken exists already; choose another name.'],
    ['a main package that is not package main', { main: './lib' }, 'option "main" is invalid: ./lib of example.com/hello@v1.2.3 is package lib, expected package main.'],
    ['a main folder with no Go files', { main: './cmd/none' }, 'option "main" is invalid: ./cmd/none of example.com/hello@v1.2.3 is no Go package, expected package main.'],
    ['a module without a version', { module: 'example.com/hello' }, 'option "module" is invalid: expected a module path@version'],
    ['a Go version with no patch', { goVersion: '1.25.4' }, 'option "goVersion" is invalid: no libcsyscall patch for go1.25'],
  ])('refuses %s with one message, writing nothing', async (_, change, message) => {
    const tree = workspace();
    tree.write('apps/taken/README.md', 'taken\n');
    const before = tree.listChanges().length;
    await expect(appGenerator(tree, { name: 'hello', module: 'example.com/hello@v1.2.3', main: './cmd/hello', ...change }, fetch)).rejects.toThrow(message);
    expect(tree.listChanges()).toHaveLength(before);
  });
});
