import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError } from './errors.js';
import { loadSessionText } from './load.js';
import { loadMeasurementText } from './measurement.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

/** The formatted issues of a session that must not load. */
function errorsOf(text: string, file = 'session.yml'): string[] {
  try {
    loadSessionText(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).issues.map((i) => `${i.file}:${i.line}:${i.col} ${i.path}: ${i.message}`);
  }
  throw new Error('expected the session to be refused');
}

const header = 'name: caddy\nversion: "0.3"\n\n';

describe('loadSessionText', () => {
  it('loads the original session', () => {
    const loaded = loadSessionText(readFileSync(join(fixtures, 'session.yml'), 'utf8'));
    expect(loaded.session).toEqual({
      name: 'caddy',
      version: '0.3',
      security: { attestation: { mode: 'none' } },
      services: [{ name: 'binaryfs', command: 'caddy file-server --domain localhost', environment: { SCONE_LOG: 'error', HOME: '/root' } }],
    });
  });

  it('wrong type: points at the value', () => {
    const text = `${header}services:\n  - name: binaryfs\n    environment:\n      HOME: /root\n    pwd: 42\n`;
    expect(errorsOf(text)).toEqual(['session.yml:8:10 services[0].pwd: expected string (quote it: pwd: "42")']);
    const command = `${header}services:\n  - name: binaryfs\n    environment:\n      HOME: 7\n    command: 42\n`;
    expect(errorsOf(command)).toEqual([
      'session.yml:7:13 services[0].environment.HOME: expected string (quote it: HOME: "7")',
      'session.yml:8:14 services[0].command: expected string or list of strings',
    ]);
  });

  it('inside a union, the branch that matches the type gives the precise issue', () => {
    const text = `${header}services:\n  - name: binaryfs\n    command: [caddy, 5]\n    attestation:\n      - mrenclave: abc\n      - signer: {mrsigner: x, isvprodid: 1, isvsvn: 1, extra: 2}\n`;
    expect(errorsOf(text)).toEqual([
      'session.yml:6:22 services[0].command[1]: expected string',
      'session.yml:8:20 services[0].attestation[0].mrenclave: expected an MRENCLAVE or a list of them',
      'session.yml:9:28 services[0].attestation[1].signer.mrsigner: expected 64 hex characters or $$SCONE::name$$',
      'session.yml:9:56 services[0].attestation[1].signer.extra: unknown key',
    ]);
  });

  it('formats the message as file:line:col path: message', () => {
    const text = `${header}services:\n  - name: binaryfs\n    pwd: [/]\n`;
    expect(() => loadSessionText(text, 'apps/caddy/session.yml')).toThrow(/^apps\/caddy\/session\.yml:6:10 services\[0\]\.pwd: expected string$/);
  });

  it('unknown key: points at the key, one issue per key', () => {
    const text = `${header}services:\n  - name: binaryfs\n    comand: caddy\n    environmnet: {}\n`;
    expect(errorsOf(text)).toEqual([
      'session.yml:6:5 services[0].comand: unknown key',
      'session.yml:7:5 services[0].environmnet: unknown key',
    ]);
  });

  it('unknown top-level key', () => {
    expect(errorsOf(`${header}sevices: []\n`)).toEqual(['session.yml:4:1 sevices: unknown key']);
  });

  it('missing name: points at the map that lacks it', () => {
    expect(errorsOf('version: "0.3"\n')).toEqual(['session.yml:1:1 name: missing, expected string']);
    const text = `${header}services:\n  - command: caddy\n`;
    expect(errorsOf(text)).toEqual(['session.yml:5:5 services[0].name: missing, expected string']);
  });

  it('duplicate service names: points at the second name', () => {
    const text = `${header}services:\n  - name: binaryfs\n  - name: other\n  - name: binaryfs\n`;
    expect(errorsOf(text)).toEqual(['session.yml:7:11 services[2].name: duplicate name "binaryfs" (first at services[0])']);
  });

  it('invalid measurement format in mrenclaves', () => {
    const text = `${header}services:\n  - name: binaryfs\n    mrenclaves:\n      - 3f1c0a9b\n`;
    expect(errorsOf(text)).toEqual(['session.yml:7:9 services[0].mrenclaves[0]: expected 64 hex characters (an MRENCLAVE)']);
  });

  it('version not a string', () => {
    expect(errorsOf('name: caddy\nversion: 0.3\n')).toEqual(['session.yml:2:10 version: expected string (quote it: version: "0.3")']);
    expect(errorsOf('name: caddy\nversion: "0.2"\n')).toEqual(['session.yml:2:10 version: expected "0.3" (this schema covers session language 0.3)']);
  });

  it('reports every issue of a document at once', () => {
    const text = 'name: caddy\nversion: 3\nsecurity:\n  attestation:\n    mode: off\n';
    expect(errorsOf(text)).toEqual([
      'session.yml:2:10 version: expected string (quote it: version: "3")',
      'session.yml:5:11 security.attestation.mode: expected one of "hardware"|"none"|"maa"',
    ]);
  });

  it('YAML syntax errors and duplicate keys carry their position', () => {
    expect(errorsOf('name: caddy\nname: other\nversion: "0.3"\n')).toEqual(['session.yml:2:1 (yaml): Map keys must be unique']);
    expect(errorsOf('name: caddy\nversion: "0.3\n')).toEqual(['session.yml:3:1 (yaml): Missing closing "quote']);
  });

  it('a document that is not a map', () => {
    expect(errorsOf('- a\n- b\n')).toEqual(['session.yml:1:1 (root): expected map']);
  });

  it('command that cannot be split into arguments', () => {
    const text = `${header}services:\n  - name: binaryfs\n    command: caddy "run\n`;
    expect(errorsOf(text)).toEqual(['session.yml:6:14 services[0].command: cannot split into arguments: unterminated double quote at character 7']);
  });
});

describe('loadMeasurementText', () => {
  const good = readFileSync(join(fixtures, 'measurement.json'), 'utf8');

  it('loads the fixture', () => {
    expect(loadMeasurementText(good).value.measurement).toBe('3f1c0a9be4d2a7c8e6f5b4a3928170e1d2c3b4a5968778695a4b3c2d1e0f9a8b');
  });

  it('invalid measurement format: file:line:col and path', () => {
    const bad = good.replace('"3f1c0a9be4d2a7c8e6f5b4a3928170e1d2c3b4a5968778695a4b3c2d1e0f9a8b"', '"XYZ"');
    expect(() => loadMeasurementText(bad, 'dist/caddy/measurement.json')).toThrow(
      /^dist\/caddy\/measurement\.json:4:18 measurement: expected 64 lowercase hex characters$/,
    );
  });

  it('wrong backend and missing fields', () => {
    const bad = '{\n  "version": 1,\n  "backend": "sgx"\n}\n';
    const error = (() => {
      try {
        loadMeasurementText(bad);
      } catch (e) {
        return e as PolicyError;
      }
      throw new Error('expected an error');
    })();
    expect(error.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`)).toEqual([
      '1:1 measurement: missing, expected string',
      '1:1 binary: missing, expected map',
      '1:1 extensions: missing, expected list',
      '1:1 options: missing, expected map',
      '1:1 signature: missing, expected string',
      '1:1 publicKey: missing, expected string',
      '3:14 backend: expected one of "sim"|"scone"',
    ]);
  });
});
