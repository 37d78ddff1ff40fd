import { describe, expect, it } from 'vitest';
import { runSync } from './executor.js';

describe('golang-patcher:sync options', () => {
  it('names the option of the wrong type in one sentence', async () => {
    await expect(runSync({ target: 42 }, '/nonexistent')).rejects.toThrow(/^golang-patcher:sync: option "target" is invalid: .*expected string/);
  });
  it('refuses unknown options and malformed dates', async () => {
    await expect(runSync({ target: 'x', tagz: [] }, '/nonexistent')).rejects.toThrow(/option "\(options\)" is invalid: Unrecognized key: "tagz"/);
    await expect(runSync({ target: 'x', today: '28.11.2026' }, '/nonexistent')).rejects.toThrow(/option "today" is invalid: expected an ISO date/);
  });
  it('refuses a target with a tag or a malformed name', async () => {
    for (const target of ['127.0.0.1:5000/confidential/golang:1.26', 'Confidential/Golang', '']) {
      await expect(runSync({ target }, '/nonexistent')).rejects.toThrow(/^golang-patcher:sync: option "target" is invalid: expected a repository without a tag, such as 127\.0\.0\.1:5000\/confidential\/golang/);
    }
  });
});
