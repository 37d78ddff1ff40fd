export interface RenderExecutorSchema {
  session: string;
  measurement: string;
  service?: string;
  output: string;
  strict?: boolean;
  backend?: 'sim' | 'scone';
}
