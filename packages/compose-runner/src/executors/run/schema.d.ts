import type { ComposeModel, DependsOnCondition } from '../../index.js';

export interface RunExecutorSchema {
  composeFile?: string;
  model?: ComposeModel;
  testService: string;
  timeoutSeconds?: number;
  waitFor?: { service: string; condition: DependsOnCondition }[];
  env?: Record<string, string | { file: string; field?: string }>;
  outputDir: string;
  results?: string[];
  name?: string;
  projectDirectory?: string;
  labels?: Record<string, string>;
}
