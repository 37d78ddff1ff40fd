export * from './lib/versions.js';
export * from './lib/tags.js';
export * from './lib/registry-tags.js';
export * from './lib/image-model.js';
export * from './lib/apply-patch.js';
export * from './lib/verify-image.js';
