export interface SignExecutorSchema {
  backend?: 'sim' | 'scone';
  binary: string;
  include: string[];
  root?: string;
  hostPaths?: string[];
  heap?: string;
  binaryfsHeap?: string;
  syslibs?: boolean;
  dlopen?: boolean;
  extensions?: string[];
  libc?: 'glibc' | 'musl';
  keyFile?: string;
  outputDir: string;
  sconeVersion?: string;
  /** scone: the stage building the native binary (image-builder model) */
  sconeBuilder?: Record<string, unknown>;
}
