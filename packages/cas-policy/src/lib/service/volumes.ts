// Encrypted volumes at the sim policy service: for each volume of a session, its key (generated here, sealed at
// rest with the store key like the secrets, handed out only in the launch answer to an accepted measurement) and
// its tag — the root of the volume's authenticated metadata as the runtime last committed it. The service is what
// makes a rolled-back volume detectable across restarts: a copy of the host folder cannot carry the service's tag.
//
// Commit protocol (the runtime's file shield follows it; crash-safe at every step):
//   1. before it writes metadata whose tag is `next`, the runtime reports `previous → next`: the service keeps
//      `previous` as committed and `next` as pending;
//   2. the runtime writes the metadata (atomically, write-temp-then-rename);
//   3. it confirms with `next → next`: the service commits `next`.
// At a start the tag on disk must be the committed one, or the pending one (a crash between 1 and 3 leaves either;
// the pending one found on disk is committed); anything else is an older or foreign copy and the start is refused
// with one sentence. Only a crash inside a commit leaves a window of one version.
//
// One writer per volume: every launch issues a fresh writer token (the service keeps only its hash) and revokes the
// previous one, so a second instance of the service — or an old one still running — cannot commit; its runtime
// stops. `update_policy: no_rollback_protection` (images[].volumes[]) accepts any tag at a start (the data is still
// authenticated, only its freshness is not). Reinitialising a volume (a lost or damaged folder) is explicit: it
// takes the session's current hash (no accident reaches it), issues a new key and forgets the tag, and the next
// start must find an empty folder.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Service, Session } from '../schema.js';
import { Sealed, type StoreKey } from './sealed.js';
import { KeyedSerial, storeFileName, syncDir, writeSyncedTemp } from './store.js';

const HEX64 = /^[0-9a-f]{64}$/;
const Hex64 = z.string().regex(HEX64);

export const VolumeState = z.strictObject({
  /** The volume key (32 bytes), sealed with the store key for `<session>/<volume>`. */
  key: Sealed,
  /** The committed tag; null while the volume is new (nothing committed yet: the folder must be empty). */
  tag: Hex64.nullable(),
  /** The tag announced by the last report, not yet confirmed. */
  pending: Hex64.nullable(),
  /** sha256 of the current writer token; null until the first launch. */
  writer: Hex64.nullable(),
  /** Launches so far (each issues a token). */
  launches: z.number().int().nonnegative(),
  /** Commits confirmed so far. */
  commits: z.number().int().nonnegative(),
  updatedAt: z.string(),
});
export type VolumeState = z.infer<typeof VolumeState>;

export const VolumeFile = z.strictObject({ session: z.string(), volumes: z.record(z.string(), VolumeState) });
export type VolumeFile = z.infer<typeof VolumeFile>;

/** A volume as the launch answer hands it to the runtime. */
export interface LaunchVolume {
  name: string;
  path: string;
  /** 32 bytes. */
  key: Buffer;
  /** 32 bytes: the writer token of this launch. */
  token: Buffer;
  /** Whether the service checks the tag at a start (rollback protection). */
  rollbackProtected: boolean;
}

/** What an operator (or a test) may see of a volume: no key, no token. */
export interface VolumeStatus {
  session: string;
  volume: string;
  tag: string | null;
  pending: string | null;
  launches: number;
  commits: number;
  updatedAt: string;
}

/** A refusal, in one sentence; the HTTP status the service answers with. */
export class VolumeRefusal extends Error {
  override readonly name = 'VolumeRefusal';
  constructor(readonly status: 403 | 404 | 409, message: string) {
    super(message);
  }
}

/** The literal a runtime reports for a folder that holds no volume yet. */
export const EMPTY = 'empty';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function volumeAad(session: string, volume: string): string {
  return `${session}\0volume\0${volume}`;
}

/** The volumes the service's image mounts (images[].volumes[] of its image_name), in policy order. */
export function serviceVolumes(session: Session, service: Service): { name: string; path: string; rollbackProtected: boolean }[] {
  const image = session.images?.find((i) => i.name === service.image_name);
  return (image?.volumes ?? []).map((v) => ({ name: v.name, path: v.path, rollbackProtected: v.update_policy !== 'no_rollback_protection' }));
}

function short(tag: string): string {
  return `${tag.slice(0, 12)}…`;
}

export class VolumeStore {
  private readonly serial = new KeyedSerial();
  private readonly dir: string;

  /** `storeDir`: the sessions' store folder (volumes live in its `volumes/` subfolder); `key`: the store key. */
  constructor(storeDir: string, private readonly key: () => Promise<StoreKey>) {
    this.dir = join(storeDir, 'volumes');
  }

  private file(session: string): string {
    return join(this.dir, storeFileName(session));
  }

  private async read(session: string): Promise<VolumeFile> {
    try {
      const parsed = VolumeFile.safeParse(JSON.parse(await readFile(this.file(session), 'utf8')));
      if (!parsed.success) throw new Error(`${this.file(session)}: ${parsed.error.issues[0]?.path.join('.') || '(root)'}: ${parsed.error.issues[0]?.message} (not a volume record)`);
      return parsed.data;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { session, volumes: {} };
      throw error;
    }
  }

  /** write-temp, fsync, rename: a reader sees the old or the new record, never half of one. */
  private async write(record: VolumeFile): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = await writeSyncedTemp(this.dir, `${JSON.stringify(record, null, 2)}\n`);
    try {
      await rename(tmp, this.file(record.session));
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    await syncDir(this.dir);
  }

  private async newState(session: string, volume: string, now: string): Promise<VolumeState> {
    const key = (await this.key()).seal(volumeAad(session, volume), randomBytes(32));
    return { key, tag: null, pending: null, writer: null, launches: 0, commits: 0, updatedAt: now };
  }

