// @confidential/kit — what every package shares and none of them owns, with no engine behind it: positioned
// issues, YAML validated by zod with line:col, option validation and the Nx executor wrapper.
export { formatIssue, issuePath, IssueError, type Issue, type Severity } from './lib/issues.js';
export { formatIssues, nxExecutor, optionsOrThrow, parseOrThrow } from './lib/options.js';
export { parseYamlWith, positionOf, zodIssues, type LoadedYaml } from './lib/yaml.js';
export { lineSplitter } from './lib/lines.js';
export { executorSchemaFiles, executorSchemaJson, packagesWithExecutors } from './lib/schemas.js';
