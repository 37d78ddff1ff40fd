import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseComposeModel, renderCompose, withLabels, type ComposeModel } from './model.js';

const model: ComposeModel = {
  services: {
    test: {
      image: 'confidential/caddy:dev',
      command: ['sh', '-c', 'run-tests'],
      environment: { B: 2, A: 'on', C: true },
      depends_on: { policy: { condition: 'service_healthy' }, init: { condition: 'service_completed_successfully' } },
      ports: ['8443:443', 80],
      devices: ['/dev/sgx_enclave'],
      volumes: ['data:/data', './conf:/conf:ro'],
      stop_grace_period: '5s',
      stop_signal: 'SIGTERM',
      working_dir: '/app',
      labels: { z: 'last', a: 'first' },
    },
    policy: {
      image: 'confidential/policy:dev',
      healthcheck: { test: ['CMD', 'wget', '-q', 'http://127.0.0.1:8081/health'], interval: '1s', timeout: '2s', retries: 30, start_period: '1s' },
      networks: ['inner'],
    },
    init: { image: 'busybox', command: 'true', network_mode: 'none' },
  },
  networks: { inner: null },
  volumes: { data: { labels: { keep: 'no' } } },
};

describe('renderCompose', () => {
  it('renders canonical YAML: no version key, services and maps sorted, every string double-quoted', () => {
    const text = renderCompose(model);
    expect(text).toMatchInlineSnapshot(`
      "services:
        init:
          image: "busybox"
          command: "true"
          network_mode: "none"
        policy:
          image: "confidential/policy:dev"
          networks:
            - "inner"
          healthcheck:
            test:
              - "CMD"
              - "wget"
              - "-q"
              - "http://127.0.0.1:8081/health"
            interval: "1s"
            timeout: "2s"
            retries: 30
            start_period: "1s"
        test:
          image: "confidential/caddy:dev"
          command:
            - "sh"
            - "-c"
            - "run-tests"
          working_dir: "/app"
          environment:
            A: "on"
            B: "2"
            C: "true"
          labels:
            a: "first"
            z: "last"
          devices:
            - "/dev/sgx_enclave"
          volumes:
            - "data:/data"
            - "./conf:/conf:ro"
          ports:
            - "8443:443"
            - "80"
          depends_on:
            init:
              condition: "service_completed_successfully"
            policy:
              condition: "service_healthy"
          stop_signal: "SIGTERM"
          stop_grace_period: "5s"
      networks:
        inner: {}
      volumes:
        data:
          labels:
            keep: "no"
      "
    `);
    expect(text).not.toMatch(/^version:/m);
  });

  it('is deterministic: the same model in another key order gives the same bytes', () => {
    const reordered: ComposeModel = { volumes: model.volumes, networks: model.networks, services: Object.fromEntries(Object.entries(model.services).reverse()) };
    expect(renderCompose(reordered)).toBe(renderCompose(model));
  });

  it('round-trips through a YAML parser with strings kept strings (YAML 1.1 too)', () => {
    const text = renderCompose(model);
    for (const version of ['1.1', '1.2'] as const) {
      const doc = parse(text, { version });
      expect(doc.services.test.ports).toEqual(['8443:443', '80']);
      expect(doc.services.test.environment.A).toBe('on');
      expect(doc.services.test.depends_on.policy.condition).toBe('service_healthy');
    }
  });

  it('quotes a service name that YAML 1.1 would read as a boolean', () => {
    const text = renderCompose({ services: { on: { image: 'x' } } });
    expect(parse(text, { version: '1.1' }).services).toHaveProperty('on');
  });

  it('short depends_on lists become service_started conditions', () => {
    const text = renderCompose({ services: { a: { image: 'x', depends_on: ['b'] }, b: { image: 'x' } } });
    expect(parse(text).services.a.depends_on).toEqual({ b: { condition: 'service_started' } });
  });

  it('withLabels adds labels to every service without touching the input', () => {
    const labelled = withLabels(model, { run: 'cr-x-1' });
    expect(Object.values(labelled.services).every((s) => s.labels?.run === 'cr-x-1')).toBe(true);
    expect(model.services.init!.labels).toBeUndefined();
    expect(labelled.services.test!.labels?.a).toBe('first');
  });
});

describe('parseComposeModel', () => {
  const error = (value: unknown) => {
    try {
      parseComposeModel(value, 'compose.yml');
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected a validation error');
  };

  it.each([
    [{ services: {} }, 'compose.yml services: expected at least one service'],
    [{ services: { a: {} } }, 'compose.yml services.a.image:'],
    [{ services: { a: { image: 'x', healthcheck: { test: ['CMD'], interval: '10' } } } }, 'compose.yml services.a.healthcheck.interval: expected a duration'],
    [{ services: { a: { image: 'x', healthcheck: { test: ['RUN', 'x'] } } } }, 'services.a.healthcheck.test'],
    [{ services: { a: { image: 'x', depends_on: { b: { condition: 'service_done' } } }, b: { image: 'x' } } }, 'services.a.depends_on'],
    [{ services: { a: { image: 'x', depends_on: ['nope'] } } }, 'compose.yml services.a.depends_on: unknown service "nope"'],
    [{ services: { a: { image: 'x', depends_on: ['a'] } } }, 'a service cannot depend on itself'],
    [{ services: { a: { image: 'x', depends_on: ['b'] }, b: { image: 'x', depends_on: ['a'] } } }, 'dependency cycle: a → b → a'],
    [{ services: { a: { image: 'x', networks: ['n'] } } }, 'services.a.networks[0]: network "n" is not declared'],
    [{ services: { a: { image: 'x', network_mode: 'host', networks: ['default'] } } }, 'give either "network_mode" or "networks"'],
    [{ services: { a: { image: 'x', volumes: ['data:/data'] } } }, 'services.a.volumes[0]: named volume "data" is not declared'],
    [{ services: { a: { image: 'x', ports: ['http'] } } }, 'services.a.ports[0]'],
    [{ services: { a: { image: 'x', stop_grace_period: 5 } } }, 'services.a.stop_grace_period'],
    [{ services: { a: { image: 'x', bogus: 1 } } }, 'services.a'],
    [{ services: { 'Bad name!': { image: 'x' } } }, 'services.Bad name!'],
  ])('%j is refused with the field path', (value, expected) => {
    expect(error(value)).toContain(expected);
  });

  it('accepts bind mounts, anonymous volumes and long syntax without declarations', () => {
    expect(() =>
      parseComposeModel({ services: { a: { image: 'x', volumes: ['/host:/c', './rel:/r:ro', '/anon', { type: 'tmpfs', target: '/t' }] } } }),
    ).not.toThrow();
  });
});
