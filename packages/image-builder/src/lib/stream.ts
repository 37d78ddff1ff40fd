// Reading the engine's JSON-lines progress streams (build, push, pull, import): every entry is checked for
// `error`/`errorDetail` (the engine reports a failed RUN or push only there; followProgress's own error stays empty).
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';

export interface StreamEntry {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
}

export class StreamError extends Error {
  override name = 'StreamError';
  constructor(
    message: string,
    /** the error text the engine reported */
    readonly engineError: string,
    readonly entries: StreamEntry[],
  ) {
    super(message);
  }
}

/** The error text of an entry, or undefined. */
export function entryError(entry: StreamEntry): string | undefined {
  if (entry.error) return entry.error;
  if (entry.errorDetail?.message) return entry.errorDetail.message;
  return undefined;
}

/**
 * Follows a progress stream to its end; calls onEntry for each entry; resolves with all entries, or rejects with
 * StreamError (first error entry) / the transport error. `what` names the operation in messages.
 */
export function followStream(client: Docker, stream: Readable | NodeJS.ReadableStream, what: string, onEntry?: (entry: StreamEntry) => void): Promise<StreamEntry[]> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    client.modem.followProgress(
      stream,
      (err: Error | null, entries: StreamEntry[]) => {
        if (err) return reject(new Error(`${what}: ${err.message}`, { cause: err }));
        const all = entries ?? [];
        if (failure === undefined) {
          for (const e of all) {
            failure = entryError(e);
            if (failure !== undefined) break;
          }
        }
        if (failure !== undefined) return reject(new StreamError(`${what}: ${failure}`, failure, all));
        resolve(all);
      },
      (entry: StreamEntry) => {
        const error = entryError(entry);
        if (error !== undefined && failure === undefined) failure = error;
        onEntry?.(entry);
      },
    );
  });
}
