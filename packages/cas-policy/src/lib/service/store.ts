// Persistent session store: one JSON file per session in a directory. Writes go to a temporary file first;
// a create links it into place (link fails with EEXIST when the name exists, so of concurrent creates — in this
// process or another — exactly one wins, like open(…, 'wx'), and a reader never sees a half-written file);
// an update renames it over the old file (atomic on POSIX file systems). Operations on one name are also
// serialised in-process so that the predecessor check and the write cannot interleave.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, link, readFile, rename, unlink, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Sealed } from './sealed.js';

export const StoredSession = z.object({
  name: z.string(),
  /** sha256 (hex) of the session text as uploaded. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The session YAML text as uploaded (the secrets the service generated are never in it). */
  session: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The session's generated secrets, encrypted (sealed.ts); absent when the session has none. */
  secrets: Sealed.optional(),
});
export type StoredSession = z.infer<typeof StoredSession>;

/** Called under the per-name lock once the put is allowed, with the current record (undefined on create). */
export type SealSecrets = (current: StoredSession | undefined) => Promise<Sealed | undefined>;

export type PutResult =
  | { status: 'created'; record: StoredSession }
  | { status: 'updated'; record: StoredSession }
  | { status: 'conflict'; message: string; current?: string };

export function sessionHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A file name for a session name: percent-encoding of everything but [A-Za-z0-9_-]. */
export function storeFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9_-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}.json`;
}

/** Runs functions one at a time per key, in call order (a failure does not stop the next one). */
export class KeyedSerial {
  private readonly locks = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}

/** A new temporary file in dir (mode 0600) holding text, fsynced; its path (the caller links or renames it). */
export async function writeSyncedTemp(dir: string, text: string): Promise<string> {
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, text, { flag: 'wx', mode: 0o600 });
  const handle = await open(tmp, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tmp;
}

/** fsyncs a directory (a link or rename in it becomes durable). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class SessionStore {
  private readonly serial = new KeyedSerial();
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  private init(): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    return this.ready;
  }

  async get(name: string): Promise<StoredSession | undefined> {
    await this.init();
    try {
      const file = join(this.dir, storeFileName(name));
      const parsed = StoredSession.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.path.join('.') || '(root)'}: ${parsed.error.issues[0]?.message} (not a session record)`);
      return parsed.data;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private writeTemp(record: StoredSession): Promise<string> {
    return writeSyncedTemp(this.dir, `${JSON.stringify(record, null, 2)}\n`);
  }

  /** Makes a link/rename durable (best effort: some file systems refuse to fsync a directory). */
  private async syncDir(): Promise<void> {
    await syncDir(this.dir).catch(() => undefined);
  }

  /**
   * Creates the session, or updates it when `predecessor` is the current hash. A create whose name exists, an
   * update with a wrong or missing predecessor and an update of a session that does not exist are conflicts.
   * `sealSecrets` gives the record's encrypted secrets (it sees the current record, to keep what is unchanged).
   */
  async put(name: string, text: string, predecessor: string | undefined, sealSecrets?: SealSecrets): Promise<PutResult> {
    await this.init();
    return this.serial.run(name, async () => {
      const now = new Date().toISOString();
      const hash = sessionHash(text);
      const file = join(this.dir, storeFileName(name));
      const current = await this.get(name);
      if (!current) {
        if (predecessor !== undefined) return { status: 'conflict', message: `session "${name}" does not exist; remove predecessor to create it` };
        const secrets = await sealSecrets?.(undefined);
        const record: StoredSession = { name, hash, session: text, createdAt: now, updatedAt: now, ...(secrets ? { secrets } : {}) };
        const tmp = await this.writeTemp(record);
        try {
          await link(tmp, file);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          const winner = await this.get(name);
          return { status: 'conflict', message: `session "${name}" exists; to update it, set predecessor to its current hash`, current: winner?.hash };
        } finally {
          await unlink(tmp).catch(() => undefined);
        }
        await this.syncDir();
        return { status: 'created', record };
      }
      if (predecessor !== current.hash) {
        const why = predecessor === undefined ? 'set predecessor to its current hash' : 'predecessor is not its current hash';
        return { status: 'conflict', message: `session "${name}" exists; to update it, ${why}`, current: current.hash };
      }
      const secrets = await sealSecrets?.(current);
      const record: StoredSession = { name, hash, session: text, createdAt: current.createdAt, updatedAt: now, ...(secrets ? { secrets } : {}) };
      const tmp = await this.writeTemp(record);
      try {
        await rename(tmp, file);
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
      await this.syncDir();
      return { status: 'updated', record };
    });
  }
}
