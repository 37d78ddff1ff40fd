export * from './lib/dockerfile.js';
export * from './lib/engine.js';
