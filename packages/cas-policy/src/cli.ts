#!/usr/bin/env node
// cas-policy CLI: serve | lint | bind | upload. Exit codes: 0 ok, 1 policy/lint errors or refused upload, 2 usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatIssue, PolicyError } from './lib/errors.js';
import { lintSession } from './lib/lint.js';
import { loadSessionFile, loadSessionText } from './lib/load.js';
import { serviceArgv } from './lib/schema.js';
import { renderBoundFiles } from './lib/render.js';
import { startPolicyService } from './lib/service/server.js';
import { sconeUploadCommand, uploadSessionScone } from './lib/upload/scone.js';
import { StoreKey } from './lib/service/sealed.js';
import { getSessionSim, healthSim, launchSim, publicSim, uploadSessionSim } from './lib/upload/sim.js';

const USAGE = `usage:
  cas-policy serve [--port 8081] [--host 127.0.0.1] --store DIR [--key-file FILE]   # key: CAS_POLICY_STORE_KEY or FILE (default DIR.key)
  cas-policy lint FILE [--strict]
  cas-policy bind FILE --measurement measurement.json [--service NAME] [-o OUT] [--strict] [--backend sim|scone]
  cas-policy upload FILE --backend sim --url http://127.0.0.1:8081
  cas-policy upload FILE --backend scone [--cas cas] [--image IMG] [--network NET] [--cli-state DIR] [--dry-run]
  cas-policy health [--url http://127.0.0.1:8081]                  # exit 0 when the sim service answers ok
  cas-policy get NAME [--url URL]                                   # the stored session YAML
  cas-policy launch SESSION/SERVICE --measurement HEX [--url URL]   # the launch answer (argv, env names, file paths, pwd)
  cas-policy public SESSION/SECRET [--url URL]                      # an exported certificate / public key (PEM)`;

