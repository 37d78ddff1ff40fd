export interface SyncExecutorSchema {
  upstream?: string;
  target: string;
  upstreamTagsFile?: string;
  today?: string;
  output?: string;
  execute?: boolean;
  keyFile?: string;
}
