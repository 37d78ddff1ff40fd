export * from './lib/model.js';
export * from './lib/cli.js';
export * from './lib/logs.js';
export * from './lib/runner.js';
export { runRun, type RunOutcome } from './executors/run/executor.js';
export { RunOptions } from './executors/run/options.js';
