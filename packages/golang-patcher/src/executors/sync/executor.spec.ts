import { describe, expect, it } from 'vitest';
import syncExecutor from './executor.js';

const context = { root: '/nonexistent' } as Parameters<typeof syncExecutor>[1];

describe('golang-patcher:sync options', () => {
  it('names the option of the wrong type in one sentence', async () => {
    await expect(syncExecutor({ target: 42 }, context)).rejects.toThrow(/^golang-patcher:sync: option "target" is invalid: .*expected string/);
  });
  it('refuses unknown options and malformed dates', async () => {
    await expect(syncExecutor({ target: 'x', tagz: [] }, context)).rejects.toThrow(/option "\(options\)" is invalid: Unrecognized key: "tagz"/);
    await expect(syncExecutor({ target: 'x', today: '28.11.2026' }, context)).rejects.toThrow(/option "today" is invalid: expected an ISO date/);
  });
});
