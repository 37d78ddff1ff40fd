export const packageName = '@confidential/compose-runner';
