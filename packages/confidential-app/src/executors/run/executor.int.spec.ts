// Against the real engine and the real sim policy service image (cas-policy:image): the leak scan finds a key that
// a program leaked into its container's file system and its log, fails the run naming both, and finds nothing when
// the program keeps it to itself. (caddy:e2e runs the clean case with confidential caddy.)
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyImageJson } from '@confidential/image-builder';
import { POLICY_SERVICE_IMAGE_JSON } from '../../lib/targets.js';
import { runAppRun, type LeakScanRecord } from './executor.js';

const root = join(import.meta.dirname, '../../../../..');
const M = 'ab'.repeat(32);
let dir: string;
let image: string;

const session = `name: leaky
version: "0.3.10"
security:
  attestation:
    mode: none
services:
  - name: app
    image_name: app
    mrenclaves: [${M}]
    command: app
images:
  - name: app
    injection_files:
      - path: /etc/app/key.pem
        content: $$SCONE::app_key$$
secrets:
  - name: app_key
    kind: private-key
`;

/** The test program: asks for the launch answer as the measured program would, then leaks the key (or not). */
const program = (leak: boolean) => `
fetch('http://cas:8081/v1/launch/leaky/app?measurement=${M}').then((r) => r.text()).then((text) => {
  const line = text.split('\\n').find((l) => l.startsWith('file '));
  const pem = Buffer.from(line.split(' ')[3], 'base64').toString();
  if (!pem.includes('PRIVATE KEY')) process.exit(2);
  if (${leak}) {
    require('fs').writeFileSync('/tmp/leaked.pem', pem);
    console.log('debug: ' + pem.split('\\n')[1]);
  }
  console.log('got the key, ' + pem.length + ' bytes');
});`;

const model = (leak: boolean) => ({
  services: {
    cas: { image, healthcheck: { test: ['CMD', 'node', '/opt/cas-policy/dist/cli.js', 'health', '--url', 'http://127.0.0.1:8081'], interval: '1s', timeout: '5s', retries: 30 } },
    upload: { image, command: ['upload', '/policy/session.yml', '--backend', 'sim', '--url', 'http://cas:8081'], volumes: [`${dir}:/policy:ro`], depends_on: { cas: { condition: 'service_healthy' } } },
    app: { image, entrypoint: ['node', '-e', program(leak)], depends_on: { upload: { condition: 'service_completed_successfully' } } },
  },
});

const options = (leak: boolean, name: string) => ({
  model: model(leak),
  testService: 'app',
  timeoutSeconds: 180,
  outputDir: relative(root, join(dir, name)),
  leakScan: { configIds: ['leaky/app'], measurement: relative(root, join(dir, 'measurement.json')), images: [POLICY_SERVICE_IMAGE_JSON], outputs: [relative(root, join(dir, name))] },
});

beforeAll(async () => {
  dir = await mkdtemp(join(root, 'dist', 'leak-scan-int-'));
  image = (await verifyImageJson(join(root, POLICY_SERVICE_IMAGE_JSON))).id;
  await writeFile(join(dir, 'session.yml'), session);
  await writeFile(join(dir, 'measurement.json'), JSON.stringify({ measurement: M }));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('app:run leak scan', () => {
  it('a program that keeps the key to itself: every place clean, another measurement refused', async () => {
    const lines: string[] = [];
    const outcome = await runAppRun(options(false, 'clean'), root, (l) => lines.push(l));
    expect(outcome.success, outcome.error).toBe(true);
    const record = JSON.parse(await readFile(join(dir, 'clean', 'leak-scan.json'), 'utf8')) as LeakScanRecord;
    expect(record).toMatchObject({ ok: true, keys: 1, refused: { status: 403, clean: true } });
    expect(record.forms).toBeGreaterThan(10);
    const places = record.places.map((p) => p.place);
    expect(places).toEqual(expect.arrayContaining([expect.stringMatching(/^image /), 'app: file system changes (docker diff)', 'cas: file system changes (docker diff)', `upload: bind ${dir} → /policy`, 'compose logs']));
    expect(record.places.every((p) => p.found.length === 0)).toBe(true);
    expect(record.places.find((p) => p.place.startsWith('image '))?.bytes).toBeGreaterThan(100e6);
    expect(lines.join('\n')).not.toMatch(/FOUND/);
  }, 300_000);

  it('a program that writes the key to a file and a PEM line to its log: the run fails naming both places', async () => {
    const lines: string[] = [];
    const outcome = await runAppRun(options(true, 'leaky'), root, (l) => lines.push(l));
    expect(outcome.success).toBe(false);
    expect(outcome.error).toMatch(/^leak scan: .*PKCS#8 PEM line.* in app: file system changes \(docker diff\); .*PKCS#8 PEM line.* in compose logs; .* in Nx outputs /);
    const record = JSON.parse(await readFile(join(dir, 'leaky', 'leak-scan.json'), 'utf8')) as LeakScanRecord;
    expect(record.ok).toBe(false);
    expect(record.places.find((p) => p.place === 'app: file system changes (docker diff)')?.found).toEqual(expect.arrayContaining(['PKCS#8 PEM line', 'a PEM private key']));
    // the scan's own record and messages never hold the key: the leaked file's key is not in leak-scan.json
    const leaked = (await readFile(join(dir, 'leaky', 'logs.txt'), 'utf8')).match(/debug: (\S+)/)?.[1] ?? '';
    expect(leaked.length).toBeGreaterThan(40);
    expect(JSON.stringify(record)).not.toContain(leaked);
    expect(lines.join('\n')).not.toContain(leaked);
  }, 300_000);
});
