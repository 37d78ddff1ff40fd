// signer:verify options (zod); schema.json is generated from this.
import { z } from 'zod';

export const VerifyOptions = z.strictObject({
  dir: z.string().min(1).describe('Directory with measurement.json, the binary and libbinaryfs.so (signer:sign outputDir).'),
  keyFile: z.string().min(1).optional().describe('PEM of the expected signing key (public or private); default: trust the embedded public key.'),
});
export type VerifyOptions = z.infer<typeof VerifyOptions>;
