/**
 * The gateway's configuration as the chart sets it: every DICOMESH_ and OTEL_ variable the chart's gateway
 * Deployment sets is one the gateway reads (names agree), a TLS port without its files is refused with every
 * issue named, and the AE registry variables reach the registry settings.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, gatewaySpec, readGatewayConfig } from '@dicomesh/config';
import { AeRegistryConfigError, registrySettingsFromConfig } from '@dicomesh/k8s-registry';
import { describe, expect, it } from 'vitest';

const TEMPLATES = resolve(import.meta.dirname, '../../../charts/dicomesh/templates');
/** Read by the OTLP exporter library itself, not by dicomesh's configuration. */
const READ_BY_OTLP_EXPORTER = new Set(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL']);
/** Helm defines whose variables go into the gateway's container (see templates/_helpers.tpl). */
const GATEWAY_DEFINES = [
  'dicomesh.gateway.env',
  'dicomesh.telemetryEnv',
  'dicomesh.natsEnv',
  'dicomesh.aeRegistryEnv',
];
/** The variables the shared Deployment template sets in every component's container. */
const DEPLOYMENT_ENV = ['DICOMESH_GRPC_PORT', 'DICOMESH_DATA_DIR', 'DICOMESH_SHUTDOWN_GRACE'];

/** The body of each `{{- define "name" -}}` up to the next define. */
function defines(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const parts = text.split(/\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}/);
  for (let i = 1; i < parts.length; i += 2) found.set(parts[i]!, parts[i + 1]!);
  return found;
}

