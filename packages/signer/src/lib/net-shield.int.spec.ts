// Integration: the network shield end to end on loopback — a C program (test/netshield.c) with plain sockets, signed
// with the extension, its policy from the real sim policy service (certificates and keys generated there and
// injected), and peers made here with node:tls (good ones trusting only the session CA; bad ones). The program's
// server is written like Go's netpoller (non-blocking, edge-triggered epoll, reads until EAGAIN); Go itself goes
// through the shield in go-httpbin's e2e-tls run.
import { startPolicyService, uploadSessionSim, type PolicyService } from '@confidential/cas-policy';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as tlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netSession } from '../bench/sim-net.js';
import { casAddr, signBare } from '../bench/sim-volume.js';
import { loadOrCreateKey } from './keys.js';
import type { SignResult } from './sign.js';
import { C_SOURCE_DIR } from './toolchain.js';

let tmp: string;
let service: PolicyService;
let signed: SignResult;
const MARKER = 'PLAINTEXT-MARKER-3e9a-network-shield';

/** a CA and a certificate it signs, made with openssl (the peers' side: the session's CA key never leaves the service) */
interface Pki { caCert: string; cert: string; key: string }
async function pki(dir: string, name: string, cn: string, san: string): Promise<Pki> {
  const f = (x: string) => join(dir, `${name}-${x}`);
  const o = (args: string[]) => execa('openssl', args, { cwd: dir });
  await o(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', `/CN=${name} test CA`]);
  await o(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', `/CN=${cn}`]);
  await writeFile(f('ext'), `subjectAltName=${san}\n`);
  await o(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.crt'), '-days', '2', '-extfile', f('ext')]);
  return { caCert: await readFile(f('ca.crt'), 'utf8'), cert: await readFile(f('leaf.crt'), 'utf8'), key: await readFile(f('leaf.key'), 'utf8') };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The session: certificates from the session's own CA (sim-net.ts), the client CA and the outgoing peer's CA (made
 * here) injected as public files, and the network shield's variables in the environment. */
function session(name: string, command: string, environment: Record<string, string>, peers: { clientCa: string; peerCa: string }, measurement = signed.measurement): string {
  return netSession({ name, service: 'app', measurement, command, environment, files: { '/shield/client-ca.crt': peers.clientCa, '/shield/peer-ca.crt': peers.peerCa } });
}

function start(name: string): ResultPromise<{ reject: false }> {
  return execa(signed.binary, [], {
    env: { SCONE_CONFIG_ID: `${name}/app`, SCONE_CAS_ADDR: casAddr(service.url), CONFIDENTIAL_SIM_CAS_TIMEOUT: '5' },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
}

/** waits for the server's "listening" line (its banner on stderr by then) */
async function listening(child: ResultPromise<{ reject: false }>): Promise<{ stderr: () => string }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('listening') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  if (!out.includes('listening')) throw new Error(`the server did not start: ${err}`);
  return { stderr: () => err };
}

/** one TLS exchange: send the lines, collect until `until` matches what came back */
async function exchange(socket: TLSSocket, lines: string[], until: (got: string) => boolean): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  let got = '';
  const done = new Promise<string>((resolve, reject) => {
    socket.on('data', (b: Buffer) => {
      got += b.toString('latin1');
      if (until(got)) resolve(got);
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(got));
  });
  socket.write(lines.map((l) => `${l}\n`).join(''));
  return done;
}

let sessionCa = '';
let clientPki: Pki;
let peerPki: Pki;
let otherPki: Pki;
const sessions = { n: 0 };

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'signer-net-'));
  const keyFile = join(tmp, 'key.pem');
  loadOrCreateKey(keyFile, { create: true });
  const plain = join(tmp, 'netshield');
  await execa('nice', ['gcc', '-O2', '-Wall', '-Wextra', '-Werror', join(C_SOURCE_DIR, 'test/netshield.c'), '-o', plain]);
  signed = await signBare(plain, tmp, { keyFile, outputDir: join(tmp, 'out') });
  service = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: join(tmp, 'store'), log: () => undefined });
  clientPki = await pki(tmp, 'client', 'test client', 'DNS:client.test');
  peerPki = await pki(tmp, 'peer', '127.0.0.1', 'IP:127.0.0.1');
  otherPki = await pki(tmp, 'other', '127.0.0.1', 'IP:127.0.0.1');
}, 180_000);
afterAll(async () => {
  await service?.close();
  if (tmp && !process.env.KEEP_NET_TMP) await rm(tmp, { recursive: true, force: true });
});

