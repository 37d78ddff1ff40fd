export const packageName = '@confidential/signer';
