export interface VerifyExecutorSchema {
  dir: string;
  keyFile?: string;
}
