// Following the logs of a run's containers through the engine API, one line at a time, prefixed by service.
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';

export interface LogLine {
  service: string;
  /** container name */
  container: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** Splits a byte stream into lines (a last unterminated line is delivered at the end). */
function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let rest = '';
    stream.setEncoding?.('utf8');
    stream.on('data', (chunk: string | Buffer) => {
      rest += String(chunk);
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) onLine(part.replace(/\r$/, ''));
    });
    const finish = () => {
      if (rest) onLine(rest.replace(/\r$/, ''));
      rest = '';
      resolve();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
}

/** Reads a (non-follow) logs buffer of the engine, multiplexed unless the container has a TTY. */
export function demuxBuffer(buffer: Buffer, tty: boolean): { stream: 'stdout' | 'stderr'; text: string }[] {
  if (tty) return [{ stream: 'stdout', text: buffer.toString('utf8') }];
  const out: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    out.push({ stream: type === 2 ? 'stderr' : 'stdout', text: buffer.subarray(offset + 8, offset + 8 + size).toString('utf8') });
    offset += 8 + size;
  }
  return out;
}

/** The last `count` lines a container wrote (stdout and stderr interleaved as the engine stored them). */
export async function tailLogs(client: Docker, id: string, count: number): Promise<string[]> {
  try {
    const container = client.getContainer(id);
    const info = await container.inspect();
    const buffer = (await container.logs({ stdout: true, stderr: true, follow: false, tail: count })) as unknown as Buffer;
    return demuxBuffer(Buffer.from(buffer), Boolean(info.Config.Tty))
      .map((c) => c.text)
      .join('')
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l, i, all) => l !== '' || i < all.length - 1)
      .slice(-count);
  } catch {
    return [];
  }
}

/** Follows each container once; `attach` is idempotent per container id. */
export class LogFollower {
  private readonly followed = new Map<string, { stream?: Readable; done: Promise<void> }>();

  constructor(
    private readonly client: Docker,
    private readonly onLine: (line: LogLine) => void,
  ) {}

  attach(id: string, service: string, container: string, tty: boolean): void {
    if (this.followed.has(id)) return;
    const entry: { stream?: Readable; done: Promise<void> } = { done: Promise.resolve() };
    this.followed.set(id, entry);
    entry.done = (async () => {
      let raw: Readable;
      try {
        raw = (await this.client.getContainer(id).logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
      } catch {
        return; // removed before we got to it
      }
      entry.stream = raw;
      const emit = (stream: 'stdout' | 'stderr') => (line: string) => this.onLine({ service, container, stream, line });
      if (tty) {
        await lines(raw, emit('stdout'));
        return;
      }
      const out = new PassThrough();
      const err = new PassThrough();
      this.client.modem.demuxStream(raw, out, err);
      const ended = () => {
        out.end();
        err.end();
      };
      raw.on('end', ended);
      raw.on('close', ended);
      raw.on('error', ended);
      await Promise.all([lines(out, emit('stdout')), lines(err, emit('stderr'))]);
    })();
  }

  /** Waits (at most `ms`) for the follower of one container to reach the end of its log. */
  async drain(id: string, ms: number): Promise<void> {
    const entry = this.followed.get(id);
    if (!entry) return;
    await Promise.race([entry.done, new Promise((r) => setTimeout(r, ms).unref())]);
  }

  /** Stops following everything. */
  async close(): Promise<void> {
    for (const entry of this.followed.values()) entry.stream?.destroy();
    await Promise.race([Promise.all([...this.followed.values()].map((e) => e.done)), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}
