#!/usr/bin/env node
// image-builder command line: `engine` ensures a reachable Docker engine (installs/starts one as root on Debian);
// `base-images` makes debian:bookworm and golang:<host go>-bookworm available (pulled, else bootstrapped).
import { ensureOfflineBaseImages } from './lib/base-images.js';
import { ensureEngine, EngineUnavailableError } from './lib/engine.js';

const commands: Record<string, (args: string[]) => Promise<void>> = {
  async engine() {
    const info = await ensureEngine({ log: (line) => console.error(`[engine] ${line}`) });
    console.log(`[engine] ${info.action}: Docker ${info.serverVersion} (API ${info.apiVersion}, ${info.storageDriver}) at ${info.host}`);
  },
  async 'base-images'(args) {
    const force = args.includes('--force');
    const noPull = args.includes('--no-pull');
    const results = await ensureOfflineBaseImages({ force, ...(noPull ? { pullTimeoutMs: 0 } : {}), log: (line) => console.error(`[base-images] ${line}`) });
    for (const r of results) {
      console.log(`[base-images] ${r.ref} ${r.action} (${r.seconds} s) ${r.id.slice(0, 19)} from: ${r.source}`);
      for (const note of r.notes) console.log(`[base-images]   note: ${note}`);
    }
  },
};

const [name = '', ...rest] = process.argv.slice(2);
const command = commands[name];
if (!command) {
  console.error(`usage: image-builder <${Object.keys(commands).join('|')}> …`);
  process.exit(2);
}
command(rest).catch((err: unknown) => {
  console.error(err instanceof EngineUnavailableError ? err.message : err);
  process.exit(1);
});