function envNames(body: string): string[] {
  const names = [...body.matchAll(/name:\s*((?:DICOMESH|OTEL)_[A-Z0-9_]+)/g)].map((m) => m[1]!);
  // `printf "DICOMESH_%s_URL" (upper $component)` over the listed backends.
  const urls =
    /range \$component := list ((?:"[a-z]+"\s*)+)\}\}\s*- name: \{\{ printf "DICOMESH_%s_URL"/.exec(body);
  if (urls) {
    for (const component of urls[1]!.match(/[a-z]+/g)!) names.push(`DICOMESH_${component.toUpperCase()}_URL`);
  }
  return names;
}

async function chartGatewayEnv(): Promise<string[]> {
  const all = new Map([
    ...defines(await readFile(join(TEMPLATES, '_helpers.tpl'), 'utf8')),
    ...defines(await readFile(join(TEMPLATES, 'gateway/_gateway.tpl'), 'utf8')),
  ]);
  const names = new Set(DEPLOYMENT_ENV);
  for (const name of GATEWAY_DEFINES) {
    const body = all.get(name);
    if (body === undefined) throw new Error(`the chart has no define ${name}`);
    for (const env of envNames(body)) names.add(env);
  }
  return [...names].sort();
}

/** What the chart's gateway container gets with TLS on, client certificates required, and the kubernetes source. */
const CHART_ENV = {
  DICOMESH_GRPC_PORT: '50050',
  DICOMESH_DATA_DIR: '/var/lib/dicomesh',
  DICOMESH_SHUTDOWN_GRACE: '50s',
  DICOMESH_DICOM_PORT: '11112',
  DICOMESH_AE_TITLE: 'DICOMESH',
  DICOMESH_TLS_PORT: '2762',
  DICOMESH_TLS_CERT_FILE: '/etc/dicomesh/tls/tls.crt',
  DICOMESH_TLS_KEY_FILE: '/etc/dicomesh/tls/tls.key',
  DICOMESH_TLS_CA_FILE: '/etc/dicomesh/tls/ca.crt',
  DICOMESH_TLS_REQUIRE_CLIENT_CERT: 'true',
  DICOMESH_AE_SOURCE: 'kubernetes',
  DICOMESH_AE_NAMESPACE: 'pacs',
  OTEL_SERVICE_NAME: 'dicomesh-gateway',
  OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=dicomesh-gateway-0,k8s.namespace.name=pacs',
  KUBERNETES_SERVICE_HOST: '10.96.0.1',
  KUBERNETES_SERVICE_PORT: '443',
};

describe('gateway configuration and the chart', () => {
  it('reads every variable the chart sets in the gateway container', async () => {
    const known = new Set(Object.values(gatewaySpec).map((field) => field.env));
    const chart = await chartGatewayEnv();
    expect(chart).toEqual(
      expect.arrayContaining([
        'DICOMESH_TLS_PORT',
        'DICOMESH_TLS_REQUIRE_CLIENT_CERT',
        'DICOMESH_AE_SOURCE',
        'DICOMESH_AE_NAMESPACE',
        'DICOMESH_AE_FILE',
        'DICOMESH_RETRIEVE_URL',
        'DICOMESH_SHUTDOWN_GRACE',
        'OTEL_SERVICE_NAME',
        'OTEL_RESOURCE_ATTRIBUTES',
      ]),
    );
    const unread = chart.filter((env) => !known.has(env) && !READ_BY_OTLP_EXPORTER.has(env));
    expect(unread).toEqual([]);
  });

  it('parses the values the chart gives them', () => {
    const config = readGatewayConfig(CHART_ENV);
    expect(config).toMatchObject({
      shutdownGraceMs: 50_000,
      tlsPort: 2762,
      tlsCertFile: '/etc/dicomesh/tls/tls.crt',
      tlsKeyFile: '/etc/dicomesh/tls/tls.key',
      tlsCaFile: '/etc/dicomesh/tls/ca.crt',
      tlsRequireClientCert: true,
      aeSource: 'kubernetes',
      aeNamespace: 'pacs',
      otelServiceName: 'dicomesh-gateway',
    });
    expect(registrySettingsFromConfig(config)).toEqual({
      source: 'kubernetes',
      access: {
        kind: 'in-cluster',
        host: '10.96.0.1',
        port: 443,
        serviceAccountDir: '/var/run/secrets/kubernetes.io/serviceaccount',
      },
      namespace: 'pacs',
      unlisted: 'deny',
    });
  });

  it('defaults: no TLS listener, the file source allowing any caller, a 25 s drain', () => {
    const config = readGatewayConfig({});
    expect(config).toMatchObject({ tlsPort: undefined, aeSource: 'file', shutdownGraceMs: 25_000 });
    expect(registrySettingsFromConfig(config)).toEqual({
      source: 'file',
      aeFile: undefined,
      unlisted: 'allow-calling',
    });
  });

  it('refuses a TLS port without certificate and key, naming them with the other issues', () => {
    const attempt = () => readGatewayConfig({ DICOMESH_TLS_PORT: '2762', DICOMESH_MAX_ASSOCIATIONS: 'many' });
    expect(attempt).toThrow(ConfigError);
    const issues = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => issue.env);
      }
      return [];
    })();
    expect(issues).toEqual(['DICOMESH_MAX_ASSOCIATIONS', 'DICOMESH_TLS_CERT_FILE', 'DICOMESH_TLS_KEY_FILE']);
  });

  it('refuses required client certificates without a CA', () => {
    expect(() =>
      readGatewayConfig({
        DICOMESH_TLS_PORT: '2762',
        DICOMESH_TLS_CERT_FILE: '/c',
        DICOMESH_TLS_KEY_FILE: '/k',
        DICOMESH_TLS_REQUIRE_CLIENT_CERT: 'true',
      }),
    ).toThrow(/DICOMESH_TLS_CA_FILE: is required with DICOMESH_TLS_REQUIRE_CLIENT_CERT/);
  });

  it('names the variable to set when the kubernetes source has no way to the API server', () => {
    const config = readGatewayConfig({ DICOMESH_AE_SOURCE: 'kubernetes' });
    expect(() => registrySettingsFromConfig(config)).toThrow(AeRegistryConfigError);
    expect(() => readGatewayConfig({ DICOMESH_AE_SOURCE: 'etcd' })).toThrow(
      /DICOMESH_AE_SOURCE: must be one of file, kubernetes/,
    );
  });
});
