export interface PatchExecutorSchema {
  from?: string;
  libc?: 'glibc' | 'musl';
  repository?: string;
  output: string;
  noCache?: boolean;
}
