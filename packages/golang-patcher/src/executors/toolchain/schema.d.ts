export interface ToolchainExecutorSchema {
  goroot?: string;
  dest?: string;
  cc?: string;
}
