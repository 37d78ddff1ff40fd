#!/usr/bin/env node
// image-builder command line: `engine` ensures a reachable Docker engine (installs/starts one as root on Debian).
import { ensureEngine, EngineUnavailableError } from './lib/engine.js';

const commands: Record<string, (args: string[]) => Promise<void>> = {
  async engine() {
    const info = await ensureEngine({ log: (line) => console.error(`[engine] ${line}`) });
    console.log(`[engine] ${info.action}: Docker ${info.serverVersion} (API ${info.apiVersion}, ${info.storageDriver}) at ${info.host}`);
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
