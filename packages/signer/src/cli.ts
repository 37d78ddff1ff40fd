#!/usr/bin/env node
// node packages/signer/dist/cli.js verify <dir> [--key <pem>]   — exit 0 when measurement.json verifies.
import { runVerify } from './executors/verify/executor.js';

const [command, dir, flag, key] = process.argv.slice(2);
if (command !== 'verify' || !dir || (flag !== undefined && (flag !== '--key' || !key))) {
  console.error('usage: cli.js verify <dir> [--key <pem>]');
  process.exit(2);
}
runVerify({ dir, ...(key ? { keyFile: key } : {}) }, process.cwd())
  .then((r) => process.exit(r.success ? 0 : 1))
  .catch((error: Error) => {
    console.error(error.message);
    process.exit(2);
  });
