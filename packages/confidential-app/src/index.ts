// @confidential/app — a Go program made confidential by a config file: the app config (zod, JSON Schema for
// editors), the Nx plugin that infers the pipeline targets from it, and the modules executor.
export { AppConfig, CONFIG_FILE, loadAppConfig, ModuleVersion, type AppConfigInput, type LoadedApp } from './lib/config.js';
export { appTargets, imageState, POLICY_SERVICE_IMAGE_JSON } from './lib/targets.js';
export { createNodes, createNodesForFile, createNodesV2, PIPELINE_PROJECTS } from './plugins/plugin.js';
export { appConfigJsonSchema } from './lib/json-schema.js';
