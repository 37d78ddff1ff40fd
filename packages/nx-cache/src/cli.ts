#!/usr/bin/env node
// nx-cache serve --registry http://127.0.0.1:5000 [--repository nx-cache] [--host 127.0.0.1] [--port 3000]
// Tokens come from the environment, never from the command line (it is visible in `ps`):
//   NX_CACHE_TOKEN (read and write, required), NX_CACHE_READ_ONLY_TOKEN (optional), NX_CACHE_REGISTRY_AUTH (optional
//   Authorization header for the registry).
import { parseArgs } from 'node:util';
import { OciStore } from './lib/oci-store.js';
import { startCacheServer } from './lib/server.js';

const USAGE = 'usage: nx-cache serve --registry <url> [--repository nx-cache] [--host 127.0.0.1] [--port 3000]  (tokens: NX_CACHE_TOKEN, NX_CACHE_READ_ONLY_TOKEN)';

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { registry: { type: 'string' }, repository: { type: 'string', default: 'nx-cache' }, host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '3000' } },
  });
  if (positionals[0] !== 'serve' || !values.registry) throw new Error(USAGE);
  const token = process.env.NX_CACHE_TOKEN;
  if (!token || token.length < 16) throw new Error('nx-cache: set NX_CACHE_TOKEN (at least 16 characters) to the read-write token');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`nx-cache: --port ${values.port}: expected a port number`);
  const store = new OciStore({ registry: values.registry, repository: values.repository, ...(process.env.NX_CACHE_REGISTRY_AUTH ? { authorization: process.env.NX_CACHE_REGISTRY_AUTH } : {}) });
  const server = await startCacheServer({ store, readWriteToken: token, ...(process.env.NX_CACHE_READ_ONLY_TOKEN ? { readOnlyToken: process.env.NX_CACHE_READ_ONLY_TOKEN } : {}), host: values.host, port });
  console.log(`nx-cache: serving ${server.url} (entries in ${values.registry}/${values.repository}); point Nx at it with NX_SELF_HOSTED_REMOTE_CACHE_SERVER=${server.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
