import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { followStream, StreamError, type StreamEntry } from './stream.js';

// dockerode's real followProgress over a synthetic JSON-lines stream (no engine is contacted)
const client = new Docker({ socketPath: '/nonexistent.sock' });
const streamOf = (entries: object[]) => {
  const s = new PassThrough();
  s.end(entries.map((e) => `${JSON.stringify(e)}\r\n`).join(''));
  return s;
};

describe('followStream', () => {
  it('resolves with every entry and calls onEntry for each', async () => {
    const seen: StreamEntry[] = [];
    const entries = await followStream(client, streamOf([{ stream: 'Step 1/1 : FROM x\n' }, { aux: { ID: 'sha256:abc' } }]), 'build', (e) => seen.push(e));
    expect(entries).toHaveLength(2);
    expect(seen.map((e) => e.aux?.ID ?? e.stream)).toEqual(['Step 1/1 : FROM x\n', 'sha256:abc']);
  });

  it('rejects on an error entry even though the stream itself ended cleanly', async () => {
    const error = await followStream(
      client,
      streamOf([{ stream: 'Step 2/2 : RUN false\n' }, { errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" }, error: "The command '/bin/sh -c false' returned a non-zero code: 1" }, { stream: 'after\n' }]),
      'build',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).message).toBe("build: The command '/bin/sh -c false' returned a non-zero code: 1");
    expect((error as StreamError).entries).toHaveLength(3);
  });

  it('treats an errorDetail without error as a failure too', async () => {
    await expect(followStream(client, streamOf([{ errorDetail: { message: 'denied' } }]), 'push x')).rejects.toThrow('push x: denied');
  });
});
