// The modules executor against the real Go toolchain and the Go module proxy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_CONFIG, tempWorkspace } from '../../testing/workspace.js';
import { runModules } from './executor.js';

const options = { config: 'apps/hello/confidential.yml', outputDir: 'dist/apps/hello' };
const quiet = () => {};

describe('@confidential/app:modules', () => {
  it('copies a source folder of the app and assembles the embedded files', async () => {
    using ws = tempWorkspace();
    await runModules(options, ws.root, quiet);
    const out = join(ws.root, 'dist/apps/hello');
    expect(readFileSync(join(out, 'go/src/main.go'), 'utf8')).toContain('package main');
    expect(readFileSync(join(out, 'site/www/index.html'), 'utf8')).toBe('<p>hello</p>\n');
    expect(readdirSync(join(ws.root, 'dist/apps')).sort()).toEqual(['hello']);
  });

  it('fetches a module at a version through the Go module proxy and vendors it', async () => {
    using ws = tempWorkspace({
      'apps/hello/confidential.yml': APP_CONFIG.replace('  source: src', '  module: github.com/mccutchen/go-httpbin/v2@v2.26.0\n  main: ./cmd/go-httpbin'),
    });
    await runModules(options, ws.root, quiet);
    const src = join(ws.root, 'dist/apps/hello/go/src');
    expect(readFileSync(join(src, 'go.mod'), 'utf8')).toMatch(/^module github.com\/mccutchen\/go-httpbin\/v2$/m);
    expect(existsSync(join(src, 'cmd/go-httpbin/main.go'))).toBe(true);
  });

  it.each([
    ['a main package that is not package main', APP_CONFIG.replace('  source: src', '  source: src\n  main: ./lib'), /^apps\/hello\/confidential.yml:3:9 go.main: \.\/lib is package lib, expected package main$/],
    ['an include glob that matches nothing', APP_CONFIG.replace('"/www/*"', '"/www/*", "/static/**"'), /^apps\/hello\/confidential.yml:9:23 embed.include\[1\]: "\/static\/\*\*" matches no file of \/www$/],
    ['a module the proxy does not have', APP_CONFIG.replace('  source: src', '  module: github.com/confidential-go/does-not-exist@v1.0.0'), /^apps\/hello\/confidential.yml:2:11 go.module: the Go module proxy has no github.com\/confidential-go\/does-not-exist@v1.0.0 \(.+\)$/],
    ['an embedded module that is not vendored', APP_CONFIG.replace('from: www', 'from: module:example.com/site'), /^apps\/hello\/confidential.yml:7:13 embed.files\[0\].from: example.com\/site is not among the vendored modules$/],
  ])('refuses %s with one line, writing nothing', async (_, config, message) => {
    using ws = tempWorkspace({ 'apps/hello/confidential.yml': config });
    await expect(runModules(options, ws.root, quiet)).rejects.toThrow(message);
    expect(existsSync(join(ws.root, 'dist/apps/hello'))).toBe(false);
  });
});
