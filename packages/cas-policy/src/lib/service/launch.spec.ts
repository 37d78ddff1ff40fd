import { describe, expect, it } from 'vitest';
import { launchConfig, parseLaunch, percentEncode, renderLaunch } from './launch.js';

describe('launch format', () => {
  it('renders the original service: argv from the command, env in policy order, pwd default /', () => {
    const text = renderLaunch(
      launchConfig({ name: 'binaryfs', command: 'caddy file-server --domain localhost', environment: { SCONE_LOG: 'error', HOME: '/root' } }),
    );
    expect(text).toBe(
      ['confidential-launch v1', 'arg caddy', 'arg file-server', 'arg --domain', 'arg localhost', 'env SCONE_LOG=error', 'env HOME=/root', 'pwd /', 'end', ''].join('\n'),
    );
  });

  it('percent-encodes %, space and control bytes only', () => {
    expect(percentEncode('a b%c\td\ne\x7f')).toBe('a%20b%25c%09d%0Ae%7F');
    expect(percentEncode('ünï/=:')).toBe('ünï/=:');
  });

  it('parses what it renders', () => {
    const config = { argv: ['sh', '-c', 'echo "a b"\n100%'], env: [['MSG', 'x y=z']] as [string, string][], pwd: '/srv/my app' };
    const text = renderLaunch(config);
    expect(text).toContain('arg echo%20"a%20b"%0A100%25');
    expect(parseLaunch(text)).toEqual({ ...config, files: [], volumes: [] });
  });

  it('renders and parses volume lines: name and path percent-encoded, key and token in hex', () => {
    const volume = { name: 'caddy data', path: '/data/caddy 1', key: Buffer.alloc(32, 0xab), token: Buffer.alloc(32, 0x01) };
    const text = renderLaunch({ argv: ['caddy'], env: [], pwd: '/', volumes: [volume] });
    expect(text.split('\n')).toContain(`volume caddy%20data /data/caddy%201 ${'ab'.repeat(32)} ${'01'.repeat(32)}`);
    expect(parseLaunch(text).volumes).toEqual([volume]);
    expect(() => parseLaunch(`confidential-launch v1\narg x\nvolume v /v ${'ab'.repeat(31)} ${'01'.repeat(32)}\nend\n`)).toThrow(/64 hex key/);
  });

  it('refuses answers that are not in the format', () => {
    expect(() => parseLaunch('hello\n')).toThrow(/confidential-launch v1/);
    expect(() => parseLaunch('confidential-launch v1\narg x\n')).toThrow(/missing "end"/);
  });
});
