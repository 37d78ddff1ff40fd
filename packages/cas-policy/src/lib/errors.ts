// The policy's issues are @confidential/kit's positioned issues, under the names this package exports.
export { formatIssue, issuePath, IssueError as PolicyError, optionsOrThrow, type Issue as PolicyIssue, type Severity } from '@confidential/kit';