/** uploads a session for `command` with the shield's variables; its name (sessionCa: its CA, which the service made) */
async function upload(command: string, environment: Record<string, string>): Promise<string> {
  const name = `net${++sessions.n}`;
  await uploadSessionSim(service.url, session(name, command, environment, { clientCa: clientPki.caCert, peerCa: peerPki.caCert }));
  sessionCa = await (await fetch(`${service.url}/v1/public/${name}/net_ca`)).text();
  return name;
}

/** until the text says it (the server's lines reach the test a little after its peers see their effect), or 10 s */
async function eventually(text: () => string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 200 && !pattern.test(text()); i++) await new Promise((r) => setTimeout(r, 50));
  return text();
}

const serverEnv = (port: number, extra: Record<string, string> = {}) => ({
  SCONE_NETWORK_SHIELD_SERVER_web_PORT: String(port),
  SCONE_NETWORK_SHIELD_SERVER_web_CERT: '/shield/tls.crt',
  SCONE_NETWORK_SHIELD_SERVER_web_KEY: '/shield/tls.key',
  ...extra,
});

describe('network shield (sim backend, glibc)', () => {
  it('serves TLS 1.3 on the wrapped port to a client that trusts only the session CA; the wire holds no plaintext', async () => {
    const port = await freePort();
    const name = await upload(`netshield serve ${port}`, serverEnv(port, { SCONE_NETWORK_SHIELD_SERVER_web_ALPN: 'x-echo' }));
    const child = start(name);
    try {
      const server = await listening(child);
      expect(server.stderr()).toContain(`network shield: in :${port} (TLS 1.3, ALPN x-echo)`);
      // a capture between client and server: a TCP relay on loopback records every byte both ways
      const wire: Buffer[] = [];
      const relay = createServer((down) => {
        const up = tcpConnect(port, '127.0.0.1');
        down.on('data', (b: Buffer) => (wire.push(b), up.write(b)));
        up.on('data', (b: Buffer) => (wire.push(b), down.write(b)));
        down.on('close', () => up.destroy());
        up.on('close', () => down.destroy());
      });
      await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
      const file = join(tmp, 'sendfile.txt');
      await writeFile(file, `${MARKER}-by-sendfile`.repeat(3000));
      const socket = tlsConnect({ host: '127.0.0.1', port: (relay.address() as AddressInfo).port, servername: 'localhost', ca: sessionCa, ALPNProtocols: ['x-echo'] });
      const got = await exchange(socket, [`echo ${MARKER}`, 'big 300000', `file ${file}`], (g) => g.split('\n').length > 3);
      expect(socket.getProtocol()).toBe('TLSv1.3');
      expect(socket.alpnProtocol).toBe('x-echo');
      const [echo, big, sent] = got.split('\n');
      expect(echo).toBe(MARKER);
      expect(big?.length).toBe(300000);
      expect(big?.slice(0, 30)).toBe('abcdefghijklmnopqrstuvwxyzabcd');
      expect(sent).toBe(`${MARKER}-by-sendfile`.repeat(3000));
      socket.end();
      relay.close();
      const bytes = Buffer.concat(wire);
      expect(bytes.length).toBeGreaterThan(300000);
      expect(bytes.includes(MARKER)).toBe(false);
      expect(bytes.includes('abcdefghijklmnopqrstuvwxyz')).toBe(false);
      expect(bytes[0]).toBe(0x16); // a TLS handshake record opens the stream
      // positive control: the same exchange in the clear shows the marker on the wire
      expect(Buffer.from(`echo ${MARKER}\n`).includes(MARKER)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await child;
    }
  });

  it('select, poll and EPOLLONESHOT report the plaintext a TLS record left inside the runtime, and a spent oneshot registration gets no event', async () => {
    // three lines in one TLS record; the server reads 7 bytes after each wait, so after the first read the rest is
    // decrypted already and the socket is empty: a wait that asked only the kernel would sleep forever
    for (const mode of ['select', 'poll', 'oneshot']) {
      const port = await freePort();
      const child = start(await upload(`netshield small ${port} ${mode}`, serverEnv(port)));
      try {
        await listening(child);
        const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: sessionCa });
        const lines = ['echo one', `echo ${'two'.repeat(50)}`, 'echo three'];
        const got = await Promise.race([
          exchange(socket, lines, (g) => g.includes('three\n')),
          new Promise<string>((r) => setTimeout(() => r('(no answer within 20 s: the wait slept)'), 20_000)),
        ]);
        expect(got, mode).toBe(`one\n${'two'.repeat(50)}\nthree\n`);
        socket.end();
        const res = await child;
        expect(res.stdout, mode).toContain('served');
        expect(res.exitCode, `${mode}: ${res.stdout}`).toBe(0);
      } finally {
        child.kill('SIGKILL');
        await child;
      }
    }
  }, 120_000);

  it('refuses a plain-text client and a client that does not trust the session CA; mutual-tls refuses a client without a certificate', async () => {
    const [port, mport] = [await freePort(), await freePort()];
    const name = await upload(`netshield serve ${port}`, serverEnv(port));
    const child = start(name);
    try {
      await listening(child);
      // plain text: no reply with the marker, the connection is closed
      const plain = tcpConnect(port, '127.0.0.1');
      let reply = '';
      plain.on('data', (b: Buffer) => (reply += b.toString('latin1')));
      plain.write(`echo ${MARKER}\n`);
      await new Promise((r) => plain.once('close', r));
      expect(reply.includes(MARKER)).toBe(false);
      // a client with its own trust only (not the session CA): the handshake fails on the client side
      const untrusting = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: peerPki.caCert });
      await expect(exchange(untrusting, ['echo x'], () => true)).rejects.toThrow(/certificate/i);
    } finally {
      child.kill('SIGKILL');
      await child;
    }
    const mname = await upload(`netshield serve ${mport}`, {
      ...serverEnv(mport),
      SCONE_NETWORK_SHIELD_SERVER_web: 'mutual-tls',
      SCONE_NETWORK_SHIELD_SERVER_web_CA: '/shield/client-ca.crt',
    });
    const mchild = start(mname);
    try {
      const server = await listening(mchild);
      expect(server.stderr()).toContain(`in :${mport} (TLS 1.3, client certificates required)`);
      // TLS 1.3: the client finishes its side before the server checks its (empty) certificate; no reply comes
      const anonymous = tlsConnect({ host: '127.0.0.1', port: mport, servername: 'localhost', ca: sessionCa });
      const anon = await exchange(anonymous, [`echo ${MARKER}`], (g) => g.includes('\n')).then((g) => `reply ${g}`, (e: Error) => `error ${e.message}`);
      expect(anon).not.toContain(MARKER);
      expect(await eventually(server.stderr, /handshake failed/)).toMatch(/incoming on :\d+ from 127\.0\.0\.1:\d+: handshake failed: .*certificate/);
      const withCert = tlsConnect({ host: '127.0.0.1', port: mport, servername: 'localhost', ca: sessionCa, cert: clientPki.cert, key: clientPki.key });
      expect(await exchange(withCert, [`echo ${MARKER}`], (g) => g.includes('\n'))).toBe(`${MARKER}\n`);
      withCert.end();
    } finally {
      mchild.kill('SIGKILL');
      await mchild;
    }
  });

  it('keeps serving others beside bad peers (garbage, a cut handshake, a client that never reads, 1000 idle connections) and leaks no fd', async () => {
    const port = await freePort();
    const name = await upload(`netshield serve ${port}`, serverEnv(port));
    const child = start(name);
    const bad: Socket[] = [];
    try {
      const server = await listening(child);
      const ask = async (line: string) => {
        const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: sessionCa });
        const got = await exchange(s, [line], (g) => g.includes('\n'));
        s.end();
        return got.trim();
      };
      const baseline = Number(await ask('fds'));
      // 1000 connections that never send a byte (a handshake never started), garbage, half a ClientHello
      const connected: Promise<unknown>[] = [];
      const badPeer = (first?: Buffer) => {
        const s = tcpConnect(port, '127.0.0.1');
        s.on('error', () => undefined); // the server resets the garbage: expected
        connected.push(new Promise((r) => s.once('connect', r)));
        if (first) s.write(first);
        bad.push(s);
      };
      for (let i = 0; i < 1000; i++) badPeer();
      badPeer(Buffer.alloc(4096, 0x41));
      badPeer(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])); // a record of 512 bytes, cut after 6
      await Promise.all(connected);
      // a TLS client that asks for 64 MiB and never reads
      const greedy = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: sessionCa });
      greedy.on('error', () => undefined);
      await new Promise((r) => greedy.once('secureConnect', r));
      greedy.pause();
      greedy.write('big 67108864\n');
      // others are still served, each in full
      for (let i = 0; i < 5; i++) expect(await ask(`echo ${MARKER}-${i}`)).toBe(`${MARKER}-${i}`);
      expect(Number(await ask('fds'))).toBeGreaterThan(baseline + 1000);
      // everyone bad leaves: the server's fds come back to the baseline (it closes each as it sees its end)
      for (const s of bad) s.destroy();
      greedy.destroy();
      let fds = Number.NaN;
      for (let i = 0; i < 100 && fds !== baseline; i++) {
        await new Promise((r) => setTimeout(r, 100));
        fds = Number(await ask('fds'));
      }
      expect(fds).toBe(baseline);
      expect(await eventually(server.stderr, /handshake failed/)).toMatch(/network shield: incoming on :\d+ from 127\.0\.0\.1:\d+: handshake failed/);
    } finally {
      for (const s of bad) s.destroy();
      child.kill('SIGKILL');
      await child;
    }
  }, 120_000);

  it('wraps an outgoing connection: the peer must chain to the named CA (else the program sees a reset), mutual-tls presents the session certificate', async () => {
    const serve = async (p: Pki, requestCert: boolean) => {
      const seen: string[] = [];
      // the reply waits 300 ms: an end of the client's stream before it is recorded ("end before the reply": fetch's
      // shutdown(SHUT_WR), a close_notify — or one from a forked child's close, which must not happen)
      const server = tlsServer({ cert: p.cert, key: p.key, minVersion: 'TLSv1.3', requestCert, rejectUnauthorized: requestCert, allowHalfOpen: true }, (s) => {
        let replied = false;
        s.on('end', () => replied || seen.push('end before the reply'));
        s.on('data', (b: Buffer) => {
          seen.push(`${s.getProtocol()} ${requestCert ? (s.getPeerCertificate().subject?.CN ?? '') : '-'} ${b.toString().trim()}`);
          setTimeout(() => ((replied = true), s.end(`hello ${b.toString().trim()}\n`)), 300);
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return { server, port: (server.address() as AddressInfo).port, seen };
    };
    const good = await serve(peerPki, false);
    const other = await serve(otherPki, false);
    const mutual = await serve(peerPki, true);
    try {
      const client = (port: number, extra: Record<string, string> = {}) => ({
        SCONE_NETWORK_SHIELD_CLIENT_up_HOST: '127.0.0.1',
        SCONE_NETWORK_SHIELD_CLIENT_up_PORT: String(port),
        SCONE_NETWORK_SHIELD_CLIENT_up_CA: '/shield/peer-ca.crt',
        ...extra,
      });
      const once = async (port: number, env: Record<string, string>, mode = 'fetch') => start(await upload(`netshield ${mode} 127.0.0.1 ${port} ${MARKER}`, env));
      const ok = await once(good.port, client(good.port));
      expect(ok.stdout, ok.stderr).toBe(`hello ${MARKER}`);
      expect(ok.stderr).toContain(`network shield: out 127.0.0.1:${good.port} (TLS 1.3, peer verified as 127.0.0.1)`);
      expect(good.seen).toEqual([`TLSv1.3 - ${MARKER}`, 'end before the reply']); // fetch half-closes
      // the hard way: connect asked again until EISCONN (the wrap stays), a forked child closing its copy (no
      // close_notify from it: the exchange goes on), a file dup2'ed over the fd afterwards (no TLS byte lands in it)
      const hard = await once(good.port, client(good.port), 'fetch2');
      expect(hard.stdout, hard.stderr).toBe(`hello ${MARKER}\nfile 0`);
      expect(good.seen).toEqual([`TLSv1.3 - ${MARKER}`, 'end before the reply', `TLSv1.3 - ${MARKER}`]);
      // a blocking read with SO_RCVTIMEO (100 ms; the reply comes after 300 ms): EAGAIN in time, then the reply
      const timed = await once(good.port, client(good.port), 'fetch3');
      expect(timed.stdout, timed.stderr).toBe(`read: EAGAIN\nhello ${MARKER}`);
      const refused = await once(other.port, client(other.port));
      expect(refused.stdout).toMatch(/^error (ECONNRESET|EPIPE)$/);
      expect(refused.stderr).toMatch(/outgoing to :\d+ at 127\.0\.0\.1:\d+: handshake failed: .*certificate verify failed/);
      expect(other.seen).toEqual([]);
      const name = await upload(`netshield fetch 127.0.0.1 ${mutual.port} ${MARKER}`, client(mutual.port, { SCONE_NETWORK_SHIELD_CLIENT_up: 'mutual-tls', SCONE_NETWORK_SHIELD_CLIENT_up_CERT: '/shield/client.crt', SCONE_NETWORK_SHIELD_CLIENT_up_KEY: '/shield/client.key' }));
      mutual.server.setSecureContext({ cert: peerPki.cert, key: peerPki.key, ca: sessionCa }); // this session's CA
      const m = await start(name);
      expect(m.stdout, m.stderr).toBe(`hello ${MARKER}`);
      expect(mutual.seen).toEqual([`TLSv1.3 shield client ${MARKER}`, 'end before the reply']);
    } finally {
      for (const s of [good, other, mutual]) s.server.close();
    }
  }, 60_000);

  it('fails closed: a declaration the policy service refuses never reaches the program; a key that is not the certificate\'s, or a musl runtime, stops it before main', async () => {
    // the service checks the variables at upload, each at its field
    const refused: [Record<string, string>, RegExp][] = [
      [{ ...serverEnv(4443), SCONE_NETWORK_SHIELD_SERVER_web_CERT: '/etc/ssl/certs/ca-certificates.crt' }, /SCONE_NETWORK_SHIELD_SERVER_web_CERT: expected the path of an injected file of image "app_image"/],
      [{ ...serverEnv(4443), SCONE_NETWORK_SHIELD_SERVER_web_PORT: 'https' }, /SCONE_NETWORK_SHIELD_SERVER_web_PORT: expected a TCP port/],
      [{ ...serverEnv(4443), SCONE_NETWORK_SHIELD: 'protected' }, /the sim backend does not support protected/],
    ];
    for (const [env, sentence] of refused) await expect(upload('netshield serve 4443', env)).rejects.toThrow(sentence);
    // what only the runtime can see: the generated key and certificate do not belong together
    const r = await start(await upload('netshield serve 4443', { ...serverEnv(4443), SCONE_NETWORK_SHIELD_SERVER_web_KEY: '/shield/client.key' }));
    expect(r.exitCode, r.stderr).toBe(78);
    expect(r.stderr).toMatch(/network shield: SCONE_NETWORK_SHIELD_SERVER_web_KEY \(\/shield\/client\.key\) holds no PEM private key of the certificate; refusing to start/);
    expect(r.stdout).toBe('');
    // musl: built without the shield (no libssl for musl here)
    const bin = join(tmp, 'netshield-musl');
    await execa('nice', ['musl-gcc', '-O2', '-Wall', '-Wextra', '-Werror', join(C_SOURCE_DIR, 'test/netshield.c'), '-o', bin]);
    const musl = await signBare(bin, tmp, { keyFile: join(tmp, 'key.pem'), outputDir: join(tmp, 'out-musl'), libc: 'musl' });
    const name = `net${++sessions.n}`;
    await uploadSessionSim(service.url, session(name, 'netshield serve 4443', serverEnv(4443), { clientCa: clientPki.caCert, peerCa: peerPki.caCert }, musl.measurement));
    const m = await execa(musl.binary, [], { env: { SCONE_CONFIG_ID: `${name}/app`, SCONE_CAS_ADDR: casAddr(service.url), CONFIDENTIAL_SIM_CAS_TIMEOUT: '5' }, extendEnv: false, reject: false });
    expect(m.exitCode, m.stderr).toBe(78);
    expect(m.stderr).toMatch(/the policy sets SCONE_NETWORK_SHIELD_SERVER_web_\w+=\S*, but this runtime was built without the network shield .*; refusing to start/);
    expect(m.stdout).toBe('');
  });
});
