// The Nx plugin: every `confidential.yml` makes its folder a project with the inferred pipeline targets
// (modules → golang → native → binaries → sign → policy → image → the compose runs). The app folder keeps only
// what differs; a project.json beside it may add the app's own targets.
import { posix } from 'node:path';
import { createNodesFromFiles, type CreateNodes, type CreateNodesResult } from '@nx/devkit';
import { CONFIG_FILE, loadAppConfig } from '../lib/config.js';
import { appTargets } from '../lib/targets.js';

/** The packages whose code an app's targets run (graph edges, so that `nx affected` sees them). */
export const PIPELINE_PROJECTS = ['confidential-app', 'kit', 'golang-patcher', 'image-builder', 'signer', 'cas-policy', 'compose-runner'];

export function createNodesForFile(file: string, workspaceRoot: string): CreateNodesResult {
  const app = loadAppConfig(workspaceRoot, file);
  const { targets } = appTargets(app);
  return {
    projects: {
      [app.root]: {
        name: app.name,
        projectType: 'application',
        // the apps whose config this one extends own files it reads
        implicitDependencies: [...PIPELINE_PROJECTS, ...app.extends.map((f) => posix.basename(posix.dirname(f)))],
        tags: ['scope:app', 'confidential'],
        metadata: {
          description: `Confidential ${app.config.binary} (${app.config.libc}, go${app.config.go.version}, config id ${app.configId}), from ${file}.`,
          technologies: ['go', 'docker'],
          targetGroups: { confidential: Object.keys(targets) },
        },
        targets,
      },
    },
  };
}

export const createNodes: CreateNodes = [
  `**/${CONFIG_FILE}`,
  (files, _options, context) => createNodesFromFiles((file) => createNodesForFile(file, context.workspaceRoot), files, undefined, context),
];

/** The old name, still read by Nx 23. */
export const createNodesV2 = createNodes;
