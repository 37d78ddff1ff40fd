import { describe, expect, it } from 'vitest';
import uploadExecutor from './executor.js';

const context = { root: '/nonexistent' } as Parameters<typeof uploadExecutor>[1];

describe('cas-policy:upload options', () => {
  it('names the option of the wrong type in one sentence', async () => {
    await expect(uploadExecutor({ session: ['a'] }, context)).rejects.toThrow(/^cas-policy:upload: option "session" is invalid: .*expected string/);
    await expect(uploadExecutor({ session: 's.yml', backend: 'cas' }, context)).rejects.toThrow(/^cas-policy:upload: option "backend" is invalid: /);
    await expect(uploadExecutor({ session: 's.yml', url: 'not a url' }, context)).rejects.toThrow(/^cas-policy:upload: option "url" is invalid: /);
  });
  it('refuses unknown options', async () => {
    await expect(uploadExecutor({ session: 's.yml', host: 'x' }, context)).rejects.toThrow(/Unrecognized key: "host"/);
  });
});
