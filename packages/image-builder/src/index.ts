export * from './lib/dockerfile.js';
export * from './lib/engine.js';
export * from './lib/errors.js';
