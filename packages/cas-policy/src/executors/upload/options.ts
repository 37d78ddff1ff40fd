import { z } from 'zod';

export const UploadOptions = z.strictObject({
  session: z.string().min(1).describe('The session file to upload, relative to the workspace root.'),
  backend: z.enum(['sim', 'scone']).default('sim').describe('sim: our policy service; scone: scone session create.'),
  url: z.string().url().default('http://127.0.0.1:8081').describe('sim: URL of the policy service.'),
  cas: z.string().min(1).default('cas').describe('scone: CAS address given to -c.'),
  image: z.string().min(1).optional().describe('scone: the SCONE CLI image.'),
  network: z.string().min(1).optional().describe('scone: docker network in which the CAS address resolves.'),
  cliStateDir: z.string().min(1).optional().describe("scone: host folder kept as the CLI's ~/.cas (its identity, needed for updates)."),
});
export type UploadOptions = z.infer<typeof UploadOptions>;
