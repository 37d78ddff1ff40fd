import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from './schemas.js';

describe('generated schemas', () => {
  it.each(Object.entries(generatedFiles()))('%s is what the zod definition generates (npm run schemas)', (path, text) => {
    expect(readFileSync(join(import.meta.dirname, '..', path), 'utf8')).toBe(text);
  });

  it('the JSON Schema of confidential.yml closes every object and names what is required', () => {
    const schema = JSON.parse(generatedFiles()['confidential.schema.json']!) as { additionalProperties: boolean; required: string[]; properties: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['go', 'binary', 'embed', 'session', 'image', 'compose', 'runs']));
    expect(schema.required).not.toContain('libc');
  });
});
