// The JSON Schema of confidential.yml for editors (yaml-language-server), generated from the zod definition.
import { z } from 'zod';
import { AppConfig } from './config.js';

export function appConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(AppConfig, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://confidential.local/schemas/confidential.schema.json',
    title: 'confidential.yml — a Go app made confidential',
  };
}
