import type { ContextEntry, Stage } from '../../index.js';

export interface BuildExecutorSchema {
  stages?: Stage[];
  args?: { name: string; default?: string }[];
  dockerfile?: string;
  context?: ContextEntry[];
  target?: string;
  tags: string[];
  buildArgs?: Record<string, string>;
  images?: Record<string, string>;
  labels?: Record<string, string>;
  output: string;
  noCache?: boolean;
}
