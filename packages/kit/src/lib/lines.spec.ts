import { describe, expect, it } from 'vitest';
import { lineSplitter } from './lines.js';

describe('lineSplitter', () => {
  it('hands out whole lines across chunk boundaries and keeps the unfinished tail', () => {
    const lines: string[] = [];
    const split = lineSplitter((line) => lines.push(line));
    split.write('Step 1/2 : FR');
    split.write('OM x\nStep 2/2 : RUN a\n\nlast');
    expect(lines).toEqual(['Step 1/2 : FROM x', 'Step 2/2 : RUN a', '']);
    expect(split.rest).toBe('last');
  });
});