class UsageError extends Error {}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length}`);
  return positionals[0] as string;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parse(rest, {
        port: { type: 'string', default: '8081' },
        host: { type: 'string', default: '127.0.0.1' },
        store: { type: 'string' },
        'key-file': { type: 'string' },
      });
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected a port number, got "${String(values.port)}"`);
      if (!values.store) throw new UsageError('--store DIR is required');
      // the store key: CAS_POLICY_STORE_KEY (64 hex) or a key file outside the store (sealed.ts); never printed
      const fromEnv = process.env.CAS_POLICY_STORE_KEY;
      if (fromEnv !== undefined && values['key-file'] !== undefined) throw new UsageError('give the store key either as CAS_POLICY_STORE_KEY or with --key-file, not both');
      let storeKey: Buffer | undefined;
      if (fromEnv !== undefined) {
        StoreKey.fromHex(fromEnv, 'CAS_POLICY_STORE_KEY'); // checks the form; the message never shows the value
        storeKey = Buffer.from(fromEnv.trim(), 'hex');
      }
      const service = await startPolicyService({
        port,
        host: values.host as string,
        storeDir: values.store as string,
        ...(storeKey ? { storeKey } : {}),
        ...(values['key-file'] ? { keyFile: values['key-file'] as string } : {}),
      });
      console.log(`cas-policy sim service listening on ${service.url} (store ${String(values.store)})`);
      await new Promise<void>((resolve) => {
        const stop = () => void service.close().finally(resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      return 0;
    }
    case 'lint': {
      const { values, positionals } = parse(rest, { strict: { type: 'boolean', default: false } });
      const loaded = loadSessionFile(one(positionals, 'session file'));
      const issues = lintSession(loaded, { strict: values.strict as boolean });
      for (const issue of issues) console.error(formatIssue(issue));
      const failed = values.strict && issues.length > 0;
      console.error(`${loaded.file}: ${issues.length === 0 ? 'ok' : `${issues.length} ${failed ? 'error(s)' : 'warning(s)'}`}`);
      return failed ? 1 : 0;
    }
    case 'bind': {
      const { values, positionals } = parse(rest, {
        measurement: { type: 'string' },
        service: { type: 'string' },
        output: { type: 'string', short: 'o' },
        strict: { type: 'boolean', default: false },
        backend: { type: 'string' },
        append: { type: 'boolean', default: false },
      });
      if (!values.measurement) throw new UsageError('--measurement FILE is required');
      const backend = values.backend as string | undefined;
      if (backend !== undefined && backend !== 'sim' && backend !== 'scone') throw new UsageError('--backend: expected sim or scone');
      const result = renderBoundFiles({
        session: one(positionals, 'session file'),
        measurement: values.measurement as string,
        service: values.service as string | undefined,
        output: values.output as string | undefined,
        strict: values.strict as boolean,
        backend,
        append: values.append as boolean,
      });
      for (const issue of result.warnings) console.error(formatIssue(issue));
      if (values.output) console.error(`bound ${result.measurement.measurement} to service ${result.service}: ${String(values.output)}`);
      else process.stdout.write(result.text);
      return 0;
    }
    case 'upload': {
      const { values, positionals } = parse(rest, {
        backend: { type: 'string', default: 'sim' },
        url: { type: 'string', default: 'http://127.0.0.1:8081' },
        cas: { type: 'string', default: 'cas' },
        image: { type: 'string' },
        network: { type: 'string' },
        'cli-state': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      });
      const file = one(positionals, 'session file');
      const loaded = loadSessionFile(file);
      if (values.backend === 'sim') {
        const answer = await uploadSessionSim(values.url as string, loaded.text);
        console.log(`${answer.created ? 'created' : 'updated'} session ${answer.name} ${answer.hash}`);
        return 0;
      }
      if (values.backend === 'scone') {
        const options = {
          sessionFile: file,
          cas: values.cas as string,
          ...(values.image ? { image: values.image as string } : {}),
          ...(values.network ? { network: values.network as string } : {}),
          ...(values['cli-state'] ? { cliStateDir: values['cli-state'] as string } : {}),
        };
        if (values['dry-run']) {
          const { file: cmd, args } = sconeUploadCommand(options);
          console.log(JSON.stringify([cmd, ...args]));
          return 0;
        }
        const { stdout } = await uploadSessionScone(options);
        process.stdout.write(stdout.endsWith('\n') || stdout === '' ? stdout : `${stdout}\n`);
        return 0;
      }
      throw new UsageError('--backend: expected sim or scone');
    }
    case 'health': {
      const { values } = parse(rest, { url: { type: 'string', default: 'http://127.0.0.1:8081' } });
      const ok = await healthSim(values.url as string);
      console.log(ok ? 'ok' : `no healthy policy service at ${String(values.url)}`);
      return ok ? 0 : 1;
    }
    case 'get': {
      const { values, positionals } = parse(rest, { url: { type: 'string', default: 'http://127.0.0.1:8081' } });
      const name = one(positionals, 'session name');
      const stored = await getSessionSim(values.url as string, name);
      if (!stored) {
        console.error(`cas-policy: no session "${name}" at ${String(values.url)}`);
        return 1;
      }
      console.error(`# ${stored.name} ${stored.hash}`);
      process.stdout.write(stored.session);
      return 0;
    }
    case 'launch': {
      const { values, positionals } = parse(rest, { url: { type: 'string', default: 'http://127.0.0.1:8081' }, measurement: { type: 'string' } });
      if (!values.measurement) throw new UsageError('--measurement HEX is required');
      const id = one(positionals, 'config id (session/service)');
      const config = await launchSim(values.url as string, id, values.measurement as string);
      // environment values and file contents can be secrets: names only; arguments made from a $$SCONE::…$$
      // placeholder of the stored session are masked
      const stored = await getSessionSim(values.url as string, id.slice(0, id.lastIndexOf('/')));
      const template = stored ? loadSessionText(stored.session).session.services?.find((s) => s.name === id.slice(id.lastIndexOf('/') + 1)) : undefined;
      const words = template ? serviceArgv(template) : [];
      const argv = config.argv.map((arg, i) => (words[i] === undefined || words[i]?.includes('$$SCONE::') ? '<secret>' : arg));
      console.log(JSON.stringify({ argv, env: config.env.map(([name]) => name), files: config.files.map((f) => f.path), pwd: config.pwd }));
      return 0;
    }
    case 'public': {
      const { values, positionals } = parse(rest, { url: { type: 'string', default: 'http://127.0.0.1:8081' } });
      const id = one(positionals, 'SESSION/SECRET');
      const slash = id.lastIndexOf('/');
      if (slash <= 0) throw new UsageError('expected SESSION/SECRET');
      process.stdout.write(await publicSim(values.url as string, id.slice(0, slash), id.slice(slash + 1)));
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`cas-policy: ${error.message}\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof PolicyError) {
      console.error(error.message);
      process.exitCode = 1;
    } else {
      console.error(`cas-policy: ${(error as Error).message ?? String(error)}`);
      process.exitCode = 1;
    }
  },
);

