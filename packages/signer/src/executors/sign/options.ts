// signer:sign options: the signing options of sign() (zod); schema.json is generated from them.
export { SignOptions } from '../../lib/options.js';
