// The generic pipeline, once: app config → Nx targets. Each target names the packages whose code it runs (their
// `production` files, and their build in dependsOn), reads only its upstream targets' outputs, and writes under
// dist/<app root>/. Image targets carry the runtime input of imageState(): a cached record never names an image
// that neither the engine nor the configured registry has.
import type { TargetConfiguration } from '@nx/devkit';
import type { LoadedApp, RunSpec } from './config.js';

/** The sim policy service image, built once by cas-policy:image for every app. */
export const POLICY_SERVICE_IMAGE_JSON = 'dist/packages/cas-policy/image/image.json';

/**
 * The plugin's Go helpers, built static with upstream Go into every app's bench image (/usr/local/bin/<name>): the
 * generic HTTP check, and the project's load generator and benchmark (packages/bench; an app's own tools may import
 * that library, `replace confidential.local/bench => <relative path to packages/bench>`: every helper is built at
 * its workspace path, so the relative path is the same in the build as in the repository).
 */
const PLUGIN_HELPERS = [
  { name: 'confidential-check', source: 'packages/confidential-app/check', main: '.' },
  { name: 'confidential-bench', source: 'packages/bench', main: './cmd/confidential-bench' },
];
/** The sim policy service (cas) and the session upload (upload): the first compose file of every run. */
export const POLICY_COMPOSE = 'packages/confidential-app/compose/policy.yml';
/** The compose file of an inferred bench-run (after POLICY_COMPOSE): confidential-bench. */
export const BENCH_COMPOSE = 'packages/confidential-app/compose/bench.yml';

/** golang-patcher's raw-SYSCALL scanner, as the native build runs it (paths below packages/golang-patcher/scripts). */
const SCANNER = ['scan-syscalls.sh', 'scanner/main.go'].map((f) => ({ src: `packages/golang-patcher/scripts/${f}`, dest: `scanner/${f}` }));

/** Debian's musl (musl-tools in the patched musl golang image): the C library, which is also its dynamic loader. */
const MUSL_LIBC = '/usr/lib/x86_64-linux-musl/libc.so';
const MUSL_LOADER = '/lib/ld-musl-x86_64.so.1';

/** Code that a target runs: the executor's package and the workspace packages it imports. */
const CODE = {
  app: ['confidential-app', 'kit'],
  image: ['image-builder', 'kit'],
  signer: ['signer', 'image-builder', 'kit'],
  policy: ['cas-policy', 'kit'],
} as const;

const code = (projects: readonly string[]) => ({ input: 'production', projects: [...projects] });
const built = (project: string) => ({ projects: [project], target: 'build' });
const upstream = (glob = '**/*') => ({ dependentTasksOutputFiles: glob, transitive: false });

/**
 * The runtime input of an image target. With a registry configured (CONFIDENTIAL_REGISTRY), image targets push
 * and record `repoDigest`; an engine that lacks an image pulls it by digest, so the hash does not depend on the
 * engine and every machine sharing the Nx cache and the registry takes the same entries. Without one: the engine's
 * id of the tag, or a one-off value when the engine does not have it (a cached record of a gone image is never
 * restored; the target rebuilds, from the layer cache where it can). A shell command, as Nx runs it.
 */
export function imageState(ref: string): { runtime: string } {
  return {
    runtime: `if [ -n "$CONFIDENTIAL_REGISTRY" ]; then echo "registry $CONFIDENTIAL_REGISTRY"; else docker image inspect --format '{{.Id}}' ${ref} 2>/dev/null || echo "absent $(date +%s%N) $$"; fi`,
  };
}

