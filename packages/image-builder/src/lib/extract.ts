// Copying files out of an image: a stopped container is created (never started), each path is read as a tar
// archive through the engine API and unpacked, and the container is always removed.
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { docker as defaultDocker } from './engine.js';

export interface ExtractOptions {
  /** image reference or id */
  image: string;
  /** absolute paths in the image (files or folders) */
  paths: string[];
  /** host folder; each path lands under it by its base name (a folder keeps its tree) */
  dest: string;
  client?: Docker;
}

/** Copies paths out of an image; returns the host paths of the files written. */
export async function extractFromImage(options: ExtractOptions): Promise<string[]> {
  const client = options.client ?? defaultDocker();
  const container = await client.createContainer({ Image: options.image, Cmd: ['/nonexistent'], Labels: { 'org.confidential.extract': 'true' } });
  const written: string[] = [];
  try {
    for (const path of options.paths) {
      const archive = await container.getArchive({ path });
      const extract = tar.extract();
      extract.on('entry', (header, stream, next) => {
        const target = join(options.dest, normalize(header.name).replace(/^(\.\.(\/|$))+/, ''));
        if (header.type === 'directory') {
          mkdirSync(target, { recursive: true });
          stream.resume();
          stream.on('end', next);
        } else if (header.type === 'file') {
          mkdirSync(dirname(target), { recursive: true });
          pipeline(stream, createWriteStream(target, { mode: header.mode ?? 0o644 })).then(() => {
            written.push(target);
            next();
          }, next);
        } else {
          stream.resume();
          stream.on('end', next);
        }
      });
      await pipeline(archive, extract);
    }
  } catch (err) {
    throw new Error(`Could not copy ${options.paths.join(', ')} out of image ${options.image}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    await container.remove({ force: true });
  }
  return written;
}
