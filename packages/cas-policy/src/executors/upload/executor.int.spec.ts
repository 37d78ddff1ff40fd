import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPolicyService, type PolicyService } from '../../lib/service/server.js';
import { getSessionSim } from '../../lib/upload/sim.js';
import uploadExecutor from './executor.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');

describe('cas-policy:upload (sim backend)', () => {
  let root: string;
  let service: PolicyService;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'cas-policy-upload-'));
    cpSync(join(fixtures, 'session.bound.yml'), join(root, 'session.yml'));
    service = await startPolicyService({ port: 0, storeDir: join(root, 'store'), log: () => undefined });
  });
  afterEach(async () => {
    await service.close();
    rmSync(root, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('uploads the session file; a second upload without predecessor is refused', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const context = { root } as Parameters<typeof uploadExecutor>[1];
    expect(await uploadExecutor({ session: 'session.yml', url: service.url }, context)).toEqual({ success: true });
    expect(String(log.mock.calls[0]?.[0])).toMatch(/^cas-policy:upload: created session caddy \([0-9a-f]{64}\) at http:\/\/127\.0\.0\.1:\d+$/);
    expect((await getSessionSim(service.url, 'caddy'))?.name).toBe('caddy');
    await expect(uploadExecutor({ session: 'session.yml', url: service.url }, context)).rejects.toThrow(/HTTP 409: session "caddy" exists/);
  });
});
