// A temporary workspace with one app, for the plugin's and the executor's tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const APP_CONFIG = `go:
  source: src
  version: "1.26.8"
binary: hello
embed:
  files:
    - from: www
      to: /www
  include: ["/www/*"]
session:
  service: web
image:
  cmd: [hello]
compose:
  file: compose.yml
  testService: test
runs:
  run:
    results: [/out/run.json]
  e2e:
    env:
      LOAD: short
`;

export interface TempWorkspace {
  root: string;
  write(path: string, text: string): void;
  [Symbol.dispose](): void;
}

/** apps/hello with config, session, compose file, a Go main package and a site; the go1.26 patch folder. */
export function tempWorkspace(files: Record<string, string> = {}): TempWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'confidential-app-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const defaults: Record<string, string> = {
    'apps/hello/confidential.yml': APP_CONFIG,
    'apps/hello/session.yml': 'name: hello\nversion: "0.3"\nservices:\n  - name: web\n    command: hello\n',
    'apps/hello/compose.yml': 'services:\n  test:\n    image: ${APP_IMAGE}\n',
    'apps/hello/src/go.mod': 'module example.com/hello\n\ngo 1.26\n',
    'apps/hello/src/main.go': 'package main\n\nfunc main() { println("hello") }\n',
    'apps/hello/src/lib/lib.go': 'package lib\n',
    'apps/hello/www/index.html': '<p>hello</p>\n',
    'packages/golang-patcher/patches/go1.26/README.md': 'patch\n',
  };
  for (const [path, text] of Object.entries({ ...defaults, ...files })) write(path, text);
  return { root, write, [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }) };
}
