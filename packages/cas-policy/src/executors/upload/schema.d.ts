export interface UploadExecutorSchema {
  session: string;
  backend?: 'sim' | 'scone';
  url?: string;
  cas?: string;
  image?: string;
  network?: string;
  cliStateDir?: string;
}