export function appTargets(app: LoadedApp): { targets: Record<string, TargetConfiguration> } {
  const { config: c, root, name, file, paths } = app;
  const out = `dist/${root}`;
  const sessionName = app.configId.split('/')[0] as string;
  /** another app's outputs (session.peers): apps/<app> → dist/apps/<app> */
  const peerOut = (peer: string) => `dist/apps/${peer}`;
  const ws = (p: string) => `{workspaceRoot}/${p}`;
  const golangRef = `confidential/golang:${c.go.version}-${c.distro}${c.libc === 'musl' ? '-musl' : ''}`;
  const nativeRef = `confidential/${name}-native:dev`;
  const runtimeRef = `confidential/${name}:dev`;
  const benchRef = `confidential/${name}-bench:dev`;
  const toolsRef = `confidential/${name}-tools:dev`;
  const bin = c.binary;
  const goEnv = { kind: 'ENV', vars: { GOFLAGS: '-mod=vendor -trimpath', GOPROXY: 'off' } } as const;
  // the helper programs built static with upstream Go and put in the image: the app's tools and the plugin's
  const helpers = [...paths.tools.map((t) => ({ ...t, main: '.' })), ...PLUGIN_HELPERS];

  // musl binaries are dynamic (musl-gcc): both images take musl's loader from the native image
  const musl: { args?: { name: string }[]; images?: Record<string, string> } =
    c.libc === 'musl' ? { args: [{ name: 'NATIVE' }], images: { NATIVE: `${out}/native/image.json` } } : {};
  const muslStage = c.libc === 'musl' ? [{ name: 'musl', from: { arg: 'NATIVE' }, instructions: [] }] : [];
  /** the confidential program as signed: the binary, its extension and measurement (and musl's loader) */
  const confidential = [
    { kind: 'COPY' as const, src: [`sign/${bin}.native`], dest: `/usr/local/bin/${bin}` },
    { kind: 'COPY' as const, src: [...c.sign.extensions.map((e) => `sign/${e}`), 'sign/measurement.json'], dest: '/usr/local/bin/' },
    ...(c.libc === 'musl' ? [{ kind: 'COPY' as const, from: 'musl', src: [MUSL_LIBC], dest: MUSL_LOADER }] : []),
  ];
  /** the app's own image files, and where the program finds its policy */
  const appFiles = paths.imageFiles.map((f, i) => ({ kind: 'COPY' as const, src: [`files/${i}`], dest: f.dest }));
  const appFilesContext = paths.imageFiles.map((f, i) => ({ src: f.src, dest: `files/${i}` }));
  const launchEnv = [
    { kind: 'ENV' as const, vars: { SCONE_CONFIG_ID: app.configId, SCONE_CAS_ADDR: 'cas:8081', ...c.image.env } },
    { kind: 'WORKDIR' as const, path: '/' },
  ];
  const targets: Record<string, TargetConfiguration> = {
    modules: {
      metadata: { description: `Fetch ${c.go.module ?? `${paths.goSource}'s modules`} through the Go module proxy and vendor them for the offline image builds; assemble the embedded files (${c.embed.files.map((f) => f.to).join(', ')}).` },
      executor: '@confidential/app:modules',
      dependsOn: [built('confidential-app')],
      inputs: [
        code(CODE.app),
        ...[file, ...app.extends].map(ws),
        ...(paths.goSource ? [ws(`${paths.goSource}/**/*`)] : []),
        ...paths.embed.filter((f) => !f.from.startsWith('module:')).map((f) => ws(`${f.from}/**/*`)),
        { runtime: 'go env GOVERSION GOPROXY GOFLAGS' },
      ],
      options: { config: file, outputDir: out },
      outputs: [`{workspaceRoot}/${out}/go`, `{workspaceRoot}/${out}/site`],
      cache: true,
    },
    golang: {
      metadata: { description: `The patched golang image ${golangRef}: golang:${c.go.version}-${c.distro} with the libcsyscall runtime patch (${c.libc}), toolchain rebuilt in golang:${c.go.version}-bookworm; missing upstream images pulled, else bootstrapped.` },
      executor: '@confidential/golang-patcher:patch',
      dependsOn: [built('golang-patcher'), { projects: ['image-builder'], target: 'engine' }],
      // the patch of this Go minor (its diffs and overlay, not its README) and the code that builds the image
      inputs: [
        code(CODE.image),
        { input: 'patchImage', projects: ['golang-patcher'] },
        ws(`${app.patchDir}/*.diff`),
        ws(`${app.patchDir}/overlay/**/*`),
        imageState(golangRef),
      ],
      options: { from: `golang:${c.go.version}-${c.distro}`, libc: c.libc, push: true, output: `${out}/golang/image.json` },
      outputs: [`{workspaceRoot}/${out}/golang`],
      cache: true,
    },
    native: {
      metadata: { description: `${bin} built twice from the same vendored sources — with the patched toolchain (${bin}.native, 0 raw SYSCALL instructions by golang-patcher's scanner) and with upstream Go (${bin}.upstream).` },
      executor: '@confidential/image-builder:build',
      dependsOn: [built('image-builder'), 'golang', 'modules'],
      inputs: [code(CODE.image), ...SCANNER.map((f) => ws(f.src)), upstream(), imageState(nativeRef)],
      options: {
        args: [{ name: 'GOLANG' }],
        stages: [
          {
            name: 'upstream',
            from: { image: 'golang', tag: `${c.go.version}-${c.distro}` },
            instructions: [
              { kind: 'COPY', src: ['src/app'], dest: '/src/app' },
              goEnv,
              { kind: 'RUN', commands: ['cd /src/app', `go build -o /out/${bin}.upstream ${c.go.main}`] },
            ],
          },
          {
            name: 'native',
            from: { arg: 'GOLANG' },
            instructions: [
              { kind: 'COPY', src: ['src/app'], dest: '/src/app' },
              { kind: 'COPY', src: ['scanner'], dest: '/scanner' },
              goEnv,
              {
                kind: 'RUN',
                commands: [
                  'cd /src/app',
                  `go build -o /out/${bin}.native ${c.go.main}`,
                  `go version -m /out/${bin}.native | grep -q 'GOEXPERIMENT=libcsyscall'`,
                  `bash /scanner/scan-syscalls.sh --require-zero /out/${bin}.native > /out/${bin}.native.scan.json`,
                ],
              },
              { kind: 'COPY', from: 'upstream', src: [`/out/${bin}.upstream`], dest: '/out/' },
            ],
          },
        ],
        context: [
          { src: `${out}/go/src`, dest: 'src/app' },
          ...SCANNER,
        ],
        images: { GOLANG: `${out}/golang/image.json` },
        tags: [nativeRef],
        push: true,
        output: `${out}/native/image.json`,
      },
      outputs: [`{workspaceRoot}/${out}/native`],
      cache: true,
    },
    tools: {
      metadata: { description: `The helper programs of the bench image, ${toolsRef}: ${helpers.map((h) => h.name).join(', ')}, built static with upstream Go ${c.go.version} from their workspace sources (a change to one rebuilds only this image and the bench image, not ${bin}).` },
      executor: '@confidential/image-builder:build',
      dependsOn: [built('image-builder'), 'golang'], // golang makes sure the upstream golang image is there
      inputs: [code(CODE.image), ...helpers.map((h) => ws(`${h.source}/**/*`)), imageState(toolsRef)],
      options: {
        stages: [
          {
            name: 'tools',
            from: { image: 'golang', tag: `${c.go.version}-${c.distro}` },
            instructions: [
              { kind: 'COPY', src: ['src'], dest: '/src' },
              {
                kind: 'RUN',
                // standard library and workspace modules only (replace directives): no vendor folder, no download
                commands: helpers.flatMap((h) => [`cd /src/${h.source}`, `CGO_ENABLED=0 GOPROXY=off GOFLAGS='-mod=mod -trimpath' go build -o /out/${h.name} ${h.main}`]),
              },
            ],
          },
        ],
        context: helpers.map((h) => ({ src: h.source, dest: `src/${h.source}` })),
        tags: [toolsRef],
        push: true,
        output: `${out}/tools/image.json`,
      },
      outputs: [`{workspaceRoot}/${out}/tools`],
      cache: true,
    },
    binaries: {
      metadata: { description: `Copy ${bin}.native, ${bin}.upstream and the scan out of the native image, for signing and for the runtime image.` },
      executor: '@confidential/image-builder:extract',
      dependsOn: [built('image-builder'), 'native'],
      inputs: [code(CODE.image), upstream('**/image.json')],
      options: { image: `${out}/native/image.json`, paths: ['/out'], outputDir: `${out}/bin` },
      outputs: [`{workspaceRoot}/${out}/bin`],
      cache: true,
    },
    sign: {
      metadata: { description: `The confidential transformation (sim backend; --configuration=scone renders SCONE's steps): embed ${c.embed.include.join(', ')} (binaryfs), attach the extension, measure and sign; measurement.json.` },
      executor: '@confidential/signer:sign',
      dependsOn: [built('signer'), 'binaries', 'modules'],
      inputs: [code(CODE.signer), upstream()],
      options: {
        backend: 'sim',
        binary: `${out}/bin/out/${bin}.native`,
        include: c.embed.include,
        root: `${out}/site`,
        hostPaths: c.embed.hostPaths,
        ...c.sign,
        libc: c.libc,
        configId: app.configId,
        outputDir: `${out}/sign`,
      },
      ...(c.scone
        ? { configurations: { scone: { backend: 'scone', binary: c.scone.binary, root: '/', sconeVersion: c.scone.version, sconeBuilder: c.scone.builder, outputDir: `${out}/scone` } } }
        : {}),
      outputs: [`{workspaceRoot}/${out}/sign`, `{workspaceRoot}/${out}/scone`],
      cache: true,
    },
    policy: {
      metadata: { description: `${paths.session} with the measurement bound into ${c.session.service}'s mrenclaves, validated and linted.` },
      executor: '@confidential/cas-policy:render',
      dependsOn: [built('cas-policy'), 'sign', ...c.session.peers.map((p) => ({ projects: [p.app], target: 'sign' }))],
      inputs: [code(CODE.policy), ws(paths.session), upstream('**/measurement.json')],
      options: {
        session: paths.session,
        measurement: `${out}/sign/measurement.json`,
        service: c.session.service,
        also: c.session.also,
        ...(c.session.peers.length ? { peers: c.session.peers.map((p) => ({ service: p.service, measurement: `${peerOut(p.app)}/sign/measurement.json` })) } : {}),
        output: `${out}/policy/session.yml`,
      },
      outputs: [`{workspaceRoot}/${out}/policy`],
      cache: true,
    },
    image: {
      metadata: { description: `The production image ${runtimeRef}: confidential ${bin} (sim) with its extension and measurement${c.image.files.length ? ', the image files' : ''} and the ${c.libc} runtime it links, FROM scratch — no shell, no tools, no native or upstream binary, no source tree.${c.scone ? ' --configuration=scone builds the SCONE variant from the rendered Dockerfile (needs the SCONE images).' : ''}` },
      executor: '@confidential/image-builder:build',
      dependsOn: [built('image-builder'), 'sign', ...(c.libc === 'musl' ? ['native'] : [])],
      inputs: [code(CODE.image), ...paths.imageFiles.map((f) => ws(f.src)), upstream(), imageState(runtimeRef)],
      options: {
        ...musl,
        stages: [
          ...muslStage,
          {
            name: 'libs',
            from: { image: 'debian', tag: c.distro },
            instructions: [
              { kind: 'COPY', src: [`sign/${bin}.native`, ...c.sign.extensions.map((e) => `sign/${e}`)], dest: '/usr/local/bin/' },
              {
                kind: 'RUN',
                commands: [
                  'mkdir -p /rootfs/tmp /rootfs/root /rootfs/etc',
                  'chmod 1777 /rootfs/tmp',
                  // glibc: the loader and libraries ldd resolves (the extension comes from $ORIGIN); musl: its loader below
                  ...(c.libc === 'musl'
                    ? []
                    : [`! ldd /usr/local/bin/${bin}.native | grep 'not found'`, `ldd /usr/local/bin/${bin}.native | grep -o '/[^ ]*' | grep -v '^/usr/local/bin/' | sort -u | xargs -I{} cp -L --parents {} /rootfs`]),
                ],
              },
            ],
          },
          {
            name: 'runtime',
            from: { image: 'scratch' },
            instructions: [
              { kind: 'COPY', from: 'libs', src: ['/rootfs/'], dest: '/' },
              ...confidential,
              ...appFiles,
              ...launchEnv,
              { kind: 'CMD', exec: [`/usr/local/bin/${bin}`] },
            ],
          },
        ],
        context: [{ src: `${out}/sign`, dest: 'sign' }, ...appFilesContext],
        tags: [runtimeRef],
        push: true,
        output: `${out}/image/image.json`,
      },
      ...(c.scone
        ? { configurations: { scone: { stages: [], dockerfile: `${out}/scone/Dockerfile.signer`, target: 'signer', context: [], images: {}, tags: [`confidential/${name}:scone`], output: `${out}/scone/image.json` } } }
        : {}),
      outputs: [`{workspaceRoot}/${out}/image`],
      cache: true,
    },
    'bench-image': {
      metadata: { description: `The image the runs use, ${benchRef}: confidential ${bin} (sim) as in the production image, plus ${bin}.native and ${bin}.upstream, the embedded files at their paths (for the baselines), the tools of ${toolsRef} and a shell, on debian:${c.distro}.` },
      executor: '@confidential/image-builder:build',
      dependsOn: [built('image-builder'), 'binaries', 'sign', 'tools'],
      inputs: [code(CODE.image), ...paths.imageFiles.map((f) => ws(f.src)), upstream(), imageState(benchRef)],
      options: {
        args: [{ name: 'TOOLS' }, ...(musl.args ?? [])],
        images: { TOOLS: `${out}/tools/image.json`, ...musl.images },
        stages: [
          ...muslStage,
          { name: 'tools', from: { arg: 'TOOLS' }, instructions: [] },
          {
            name: 'bench',
            from: { image: 'debian', tag: c.distro },
            instructions: [
              { kind: 'COPY', src: [`bin/out/${bin}.native`, `bin/out/${bin}.upstream`], dest: '/usr/local/bin/' },
              { kind: 'COPY', from: 'tools', src: helpers.map((h) => `/out/${h.name}`), dest: '/usr/local/bin/' },
              ...confidential,
              { kind: 'COPY', src: ['site'], dest: '/' },
              ...appFiles,
              ...launchEnv,
              { kind: 'CMD', exec: c.image.cmd },
            ],
          },
        ],
        context: [
          { src: `${out}/bin`, dest: 'bin' },
          { src: `${out}/sign`, dest: 'sign' },
          { src: `${out}/site`, dest: 'site' },
          ...appFilesContext,
        ],
        tags: [benchRef],
        push: true,
        output: `${out}/bench-image/image.json`,
      },
      outputs: [`{workspaceRoot}/${out}/bench-image`],
      cache: true,
    },
  };

  if (c.goTest) {
    targets['go-test'] = {
      metadata: { description: `${name}'s own tests (go test ${c.goTest.packages.join(' ')}) with the patched toolchain and with upstream Go, compared test by test: report.md; fails on a regression.` },
      executor: '@confidential/app:go-test',
      dependsOn: [built('confidential-app'), 'golang', 'modules'],
      inputs: [code([...CODE.app, 'image-builder']), ws(file), upstream()],
      options: { config: file, golang: `${out}/golang/image.json`, source: `${out}/go/src`, outputDir: `${out}/go-test` },
      outputs: [`{workspaceRoot}/${out}/go-test`],
      cache: true,
      parallelism: false, // the app's own tests, some timing-bound, on a machine no other task loads
    };
  }
  const runTarget = (run: string, spec: RunSpec, compose: { file: string; testService: string }): TargetConfiguration => ({
    metadata: { description: spec.description ?? `docker compose (${POLICY_COMPOSE} + ${compose.file}): the sim policy service, the session upload, then ${compose.testService}.` },
    executor: '@confidential/app:run',
    dependsOn: [built('confidential-app'), built('compose-runner'), 'bench-image', 'image', 'policy', { projects: ['cas-policy'], target: 'image' }, ...c.session.peers.map((p) => ({ projects: [p.app], target: 'image' })), ...spec.dependsOn],
    options: {
      composeFiles: [POLICY_COMPOSE, compose.file],
      projectDirectory: '.',
      testService: compose.testService,
      timeoutSeconds: spec.timeoutSeconds,
      ...(spec.waitFor.length ? { waitFor: spec.waitFor } : {}),
      env: {
        CAS_IMAGE: { file: POLICY_SERVICE_IMAGE_JSON, field: 'ref' },
        APP_IMAGE: { file: `${out}/bench-image/image.json`, field: 'ref' },
        PROD_IMAGE: { file: `${out}/image/image.json`, field: 'ref' },
        ...Object.fromEntries(c.session.peers.map((p) => [`PEER_${p.app.toUpperCase().replace(/-/g, '_')}_IMAGE`, { file: `${peerOut(p.app)}/image/image.json`, field: 'ref' }])),
        POLICY_DIR: `${out}/policy`,
        ...(spec.checks ? { CHECKS: JSON.stringify(spec.checks) } : {}),
        ...spec.env,
      },
      outputDir: `${out}/${run}`,
      results: spec.results,
      ...(spec.leakScan
        ? {
            leakScan: {
              policyService: 'cas',
              configIds: [app.configId, ...c.session.also.map((service) => `${sessionName}/${service}`)],
              measurement: `${out}/sign/measurement.json`,
              ...(c.session.peers.length ? { peers: c.session.peers.map((p) => ({ configId: `${sessionName}/${p.service}`, measurement: `${peerOut(p.app)}/sign/measurement.json` })) } : {}),
              images: [`${out}/bench-image/image.json`, `${out}/image/image.json`, ...c.session.peers.map((p) => `${peerOut(p.app)}/image/image.json`)],
              outputs: [out],
            },
          }
        : {}),
    },
    cache: false,
    parallelism: false, // a run owns the engine while it runs: its timings and leak scan see no other task
  });
  for (const [run, spec] of Object.entries(c.runs)) targets[run] = runTarget(run, spec, { file: paths.compose, testService: c.compose.testService });
  if (c.bench) {
    const bins = `/usr/local/bin/${bin}`;
    const benchConfig = {
      url: c.bench.url,
      ...(c.bench.expect ? { expect: c.bench.expect } : {}),
      targets: [
        { name: 'upstream', command: [`${bins}.upstream`, ...c.bench.args] },
        { name: 'native', command: [`${bins}.native`, ...c.bench.args] },
        { name: 'confidential', command: [bins] },
        ...c.bench.services.map((t) => ({
          name: t.name,
          command: ['env', `SCONE_CONFIG_ID=${sessionName}/${t.service}`, bins],
          ...(t.url ? { url: t.url } : {}),
          ...(t.ca ? { ca: t.ca } : {}),
        })),
      ],
    };
    targets['bench-run'] = runTarget(
      'bench-run',
      {
        description: `confidential-bench (packages/bench) in ${benchRef}: upstream-toolchain, patched native and sim confidential ${bin} under the same load at ${c.bench.url}, alternated in short slices in a balanced order, ratios with bootstrap 95 % intervals (BENCH_MODE fixed, saturation or cpu): bench.json.`,
        env: { BENCH_CONFIG: JSON.stringify(benchConfig), ...c.bench.env },
        results: ['/out/bench.json'],
        timeoutSeconds: c.bench.timeoutSeconds,
        dependsOn: [],
        waitFor: [],
        leakScan: false, // the baselines are not confidential programs; run and e2e scan the confidential one
      },
      { file: BENCH_COMPOSE, testService: 'bench' },
    );
  }
  if (targets['bench-run']) {
    // the report of every app with a bench-run; a run named `run` that returns caddy-test's /out/run.json adds its steps
    const withRun = c.runs.run?.results.includes('/out/run.json') ?? false;
    targets.bench = {
      metadata: { description: `bench-run${withRun ? ' and run' : ''}, then the HTML report of bench.json${withRun ? ' (with the run\'s steps)' : ''} with its PNG and a short summary: ${out}/bench/report.html (bench-report).` },
      executor: 'nx:run-commands',
      dependsOn: ['bench-run', ...(withRun ? ['run'] : []), built('bench-report')],
      options: {
        command: [
          'node packages/bench-report/dist/cli.js render',
          `${out}/bench-run/results/bench.json`,
          ...(withRun ? [`${out}/run/results/run.json`] : []),
          `-o ${out}/bench/report.html --png ${out}/bench/report.png --title "${name} benchmark: latency by percentile"`,
        ].join(' '),
      },
      outputs: [`{workspaceRoot}/${out}/bench`],
      cache: false,
      parallelism: false, // waits on its runs, which own the engine
    };
  }
  return { targets };
}
