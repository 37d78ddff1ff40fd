// @confidential/app:go-test — the app's own `go test` suite, run with the patched toolchain and with upstream Go
// (each in a throwaway build FROM its golang image, over the same vendored sources, offline), compared test by test.
// Fails when a test fails with the patched toolchain and passes with upstream.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildImage, extractFromImage, parseImageRef, removeImage, verifyImageJson } from '@confidential/image-builder';
import { nxExecutor, optionsOrThrow } from '@confidential/kit';
import { loadAppConfig } from '../../lib/config.js';
import { compareRuns, parseTestJson, renderMarkdown, type TestRun } from '../../lib/go-test-report.js';
import { GoTestOptions } from './options.js';

async function testWith(image: string, source: string, packages: string[], root: string, outDir: string, name: string, log: (l: string) => void): Promise<{ run: TestRun; experiment: string }> {
  const tag = `confidential-go-test:${name}-${Date.now().toString(36)}`;
  let experiment = '';
  try {
    await buildImage({
      dockerfile: {
        stages: [
          {
            name: 'test',
            from: parseImageRef(image),
            instructions: [
              { kind: 'COPY', src: ['src'], dest: '/src' },
              { kind: 'ENV', vars: { GOFLAGS: '-mod=vendor', GOPROXY: 'off', GOTOOLCHAIN: 'local' } },
              { kind: 'WORKDIR', path: '/src' },
              // the suite's result is the report, not the build's: a failing test must not hide the others
              { kind: 'RUN', commands: ['echo "GOEXPERIMENT=$(go env GOEXPERIMENT)"', `mkdir -p /out && (go test -count=1 -json ${packages.join(' ')} > /out/test.json 2>&1; echo "go test exit $?")`] },
            ],
          },
        ],
      },
      context: [{ src: source, dest: 'src' }],
      cwd: root,
      tags: [tag],
      noCache: true,
      onProgress: (line) => {
        if (line.startsWith('GOEXPERIMENT=')) experiment = line.slice('GOEXPERIMENT='.length).trim();
        if (/^(Step|go test exit|GOEXPERIMENT=)/.test(line)) log(`go-test [${name}] ${line}`);
      },
    });
    await extractFromImage({ image: tag, paths: ['/out/test.json'], dest: join(outDir, name) });
  } finally {
    await removeImage(tag, { force: true }).catch(() => false);
  }
  return { run: parseTestJson(await readFile(join(outDir, name, 'test.json'), 'utf8')), experiment };
}

export async function runGoTest(raw: unknown, root: string, log: (line: string) => void = console.log): Promise<{ success: boolean; regressions: string[] }> {
  const options = optionsOrThrow(GoTestOptions, raw, '@confidential/app:go-test');
  const app = loadAppConfig(root, options.config);
  const goTest = app.config.goTest;
  if (!goTest) throw app.issue(['goTest'], 'missing: the app config declares no goTest');
  const patched = (await verifyImageJson(resolve(root, options.golang))).ref;
  const upstream = `golang:${app.config.go.version}-${app.config.distro}`;
  const outDir = resolve(root, options.outputDir);
  await mkdir(outDir, { recursive: true });
  const runs: Record<string, TestRun> = {};
  const experiments: Record<string, string> = {};
  for (const [name, image] of [['patched', patched], ['upstream', upstream]] as const) {
    const r = await testWith(image, options.source, goTest.packages, root, outDir, name, log);
    runs[name] = r.run;
    experiments[name] = r.experiment;
  }
  if (!experiments.patched?.split(',').includes('libcsyscall')) throw new Error(`@confidential/app:go-test: ${patched} does not build with GOEXPERIMENT=libcsyscall (go env GOEXPERIMENT: "${experiments.patched}")`);
  const comparison = compareRuns(runs.patched!, runs.upstream!);
  const command = `go test -count=1 -json ${goTest.packages.join(' ')}`;
  await writeFile(join(outDir, 'report.json'), `${JSON.stringify({ app: app.name, patched, upstream, command, experiments, ...comparison }, null, 2)}\n`);
  await writeFile(join(outDir, 'report.md'), renderMarkdown(`${app.name}: its own tests, patched vs upstream Go`, comparison, { patched, upstream, command, experiments }));
  for (const r of comparison.rows) log(`go-test ${r.package}: patched ${r.patched.result} (${r.patched.pass}/${r.patched.fail}/${r.patched.skip}), upstream ${r.upstream.result} (${r.upstream.pass}/${r.upstream.fail}/${r.upstream.skip})`);
  log(`go-test: ${comparison.regressions.length} regressions, ${comparison.bothFail.length} failing with both → ${options.outputDir}/report.md`);
  if (comparison.regressions.length) throw new Error(`@confidential/app:go-test: ${comparison.regressions.length} tests fail with the patched toolchain and pass with upstream: ${comparison.regressions.slice(0, 10).join(', ')}`);
  return { success: true, regressions: comparison.regressions };
}

export default nxExecutor((raw, root) => runGoTest(raw, root));
