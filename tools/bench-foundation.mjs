#!/usr/bin/env node
// Foundation benchmark: cold and warm time of the offline base-image bootstrap and of the Go hello-world build.
// Runs against packages/image-builder/dist (build it first: npx nx run image-builder:build).
// It bootstraps into its own names (confidential-bench/*) with its own rootfs cache folder, so the shared
// debian:bookworm / golang:<go>-bookworm images and /var/cache/confidential stay untouched; everything it
// creates is removed at the end. Usage: nice node tools/bench-foundation.mjs [--write docs/benchmarks.md]
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildImage, docker, ensureOfflineBaseImages, hostGo, removeImage } from '../packages/image-builder/dist/index.js';

const run = randomBytes(3).toString('hex');
const debianRef = `confidential-bench/debian:bookworm-${run}`;
const go = await hostGo();
const golangRef = `confidential-bench/golang:${go.version}-bookworm-${run}`;
const helloRef = `confidential-bench/hello:${run}`;
const cacheDir = await mkdtemp(join(tmpdir(), 'bench-rootfs-'));
const src = await mkdtemp(join(tmpdir(), 'bench-hello-'));
const rows = [];
const log = (line) => process.stderr.write(`  ${line}\n`);
const quiet = () => {};

async function timed(name, fn) {
  const start = process.hrtime.bigint();
  const detail = await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rows.push({ name, seconds, detail });
  process.stderr.write(`${name}: ${seconds.toFixed(2)} s (${detail})\n`);
}

const baseOptions = { cacheDir, debianRef, golangRef, log: quiet };
const summary = (results) => results.map((r) => `${r.ref.split('/')[1].replace(/-[0-9a-f]{6}$/, '')} ${r.action}`).join(', ');

try {
  await timed('base images, cold (no image, no rootfs cache: pull attempt, debootstrap, import, golang + apt)', async () =>
    summary(await ensureOfflineBaseImages({ ...baseOptions, log })),
  );
  await timed('base images, warm (images present: idempotent skip)', async () => summary(await ensureOfflineBaseImages(baseOptions)));
  await removeImage(golangRef, { force: true });
  await removeImage(debianRef, { force: true });
  await timed('base images, warm rootfs cache (images removed: import cached rootfs, golang + apt)', async () =>
    summary(await ensureOfflineBaseImages(baseOptions)),
  );

  await writeFile(join(src, 'go.mod'), 'module example.com/hello\n\ngo 1.22\n');
  await writeFile(join(src, 'main.go'), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello, world") }\n');
  const [image, tag] = golangRef.split(/:(?=[^:]*$)/);
  const model = {
    stages: [
      {
        name: 'builder',
        from: { image, tag },
        instructions: [
          { kind: 'WORKDIR', path: '/src' },
          { kind: 'COPY', src: ['go.mod', 'main.go'], dest: '/src/' },
          { kind: 'RUN', commands: ['CGO_ENABLED=0 go build -trimpath -o /out/hello .'] },
        ],
      },
      {
        name: 'runtime',
        from: { image: debianRef.split(':')[0], tag: debianRef.split(':')[1] },
        instructions: [
          { kind: 'COPY', from: 'builder', src: ['/out/hello'], dest: '/usr/local/bin/hello' },
          { kind: 'CMD', exec: ['/usr/local/bin/hello'] },
        ],
      },
    ],
  };
  const context = [
    { src: join(src, 'go.mod'), dest: 'go.mod' },
    { src: join(src, 'main.go'), dest: 'main.go' },
  ];
  let cold;
  await timed('hello-world two-stage build, cold (--no-cache)', async () => {
    cold = await buildImage({ dockerfile: model, context, tags: [helloRef], noCache: true, onProgress: quiet });
    return `${cold.cachedSteps} "Using cache" steps`;
  });
  await timed('hello-world two-stage build, warm (same inputs)', async () => {
    const warm = await buildImage({ dockerfile: model, context, tags: [helloRef], onProgress: quiet });
    if (warm.id !== cold.id) throw new Error(`warm build produced ${warm.id}, cold ${cold.id}: layers were not reused`);
    return `${warm.cachedSteps} "Using cache" steps, same image id`;
  });
} finally {
  // the builder stage of the cold build is an untagged image: remove every image that descends from our golang
  const client = docker();
  const golangId = (await client.getImage(golangRef).inspect().catch(() => undefined))?.Id;
  await removeImage(helloRef, { force: true });
  if (golangId) {
    for (const img of await client.listImages({ all: true, filters: { since: [golangId] } })) {
      const history = await client.getImage(img.Id).history().catch(() => []);
      if (history.some((h) => h.Id === golangId)) await removeImage(img.Id, { force: true }).catch(() => {});
    }
  }
  await removeImage(golangRef, { force: true });
  await removeImage(debianRef, { force: true });
  await rm(cacheDir, { recursive: true, force: true });
  await rm(src, { recursive: true, force: true });
}

const table = [
  '| measurement | seconds | detail |',
  '|---|---:|---|',
  ...rows.map((r) => `| ${r.name} | ${r.seconds.toFixed(2)} | ${r.detail} |`),
].join('\n');
console.log(table);

const writeAt = process.argv.indexOf('--write');
if (writeAt > 0) {
  const file = resolve(process.argv[writeAt + 1] ?? 'docs/benchmarks.md');
  const existing = await readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  const section = [
    '## Foundation',
    '',
    `Measured ${new Date().toISOString()} on this machine (2 cores shared with other jobs, dockerd 20.10 classic builder, no registry reachable, go${go.version}) with:`,
    '',
    '```',
    'npx nx run image-builder:build && nice node tools/bench-foundation.mjs --write docs/benchmarks.md',
    '```',
    '',
    table,
    '',
    'Cold bootstrap = failed pull attempts + `debootstrap --variant=minbase bookworm` + `docker import` + the golang image (GOROOT copied, apt toolchain incl. musl-tools).',
    'Warm = the same call again: images with the same source label are kept. "Warm rootfs cache" = images removed, the cached',
    'debootstrap tarball re-imported (the golang apt layer is rebuilt because the re-imported debian image has a new id).',
    'The warm hello-world build must reuse every layer: the script fails when the image id differs from the cold one.',
    'The script uses its own image names and rootfs cache folder and removes them afterwards.',
    '',
  ].join('\n');
  const next = /## Foundation\n[\s\S]*?(?=\n## |$)/.test(existing) ? existing.replace(/## Foundation\n[\s\S]*?(?=\n## |$)/, section) : `${existing.trimEnd()}\n\n${section}`;
  await writeFile(file, next);
  console.log(`wrote the Foundation section of ${file}`);
}
