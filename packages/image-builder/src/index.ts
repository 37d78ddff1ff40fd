export const packageName = '@confidential/image-builder';
