// A typed compose model (zod) and its rendering to YAML that both docker-compose 1.29 and compose v2 accept.
// Rendered without a `version:` key (the compose spec): docker-compose 1.29 reads that format with depends_on
// conditions service_started / service_healthy / service_completed_successfully, healthcheck start_period and
// long volume syntax; compose v2 reads only the spec. Output is canonical: services, environment and labels
// are sorted by name, fields come in one fixed order, every string value is double-quoted (PyYAML, used by
// docker-compose v1, is YAML 1.1: unquoted `80:80` is a base-60 number and `on`/`yes` are booleans).
import { stringify } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '@confidential/kit';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const ServiceName = z.string().regex(NAME, 'expected a service name of letters, digits, "_", "." or "-"');
export type ServiceName = z.infer<typeof ServiceName>;

/** Go-style duration as compose expects it: "500ms", "10s", "1m30s". */
export const Duration = z.string().regex(/^(\d+(\.\d+)?(us|ms|s|m|h))+$/, 'expected a duration such as "10s", "500ms" or "1m30s"');
export type Duration = z.infer<typeof Duration>;

const Command = z.union([z.string().min(1), z.array(z.string())], { error: 'expected a string or a list of strings' });

export const DependsOnCondition = z.enum(['service_started', 'service_healthy', 'service_completed_successfully']);
export type DependsOnCondition = z.infer<typeof DependsOnCondition>;

export const DependsOn = z.union(
  [z.array(ServiceName), z.record(ServiceName, z.strictObject({ condition: DependsOnCondition.default('service_started') }))],
  { error: 'expected a list of service names or a map of service name → {condition}' },
);
export type DependsOn = z.input<typeof DependsOn>;

export const HealthCheck = z
  .strictObject({
    /** "CMD-SHELL" string, or ["CMD", …] / ["CMD-SHELL", "…"] / ["NONE"] */
    test: z.union([
      z.string().min(1),
      z
        .array(z.string())
        .min(1)
        .refine((t) => ['CMD', 'CMD-SHELL', 'NONE'].includes(t[0] ?? ''), 'expected the list to start with "CMD", "CMD-SHELL" or "NONE"'),
    ]),
    interval: Duration.optional(),
    timeout: Duration.optional(),
    retries: z.number().int().positive().optional(),
    start_period: Duration.optional(),
  });
export type HealthCheck = z.infer<typeof HealthCheck>;

const EnvValue = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' });

export const VolumeMount = z.union(
  [
    z.string().regex(/^[^:]+:[^:]+(:(ro|rw|z|Z|ro,z|ro,Z|rw,z|rw,Z|cached|delegated|consistent))?$|^\/[^:]*$/, 'expected "source:target[:mode]" or an absolute container path'),
    z.strictObject({
      type: z.enum(['bind', 'volume', 'tmpfs']),
      source: z.string().min(1).optional(),
      target: z.string().startsWith('/', 'expected an absolute container path'),
      read_only: z.boolean().optional(),
    }),
  ],
  { error: 'expected "source:target[:mode]" or {type, source, target, read_only}' },
);
export type VolumeMount = z.infer<typeof VolumeMount>;

export const Service = z.strictObject({
  image: z.string().min(1, 'expected an image reference'),
  command: Command.optional(),
  entrypoint: Command.optional(),
  environment: z.record(z.string().regex(/^[^=\s]+$/, 'expected a variable name'), EnvValue).optional(),
  devices: z.array(z.string().regex(/^\/[^:]+(:\/[^:]+)?(:[rwm]+)?$/, 'expected "/dev/host[:/dev/container[:rwm]]"')).optional(),
  volumes: z.array(VolumeMount).optional(),
  ports: z.array(z.union([z.string().regex(/^[\d.:\[\]a-f-]+(\/(tcp|udp))?$/, 'expected a port mapping such as "8080:80"'), z.number().int()])).optional(),
  depends_on: DependsOn.optional(),
  healthcheck: HealthCheck.optional(),
  network_mode: z.string().min(1).optional(),
  networks: z.array(ServiceName).optional(),
  working_dir: z.string().startsWith('/', 'expected an absolute path').optional(),
  user: z.string().min(1).optional(),
  labels: z.record(z.string().min(1), z.string()).optional(),
  stop_signal: z.string().regex(/^(SIG[A-Z0-9]+|\d+)$/, 'expected a signal name such as "SIGTERM"').optional(),
  stop_grace_period: Duration.optional(),
  init: z.boolean().optional(),
  tty: z.boolean().optional(),
  cap_add: z.array(z.string().min(1)).optional(),
  shm_size: z.string().regex(/^\d+[bkmg]?$/i, 'expected a size such as "256m"').optional(),
});
export type Service = z.input<typeof Service>;

const Labels = z.record(z.string().min(1), z.string());
export const NetworkSpec = z.strictObject({ driver: z.string().min(1).optional(), internal: z.boolean().optional(), labels: Labels.optional() });
export const VolumeSpec = z.strictObject({ driver: z.string().min(1).optional(), labels: Labels.optional() });

