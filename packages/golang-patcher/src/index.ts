export * from './lib/versions.js';
export * from './lib/tags.js';
