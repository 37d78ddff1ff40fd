import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bindMeasurement, renderSession } from './bind.js';
import { PolicyError } from './errors.js';
import { loadSessionText } from './load.js';
import { renderBoundFiles } from './render.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const original = readFileSync(join(fixtures, 'session.yml'), 'utf8');
const bound = readFileSync(join(fixtures, 'session.bound.yml'), 'utf8');
const M = '3f1c0a9be4d2a7c8e6f5b4a3928170e1d2c3b4a5968778695a4b3c2d1e0f9a8b';

describe('renderSession', () => {
  it('round-trips the original session byte for byte', () => {
    expect(renderSession(loadSessionText(original).session)).toBe(original);
  });

  it('is independent of key order, quoting and comments of the input', () => {
    const shuffled = [
      '# the caddy policy',
      'services:',
      '- environment: {SCONE_LOG: "error", HOME: "/root"}',
      "  command: 'caddy file-server --domain localhost'",
      '  name: binaryfs',
      'security: {attestation: {mode: none}}',
      "version: '0.3'",
      'name: caddy',
      '',
    ].join('\n');
    expect(renderSession(loadSessionText(shuffled).session)).toBe(original);
  });

  it('quotes what would otherwise change type and never folds long lines', () => {
    const text = renderSession({ name: 'n', version: '0.3', services: [{ name: 's', command: `prog ${'x'.repeat(200)}`, environment: { PORT: '8080', FLAG: 'true' } }] });
    expect(text).toContain('PORT: "8080"');
    expect(text).toContain('FLAG: "true"');
    expect(text).toContain(`command: prog ${'x'.repeat(200)}\n`);
    expect(loadSessionText(text).session.services?.[0]?.environment).toEqual({ PORT: '8080', FLAG: 'true' });
  });
});

describe('bindMeasurement', () => {
  it('parse → bind → render gives the bound fixture, and binding again changes nothing', () => {
    const once = renderSession(bindMeasurement(loadSessionText(original), M));
    expect(once).toBe(bound);
    expect(renderSession(bindMeasurement(loadSessionText(once), M))).toBe(bound);
    expect(renderSession(loadSessionText(bound).session)).toBe(bound);
  });

  it('binds the named service, lowercases, replaces by default and appends on request', () => {
    const text = `name: app\nversion: "0.3"\nservices:\n  - name: a\n  - name: b\n    mrenclaves: ["${'0'.repeat(64)}"]\n`;
    const loaded = loadSessionText(text);
    const replaced = bindMeasurement(loaded, M.toUpperCase(), { service: 'b' });
    expect(replaced.services?.map((s) => s.mrenclaves)).toEqual([undefined, [M]]);
    const appended = bindMeasurement(loaded, M, { service: 'b', append: true });
    expect(appended.services?.[1]?.mrenclaves).toEqual(['0'.repeat(64), M]);
    expect(loaded.session.services?.[1]?.mrenclaves).toEqual(['0'.repeat(64)]);
  });

  it('binds the services that run the same binary as well (also), and names one that is missing', () => {
    const loaded = loadSessionText(`name: app\nversion: "0.3"\nservices:\n  - name: a\n  - name: b\n  - name: c\n`);
    expect(bindMeasurement(loaded, M, { service: 'a', also: ['c'] }).services?.map((s) => s.mrenclaves)).toEqual([[M], undefined, [M]]);
    expect(() => bindMeasurement(loaded, M, { service: 'a', also: ['d'] })).toThrow(/no service named "d" to bind as well \(services: a, b, c\)/);
  });

  it('names the missing service and refuses a malformed measurement', () => {
    const loaded = loadSessionText(original);
    expect(() => bindMeasurement(loaded, M, { service: 'web' })).toThrow(/^session\.yml:8:1 services: no service named "web" \(services: binaryfs\)$/);
    expect(() => bindMeasurement(loaded, 'abc')).toThrow(PolicyError);
    expect(() => bindMeasurement(loadSessionText('name: n\nversion: "0.3"\n'), M)).toThrow(/expected at least one service/);
  });
});

describe('renderBoundFiles', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes the bound session; strict fails on the original (attestation off)', () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-policy-'));
    const output = join(dir, 'out', 'session.yml');
    const result = renderBoundFiles({ session: join(fixtures, 'session.yml'), measurement: join(fixtures, 'measurement.json'), output });
    expect(readFileSync(output, 'utf8')).toBe(bound);
    expect(result.service).toBe('binaryfs');
    expect(result.warnings.map((w) => w.code)).toEqual(['CP001', 'CP004']);
    expect(() =>
      renderBoundFiles({ session: join(fixtures, 'session.yml'), measurement: join(fixtures, 'measurement.json'), output, strict: true }),
    ).toThrow(/error CP001/);
  });

  it('binds a peer service (another binary of the session) to its own measurement, and refuses one bound already', () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-policy-'));
    const session = join(dir, 'session.yml');
    writeFileSync(session, 'name: two\nversion: "0.3"\nservices:\n  - name: app\n    command: app\n  - name: peer\n    command: peer\n');
    const peerMeasurement = join(dir, 'peer.json');
    const P = 'ab'.repeat(32);
    writeFileSync(peerMeasurement, readFileSync(join(fixtures, 'measurement.json'), 'utf8').replace(/"measurement": "[0-9a-f]+"/, `"measurement": "${P}"`));
    const result = renderBoundFiles({ session, measurement: join(fixtures, 'measurement.json'), service: 'app', peers: [{ service: 'peer', measurement: peerMeasurement }] });
    const own = JSON.parse(readFileSync(join(fixtures, 'measurement.json'), 'utf8')).measurement as string;
    expect(result.text).toContain(`  - name: app\n    mrenclaves:\n      - ${own}`);
    expect(result.text).toContain(`  - name: peer\n    mrenclaves:\n      - ${P}`);
    expect(() => renderBoundFiles({ session, measurement: join(fixtures, 'measurement.json'), service: 'app', also: ['peer'], peers: [{ service: 'peer', measurement: peerMeasurement }] })).toThrow(
      /service "peer" is bound to this binary already: a peer runs another one/,
    );
  });

  it('refuses a measurement made for the other backend, naming file, position and field', () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-policy-'));
    const measurement = join(dir, 'measurement.json');
    writeFileSync(measurement, readFileSync(join(fixtures, 'measurement.json'), 'utf8').replace('"backend": "sim"', '"backend": "scone"'));
    expect(() => renderBoundFiles({ session: join(fixtures, 'session.yml'), measurement, backend: 'sim' })).toThrow(
      `${measurement}:3:14 backend: expected "sim" (the measurement was made for the scone backend)`,
    );
  });
});
