export const packageName = '@confidential/golang-patcher';
