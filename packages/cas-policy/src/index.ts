export const packageName = '@confidential/cas-policy';
