// What the network shield's integration test and its Go test set share: a session of one service whose server
// certificate, client certificate and their CA the policy service generates, injected at /shield/… (tls.crt, tls.key,
// client.crt, client.key, ca.crt), more injected files as given, and the shield's variables in the environment.
export interface NetSession {
  name: string;
  /** the service (config id `<name>/<service>`) */
  service: string;
  measurement: string;
  command: string;
  environment: Record<string, string>;
  /** more injected files: path → PEM (public material made by the test, such as a peer's CA) */
  files?: Record<string, string>;
}

const indent = (text: string, by: string) => text.trimEnd().split('\n').map((l) => `${by}${l}`).join('\n');

/** The session's YAML (sim policy service); the CA is secret `net_ca` (exported: GET /v1/public/<name>/net_ca). */
export function netSession(s: NetSession): string {
  return [
    `name: ${s.name}`,
    'version: "0.3"',
    'services:',
    `  - name: ${s.service}`,
    '    image_name: app_image',
    `    mrenclaves: ["${s.measurement}"]`,
    `    command: ${s.command}`,
    '    environment:',
    ...Object.entries(s.environment).map(([k, v]) => `      ${k}: "${v}"`),
    'images:',
    '  - name: app_image',
    '    injection_files:',
    '      - path: /shield/tls.crt',
    '        content: $$SCONE::net_tls:chain$$',
    '      - path: /shield/tls.key',
    '        content: $$SCONE::net_tls_key:privatekey$$',
    '      - path: /shield/client.crt',
    '        content: $$SCONE::net_client:chain$$',
    '      - path: /shield/client.key',
    '        content: $$SCONE::net_client_key:privatekey$$',
    '      - path: /shield/ca.crt',
    '        content: $$SCONE::net_ca:crt$$',
    ...Object.entries(s.files ?? {}).flatMap(([path, pem]) => [`      - path: ${path}`, '        content: |', indent(pem, '          ')]),
    'secrets:',
    '  - { name: net_ca_key, kind: private-key }',
    '  - { name: net_ca, kind: x509-ca, private_key: net_ca_key, common_name: network shield test CA, export_public: true }',
    '  - { name: net_tls_key, kind: private-key }',
    '  - { name: net_tls, kind: x509, private_key: net_tls_key, issuer: net_ca, common_name: localhost, endpoint: server, dns: [localhost], san: ["ip:127.0.0.1"] }',
    '  - { name: net_client_key, kind: private-key }',
    '  - { name: net_client, kind: x509, private_key: net_client_key, issuer: net_ca, common_name: shield client, endpoint: client }',
    '',
  ].join('\n');
}
