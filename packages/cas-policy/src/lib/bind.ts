// Bind a measurement into a service's mrenclaves and render the session as deterministic YAML: keys in the
// canonical order of the schema (maps of names such as `environment` keep their order), two-space indentation,
// block style, a blank line between top-level sections, no line folding. Comments are not kept: the rendering is
// a function of the session's content alone, so the same content gives the same bytes.
import { Document, isScalar, visit } from 'yaml';
import { PolicyError } from './errors.js';
import { positionOf } from '@confidential/kit';
import type { LoadedSession } from './load.js';
import { Mrenclave, Session } from './schema.js';

const HEADER = new Set(['name', 'version', 'predecessor']);

export function renderSession(session: Session): string {
  const canonical = Session.parse(session) as Record<string, unknown>;
  const chunks: string[] = [];
  for (const [key, value] of Object.entries(canonical)) {
    if (value === undefined) continue;
    const doc = new Document({ [key]: value });
    // file modes as the docs write them (0o400), not as decimal numbers
    visit(doc, {
      Pair(_, pair) {
        if (isScalar(pair.key) && pair.key.value === 'permission' && isScalar(pair.value) && typeof pair.value.value === 'number') pair.value.format = 'OCT';
      },
    });
    const text = doc.toString({ lineWidth: 0, minContentWidth: 0, indent: 2, indentSeq: true });
    chunks.push(HEADER.has(key) || chunks.length === 0 ? text : `\n${text}`);
  }
  return chunks.join('');
}

export interface BindOptions {
  /** The service to bind; default: the first service. */
  service?: string;
  /** Keep measurements already listed (default: the bound measurement replaces them). */
  append?: boolean;
  /** More services that run the same binary (another configuration of it): bound the same way. */
  also?: string[];
}

/** A copy of the session whose service lists the measurement in `mrenclaves` (lowercase hex). */
export function bindMeasurement(loaded: LoadedSession, measurement: string, options: BindOptions = {}): Session {
  const { session, file } = loaded;
  const parsed = Mrenclave.safeParse(measurement);
  if (!parsed.success) {
    throw new PolicyError([{ file, line: 0, col: 0, path: 'measurement', message: 'expected 64 hex characters', severity: 'error' }]);
  }
  const services = session.services ?? [];
  const have = services.map((s) => s.name).join(', ') || 'none';
  const index = options.service === undefined ? 0 : services.findIndex((s) => s.name === options.service);
  if (!services[index]) {
    const message = options.service === undefined ? 'expected at least one service to bind the measurement to' : `no service named "${options.service}" (services: ${have})`;
    throw new PolicyError([{ file, ...positionOf(loaded, ['services'], 'key'), path: 'services', message, severity: 'error' }]);
  }
  const indexes = new Set([index]);
  for (const name of options.also ?? []) {
    const i = services.findIndex((s) => s.name === name);
    if (i < 0) throw new PolicyError([{ file, ...positionOf(loaded, ['services'], 'key'), path: 'services', message: `no service named "${name}" to bind as well (services: ${have})`, severity: 'error' }]);
    indexes.add(i);
  }
  const value = parsed.data.toLowerCase();
  const bind = (target: (typeof services)[number]) => {
    const kept = options.append ? (target.mrenclaves ?? []).filter((m) => m.toLowerCase() !== value) : [];
    return { ...target, mrenclaves: [...kept, value] };
  };
  return { ...session, services: services.map((s, i) => (indexes.has(i) ? bind(s) : s)) };
}
