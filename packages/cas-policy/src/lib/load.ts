// The session policy from YAML, with positions (the generic YAML → zod part is @confidential/kit's).
import { readFileSync } from 'node:fs';
import { parseYamlWith, type LoadedYaml } from '@confidential/kit';
import { Session } from './schema.js';

export interface LoadedSession extends LoadedYaml<Session> {
  session: Session;
}

/** A session from its YAML text; `file` is the name used in messages. Throws PolicyError with every issue. */
export function loadSessionText(text: string, file = 'session.yml'): LoadedSession {
  const loaded = parseYamlWith(Session, text, file);
  return { ...loaded, session: loaded.value };
}

/** A session from a file; messages use `displayName` (default: the path as given). */
export function loadSessionFile(path: string, displayName = path): LoadedSession {
  return loadSessionText(readFileSync(path, 'utf8'), displayName);
}

