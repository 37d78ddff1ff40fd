// signer:go-net-tests — the network shield's Go test set (src/test/gonet: net/http client and server in one test
// binary; HTTP/1.1, HTTP/2 over h2c, a websocket, sendfile, concurrency): built with upstream Go and run as it is,
// and built with the patched toolchain (golang-patcher:toolchain), signed, run from a policy of the real sim policy
// service that wraps its server port (mutual-tls) and its client's destination (mutual-tls, ALPN h2,http/1.1) —
// the program speaks plain text either way. Compared test by test (docs/go-net-shield-tests.md).
// usage: node packages/signer/dist/bench/go-net-tests.js [--goroot dist/golang-patcher/goroot] [--out docs/go-net-shield-tests.md]
import { startPolicyService, uploadSessionSim } from '@confidential/cas-policy';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { verdicts } from './go-volume-tests.js';
import { netSession } from './sim-net.js';
import { casAddr, signBare } from './sim-volume.js';

const GONET = fileURLToPath(new URL('../../src/test/gonet/', import.meta.url));
const PORT = '18443';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { goroot: { type: 'string', default: 'dist/golang-patcher/goroot' }, out: { type: 'string', default: 'docs/go-net-shield-tests.md' } } });
  const patched = resolve(values.goroot as string);
  const upstream = (await execa('go', ['env', 'GOROOT'])).stdout.trim();
  const version = (await execa(join(patched, 'bin', 'go'), ['env', 'GOVERSION'])).stdout.trim();
  const tmp = await mkdtemp(join(tmpdir(), 'go-net-tests-'));
  const service = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: join(tmp, 'store'), log: () => undefined });
  try {
    const build = async (goroot: string, out: string) => execa(join(goroot, 'bin', 'go'), ['test', '-c', '-o', out, '.'], { cwd: GONET, env: { GOROOT: goroot, GOFLAGS: '-buildvcs=false', PATH: process.env.PATH ?? '' } });
    process.stderr.write(`go-net-tests: building gonet.test with the patched and the upstream ${version}\n`);
    await build(patched, join(tmp, 'gonet.test'));
    await build(upstream, join(tmp, 'upstream.test'));
    const signed = await signBare(join(tmp, 'gonet.test'), tmp, { outputDir: join(tmp, 'signed') });
    const flags = ['-test.v=test2json', '-test.timeout=5m', '-test.count=1'];
    const shield = {
      GONET_PORT: PORT,
      GONET_SHIELDED: '1',
      HOME: '/root',
      SCONE_NETWORK_SHIELD_SERVER_web: 'mutual-tls',
      SCONE_NETWORK_SHIELD_SERVER_web_PORT: PORT,
      SCONE_NETWORK_SHIELD_SERVER_web_CERT: '/shield/tls.crt',
      SCONE_NETWORK_SHIELD_SERVER_web_KEY: '/shield/tls.key',
      SCONE_NETWORK_SHIELD_SERVER_web_CA: '/shield/ca.crt',
      SCONE_NETWORK_SHIELD_SERVER_web_ALPN: 'h2,http/1.1',
      SCONE_NETWORK_SHIELD_CLIENT_web: 'mutual-tls',
      SCONE_NETWORK_SHIELD_CLIENT_web_HOST: '127.0.0.1',
      SCONE_NETWORK_SHIELD_CLIENT_web_PORT: PORT,
      SCONE_NETWORK_SHIELD_CLIENT_web_CA: '/shield/ca.crt',
      SCONE_NETWORK_SHIELD_CLIENT_web_CERT: '/shield/client.crt',
      SCONE_NETWORK_SHIELD_CLIENT_web_KEY: '/shield/client.key',
      SCONE_NETWORK_SHIELD_CLIENT_web_ALPN: 'h2,http/1.1',
    };
    await uploadSessionSim(service.url, netSession({ name: 'gonet', service: 'tests', measurement: signed.measurement, command: `gonet.test ${flags.join(' ')}`, environment: shield }));
    const toJson = async (text: string) => (await execa(join(patched, 'bin', 'go'), ['tool', 'test2json', '-t', '-p', 'gonet'], { input: text, reject: false })).stdout;
    process.stderr.write('go-net-tests: upstream, unshielded\n');
    const up = await execa(join(tmp, 'upstream.test'), flags, { env: { GONET_PORT: PORT, PATH: '/usr/bin:/bin' }, extendEnv: false, reject: false, timeout: 300_000 });
    process.stderr.write('go-net-tests: patched, signed, through the shield\n');
    const sh = await execa(signed.binary, [], { env: { SCONE_CONFIG_ID: 'gonet/tests', SCONE_CAS_ADDR: casAddr(service.url), PATH: '/usr/bin:/bin' }, extendEnv: false, reject: false, timeout: 300_000 });
    const banner = sh.stderr.split('\n').find((l) => l.includes('network shield:')) ?? '(no banner: the shield was not set up)';
    const a = verdicts(await toJson(up.stdout));
    const b = verdicts(await toJson(sh.stdout));
    const names = [...new Set([...a.keys(), ...b.keys()])].sort();
    const regressions = names.filter((n) => a.get(n) === 'pass' && b.get(n) !== 'pass');
    const count = (m: Map<string, string>, v: string) => [...m.values()].filter((x) => x === v).length;
    const lines = [
      `# The network shield's Go test set (${version})`,
      '',
      `\`npx nx run signer:go-net-tests\` (${new Date().toISOString().slice(0, 10)}): \`packages/signer/src/test/gonet\` — a net/http server and its clients in one test binary, speaking plain text: HTTP/1.1 and HTTP/2 (h2c) echo of small and 1 MiB bodies, 100 requests on a kept-alive connection, 32 concurrent requests, a 4 MiB file response (sendfile), a websocket (RFC 6455) exchanging 200 messages up to 130 KB, and a plain-text probe of the port from 127.0.0.2 (shielded: no answer; unshielded: an HTTP answer). Built with upstream Go and run as it is; built with the patched toolchain, signed (sim) and run from a policy that wraps its server port and its client's destination, both mutual-tls by the session CA, ALPN h2,http/1.1.`,
      '',
      `Start banner of the shielded run: \`${banner.replace(/`/g, "'")}\``,
      '',
      '| | pass | fail | exit |',
      '|---|---|---|---|',
      `| upstream, no shield | ${count(a, 'pass')} | ${count(a, 'fail')} | ${up.exitCode} |`,
      `| patched, signed, through the shield | ${count(b, 'pass')} | ${count(b, 'fail')} | ${sh.exitCode} |`,
      '',
      `Regressions (pass upstream, not through the shield): ${regressions.length ? regressions.map((n) => `\`${n}\``).join(', ') : 'none'}.`,
      '',
      '| test | upstream | shield |',
      '|---|---|---|',
      ...names.map((n) => `| \`${n}\` | ${a.get(n) ?? '–'} | ${b.get(n) ?? '–'} |`),
      '',
    ];
    await writeFile(values.out as string, `${lines.join('\n')}\n`);
    process.stderr.write(`go-net-tests: ${regressions.length} regression(s); ${values.out}\n`);
    if (regressions.length || count(b, 'pass') === 0) process.exitCode = 1;
  } finally {
    await service.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`go-net-tests: ${(error as Error).message}`);
    process.exit(1);
  });
}
