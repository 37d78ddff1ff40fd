import { describe, expect, it } from 'vitest';
import { demuxBuffer } from './logs.js';

const frame = (type: number, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

describe('demuxBuffer', () => {
  it('splits the engine multiplexed log format into stdout and stderr', () => {
    expect(demuxBuffer(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]), false)).toEqual([
      { stream: 'stdout', text: 'out\n' },
      { stream: 'stderr', text: 'err\n' },
    ]);
  });
  it('takes a TTY container log as it is', () => {
    expect(demuxBuffer(Buffer.from('raw\n'), true)).toEqual([{ stream: 'stdout', text: 'raw\n' }]);
  });
});
