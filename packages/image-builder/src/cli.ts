#!/usr/bin/env node
// image-builder command line: `engine` ensures a reachable Docker engine (installs/starts one as root on Debian);
// `base-images [ref…]` makes debian:bookworm and golang:<host go>-bookworm, or the named base images
// (golang:1.27.3-trixie …), available (pulled, else bootstrapped).
import { ensureBaseImage, ensureOfflineBaseImages } from './lib/base-images.js';
import { ensureEngine, EngineUnavailableError } from './lib/engine.js';
import { ImageGoneError, verifyImageJson } from './lib/images.js';

const commands: Record<string, (args: string[]) => Promise<void>> = {
  async engine() {
    const info = await ensureEngine({ log: (line) => console.error(`[engine] ${line}`) });
    console.log(`[engine] ${info.action}: Docker ${info.serverVersion} (API ${info.apiVersion}, ${info.storageDriver}) at ${info.host}`);
  },
  /** `verify-image <image.json>…`: each recorded id must still be in the engine (for cached Nx outputs). */
  async 'verify-image'(args) {
    if (args.length === 0) throw new Error('usage: image-builder verify-image <image.json>…');
    for (const file of args) {
      const record = await verifyImageJson(file);
      console.log(`[verify-image] ${file}: ${record.ref} = ${record.id}${record.refMatches ? '' : ` (the tag ${record.ref} now names another image)`}`);
    }
  },
  async 'base-images'(args) {
    const force = args.includes('--force');
    const noPull = args.includes('--no-pull');
    const options = { force, ...(noPull ? { pullTimeoutMs: 0 } : {}), log: (line: string) => console.error(`[base-images] ${line}`) };
    // named images (golang:1.27.3-trixie …), else debian:bookworm and golang:<the machine's Go>-bookworm
    const refs = args.filter((a) => !a.startsWith('--'));
    const results = refs.length ? await Promise.all(refs.map((ref) => ensureBaseImage(ref, options))) : await ensureOfflineBaseImages(options);
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
  console.error(err instanceof EngineUnavailableError || err instanceof ImageGoneError ? err.message : err);
  process.exit(1);
});
