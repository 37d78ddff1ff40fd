// File-level binding used by the CLI and the `cas-policy:render` executor: load + validate the session, load +
// validate measurement.json, bind, render, re-validate the result, lint (strict → errors), write.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bindMeasurement, renderSession } from './bind.js';
import { PolicyError, type PolicyIssue } from './errors.js';
import { lintOrThrow } from './lint.js';
import { positionOf } from '@confidential/kit';
import { loadSessionFile, loadSessionText } from './load.js';
import { loadMeasurementText, type Measurement } from './measurement.js';

export interface RenderFilesOptions {
  /** session.yml path. */
  session: string;
  /** measurement.json path (signer:sign output). */
  measurement: string;
  /** Service to bind; default: the first. */
  service?: string;
  /** More services of the same binary, bound too. */
  also?: string[];
  /** Services that run another binary (another app of the workspace in the same session): each bound to its own
   * measurement.json. */
  peers?: { service: string; measurement: string }[];
  /** Where to write the bound session; omitted: not written. */
  output?: string;
  strict?: boolean;
  /** Expected backend of the measurement; a measurement of the other backend is refused. */
  backend?: 'sim' | 'scone';
  /** Keep measurements already in the service's mrenclaves. */
  append?: boolean;
  /** Folder the paths are relative to (default: the process's); messages name the paths as given. */
  cwd?: string;
}

export interface RenderFilesResult {
  text: string;
  service: string;
  measurement: Measurement;
  warnings: PolicyIssue[];
}

export function renderBoundFiles(options: RenderFilesOptions): RenderFilesResult {
  const at = (path: string) => resolve(options.cwd ?? '.', path);
  const loaded = loadSessionFile(at(options.session), options.session);
  const m = loadMeasurementText(readFileSync(at(options.measurement), 'utf8'), options.measurement);
  if (options.backend && m.value.backend !== options.backend) {
    throw new PolicyError([
      {
        file: options.measurement,
        ...positionOf(m, ['backend']),
        path: 'backend',
        message: `expected "${options.backend}" (the measurement was made for the ${m.value.backend} backend)`,
        severity: 'error',
      },
    ]);
  }
  let bound = bindMeasurement(loaded, m.value.measurement, { service: options.service, append: options.append, also: options.also });
  const own = new Set([options.service ?? bound.services?.[0]?.name, ...(options.also ?? [])]);
  for (const peer of options.peers ?? []) {
    if (own.has(peer.service)) {
      throw new PolicyError([{ file: options.session, ...positionOf(loaded, ['services'], 'key'), path: 'services', message: `service "${peer.service}" is bound to this binary already: a peer runs another one`, severity: 'error' }]);
    }
    const pm = loadMeasurementText(readFileSync(at(peer.measurement), 'utf8'), peer.measurement);
    if (options.backend && pm.value.backend !== options.backend) {
      throw new PolicyError([{ file: peer.measurement, ...positionOf(pm, ['backend']), path: 'backend', message: `expected "${options.backend}" (the measurement was made for the ${pm.value.backend} backend)`, severity: 'error' }]);
    }
    const other = bindMeasurement(loaded, pm.value.measurement, { service: peer.service, append: options.append });
    const peerService = other.services?.find((s) => s.name === peer.service);
    bound = { ...bound, services: bound.services?.map((s) => (s.name === peer.service && peerService ? peerService : s)) };
  }
  const text = renderSession(bound);
  const output = options.output ?? options.session;
  const reloaded = loadSessionText(text, output);
  const warnings = lintOrThrow(reloaded, { strict: options.strict });
  if (options.output) {
    mkdirSync(dirname(at(options.output)), { recursive: true });
    writeFileSync(at(options.output), text);
  }
  const service = options.service ?? (bound.services?.[0]?.name as string);
  return { text, service, measurement: m.value, warnings };
}
