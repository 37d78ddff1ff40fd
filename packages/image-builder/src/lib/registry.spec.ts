import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registryConfig } from './registry.js';

describe('registryConfig', () => {
  it('listens on loopback only and stores in the given folder', () => {
    const config = parse(registryConfig('/tmp/reg x/storage', 5123)) as { http: { addr: string }; storage: { filesystem: { rootdirectory: string }; delete: { enabled: boolean } } };
    expect(config.http.addr).toBe('127.0.0.1:5123');
    expect(config.storage.filesystem.rootdirectory).toBe('/tmp/reg x/storage');
    expect(config.storage.delete.enabled).toBe(true);
  });
});