export const ComposeModel = z
  .strictObject({
    services: z.record(ServiceName, Service).refine((s) => Object.keys(s).length > 0, 'expected at least one service'),
    networks: z.record(ServiceName, NetworkSpec.nullable()).optional(),
    volumes: z.record(ServiceName, VolumeSpec.nullable()).optional(),
  })
  .superRefine((model, ctx) => {
    const names = new Set(Object.keys(model.services));
    const networks = new Set(['default', ...Object.keys(model.networks ?? {})]);
    const volumes = new Set(Object.keys(model.volumes ?? {}));
    for (const [name, service] of Object.entries(model.services)) {
      for (const dep of dependencyNames(service.depends_on)) {
        if (dep === name) ctx.addIssue({ code: 'custom', path: ['services', name, 'depends_on'], message: `a service cannot depend on itself` });
        else if (!names.has(dep)) ctx.addIssue({ code: 'custom', path: ['services', name, 'depends_on'], message: `unknown service "${dep}"` });
      }
      if (service.network_mode && service.networks) {
        ctx.addIssue({ code: 'custom', path: ['services', name, 'networks'], message: 'give either "network_mode" or "networks", not both' });
      }
      for (const [i, net] of (service.networks ?? []).entries()) {
        if (!networks.has(net)) ctx.addIssue({ code: 'custom', path: ['services', name, 'networks', i], message: `network "${net}" is not declared under top-level "networks"` });
      }
      for (const [i, mount] of (service.volumes ?? []).entries()) {
        const source = typeof mount === 'string' ? (mount.includes(':') ? mount.split(':')[0]! : undefined) : mount.type === 'volume' ? mount.source : undefined;
        if (source && !/^[./~$]/.test(source) && !volumes.has(source)) {
          ctx.addIssue({ code: 'custom', path: ['services', name, 'volumes', i], message: `named volume "${source}" is not declared under top-level "volumes"` });
        }
      }
    }
    const cycle = findCycle(model.services);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['services', cycle[0]!, 'depends_on'], message: `dependency cycle: ${cycle.join(' → ')}` });
  });
export type ComposeModel = z.input<typeof ComposeModel>;

export function dependencyNames(dependsOn: DependsOn | undefined): string[] {
  if (!dependsOn) return [];
  return Array.isArray(dependsOn) ? dependsOn : Object.keys(dependsOn);
}

/** depends_on as {service: condition}, the short list form meaning service_started. */
export function dependencies(dependsOn: DependsOn | undefined): Record<string, DependsOnCondition> {
  if (!dependsOn) return {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((d) => [d, 'service_started' as const]));
  return Object.fromEntries(Object.entries(dependsOn).map(([d, v]) => [d, v.condition ?? 'service_started']));
}

function findCycle(services: Record<string, { depends_on?: DependsOn | undefined }>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of dependencyNames(services[name]?.depends_on)) {
      if (!(dep in services)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(services).sort()) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

/** Validates a model; throws one line per issue: `<source> services.web.healthcheck.interval: expected …`. */
export function parseComposeModel(value: unknown, source = 'compose model'): z.output<typeof ComposeModel> {
  const result = ComposeModel.safeParse(value);
  if (!result.success) throw new Error(formatIssues(source, result.error), { cause: result.error });
  return result.data;
}

const SERVICE_FIELDS = [
  'image', 'entrypoint', 'command', 'user', 'working_dir', 'environment', 'labels', 'devices', 'cap_add', 'volumes',
  'ports', 'network_mode', 'networks', 'depends_on', 'healthcheck', 'init', 'tty', 'shm_size', 'stop_signal', 'stop_grace_period',
] as const satisfies readonly (keyof z.output<typeof Service>)[];

const sortedRecord = <T>(record: Record<string, T>, map: (v: T) => unknown = (v) => v) =>
  Object.fromEntries(Object.keys(record).sort().map((k) => [k, map(record[k]!)]));

function canonicalService(service: z.output<typeof Service>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of SERVICE_FIELDS) {
    const value = service[field];
    if (value === undefined) continue;
    if (field === 'environment' || field === 'labels') out[field] = sortedRecord(value as Record<string, unknown>, (v) => String(v));
    else if (field === 'depends_on') out[field] = sortedRecord(dependencies(value as DependsOn), (condition) => ({ condition }));
    else if (field === 'healthcheck') {
      const h = value as HealthCheck;
      out[field] = Object.fromEntries(
        (['test', 'interval', 'timeout', 'retries', 'start_period'] as const).filter((k) => h[k] !== undefined).map((k) => [k, h[k]]),
      );
    } else if (field === 'ports') out[field] = (value as (string | number)[]).map(String);
    else out[field] = value;
  }
  return out;
}

/**
 * Canonical YAML for a model (validated first): the same model always gives the same bytes.
 * `$` is left as is, so `${VAR}` is interpolated by compose from the environment of the compose process.
 */
export function renderCompose(model: ComposeModel, source?: string): string {
  const parsed = parseComposeModel(model, source);
  const doc: Record<string, unknown> = { services: sortedRecord(parsed.services, canonicalService) };
  if (parsed.networks && Object.keys(parsed.networks).length) doc.networks = sortedRecord(parsed.networks, (n) => n ?? {});
  if (parsed.volumes && Object.keys(parsed.volumes).length) doc.volumes = sortedRecord(parsed.volumes, (v) => v ?? {});
  return stringify(doc, { version: '1.1', defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0, indent: 2 });
}

/** A copy of the model whose every service carries the given labels (used to label a run's containers). */
export function withLabels(model: ComposeModel, labels: Record<string, string>): ComposeModel {
  const services = Object.fromEntries(
    Object.entries(model.services).map(([name, s]) => [name, { ...s, labels: { ...(s.labels ?? {}), ...labels } }]),
  );
  return { ...model, services };
}