  /**
   * For a launch of `service` (its measurement accepted): each of its volumes with its key and a fresh writer token
   * (revoking the previous launch's); keys are generated on a volume's first launch.
   */
  async launch(session: Session, service: Service): Promise<LaunchVolume[]> {
    const mounts = serviceVolumes(session, service);
    if (mounts.length === 0) return [];
    return this.serial.run(session.name, async () => {
      const record = await this.read(session.name);
      const now = new Date().toISOString();
      const out: LaunchVolume[] = [];
      for (const mount of mounts) {
        const state = record.volumes[mount.name] ?? (await this.newState(session.name, mount.name, now));
        const token = randomBytes(32);
        record.volumes[mount.name] = { ...state, writer: sha256(token), launches: state.launches + 1, updatedAt: now };
        const key = (await this.key()).open(volumeAad(session.name, mount.name), state.key);
        out.push({ ...mount, key, token });
      }
      await this.write(record);
      return out;
    });
  }

  private async withVolume<T>(session: string, volume: string, token: string, fn: (state: VolumeState) => { state?: VolumeState; result: T }): Promise<T> {
    if (!HEX64.test(token)) throw new VolumeRefusal(403, 'token: expected the 64 hex characters of this launch\'s writer token');
    return this.serial.run(session, async () => {
      const record = await this.read(session);
      const state = record.volumes[volume];
      if (!state) throw new VolumeRefusal(404, `volume "${volume}" of session "${session}" has not been launched`);
      const given = Buffer.from(sha256(Buffer.from(token, 'hex')), 'hex');
      if (state.writer === null || !timingSafeEqual(given, Buffer.from(state.writer, 'hex'))) {
        throw new VolumeRefusal(403, `volume "${volume}" of session "${session}": this writer token was revoked by a later launch (one writer per volume)`);
      }
      const { state: next, result } = fn(state);
      if (next) {
        record.volumes[volume] = { ...next, updatedAt: new Date().toISOString() };
        await this.write(record);
      }
      return result;
    });
  }

  /**
   * A start presents the tag it found on disk (or EMPTY): refused unless it is the committed or the pending tag
   * (rollback protection), or EMPTY while the volume is new. A pending tag found on disk is promoted.
   */
  open(session: string, volume: string, token: string, onDisk: string, rollbackProtected: boolean): Promise<void> {
    if (onDisk !== EMPTY && !HEX64.test(onDisk)) return Promise.reject(new VolumeRefusal(409, `tag: expected 64 lowercase hex characters or "${EMPTY}"`));
    return this.withVolume(session, volume, token, (state) => {
      const at = `volume "${volume}" of session "${session}"`;
      const committed = state.tag ?? EMPTY;
      const settled = (tag: string, commits: number): VolumeState => ({ ...state, tag: tag === EMPTY ? null : tag, pending: null, commits });
      if (onDisk === committed) return { state: settled(committed, state.commits), result: undefined };
      if (state.pending !== null && onDisk === state.pending) return { state: settled(onDisk, state.commits + 1), result: undefined };
      if (!rollbackProtected) return { state: settled(onDisk, state.commits), result: undefined };
      if (committed === EMPTY && state.pending === null) {
        throw new VolumeRefusal(409, `${at} is new at the policy service but its folder holds data (tag ${short(onDisk)}): a copy from elsewhere or from before a reinitialisation; start from an empty folder`);
      }
      const found = onDisk === EMPTY ? 'an empty folder' : `tag ${short(onDisk)}`;
      throw new VolumeRefusal(
        409,
        `${at} is at ${found} but the policy service expects tag ${short(committed === EMPTY ? (state.pending as string) : committed)}: an older or foreign copy (rollback refused); restore the latest copy, or reinitialise the volume and start from an empty folder`,
      );
    });
  }

  /** Step 1 of a commit (`previous` → `next`: previous is the committed or the pending tag), or step 3 (`next` → `next`). */
  report(session: string, volume: string, token: string, previous: string, next: string): Promise<void> {
    if ((previous !== EMPTY && !HEX64.test(previous)) || !HEX64.test(next)) {
      return Promise.reject(new VolumeRefusal(409, `previous, next: expected 64 lowercase hex characters (previous may be "${EMPTY}")`));
    }
    return this.withVolume(session, volume, token, (state) => {
      const committed = state.tag ?? EMPTY;
      if (previous === committed) return { state: { ...state, pending: next }, result: undefined };
      if (state.pending !== null && previous === state.pending) return { state: { ...state, tag: previous, pending: next, commits: state.commits + 1 }, result: undefined };
      throw new VolumeRefusal(409, `volume "${volume}" of session "${session}": the report starts from tag ${short(previous)}, the policy service is at ${short(committed)}; another writer changed the volume`);
    });
  }

  /** Forget the tag and issue a new key: the next start must find an empty folder (the server asks for the session's hash). */
  reinitialise(session: string, volume: string): Promise<VolumeStatus> {
    return this.serial.run(session, async () => {
      const record = await this.read(session);
      if (!record.volumes[volume]) throw new VolumeRefusal(404, `volume "${volume}" of session "${session}" has not been launched`);
      const now = new Date().toISOString();
      record.volumes[volume] = await this.newState(session, volume, now);
      await this.write(record);
      return status(session, volume, record.volumes[volume]);
    });
  }

  async status(session: string, volume: string): Promise<VolumeStatus | undefined> {
    const state = (await this.read(session)).volumes[volume];
    return state ? status(session, volume, state) : undefined;
  }
}

function status(session: string, volume: string, state: VolumeState): VolumeStatus {
  return { session, volume, tag: state.tag, pending: state.pending, launches: state.launches, commits: state.commits, updatedAt: state.updatedAt };
}
