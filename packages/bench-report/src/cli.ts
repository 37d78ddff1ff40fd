#!/usr/bin/env node
// node packages/bench-report/dist/cli.js render bench.json [result.json] -o report.html [--png report.png]
import { realpathSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderReport } from './render.js';
import { screenshotReport } from './screenshot.js';
import { summarize } from './summary.js';

const USAGE = 'usage: cli.js render <bench.json> [result.json] -o <report.html> [--png <report.png>] [--title <text>]';

export interface CliArgs {
  bench: string;
  result?: string;
  out: string;
  png?: string;
  title?: string;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const [cmd, ...rest] = argv;
  if (cmd !== 'render') throw new Error(USAGE);
  const pos: string[] = [];
  let out: string | undefined;
  let png: string | undefined;
  let title: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? '';
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '-o' || a === '--out') out = value();
    else if (a === '--png') png = value();
    else if (a === '--title') title = value();
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else pos.push(a);
  }
  const [bench, result, extra] = pos;
  if (!bench || !out || extra !== undefined) throw new Error(USAGE);
  return { bench, out, ...(result ? { result } : {}), ...(png ? { png } : {}), ...(title ? { title } : {}) };
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message})`);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const bench = await readJson(args.bench);
  const result = args.result ? await readJson(args.result) : undefined;
  const html = renderReport(bench, result, {
    benchFile: args.bench,
    ...(args.result ? { resultFile: args.result } : {}),
    ...(args.title ? { title: args.title } : {}),
  });
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, html);
  const summary = summarize(bench, result);
  for (const line of summary) console.log(line);
  // the summary beside the report too (the demo recording shows it)
  await writeFile(join(dirname(args.out), 'summary.txt'), `${summary.join('\n')}\n`);
  console.log(`report written: ${args.out}`);
  if (args.png) {
    await screenshotReport(args.out, args.png);
    console.log(`screenshot written: ${args.png}`);
  }
  return 0;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error((e as Error).message);
      process.exit(1);
    },
  );
}
