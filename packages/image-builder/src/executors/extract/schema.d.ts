export interface ExtractExecutorSchema {
  image: string;
  paths: string[];
  outputDir: string;
}
