import { ConfigValueError, parseAeTitle } from '@dicomesh/config';
import type { KubernetesObject } from '@kubernetes/client-node';
import { AE_OPERATIONS, type AePermissions, NO_PERMISSIONS } from './ae-operation.js';
import type { RegisteredAe } from './ae-registry.js';
import { InvalidApplicationEntityError } from './errors.js';

/** The custom resource (charts/dicomesh/crds/applicationentity.yaml defines it). */
export const ApplicationEntityResource = {
  group: 'dicomesh.io',
  version: 'v1alpha1',
  kind: 'ApplicationEntity',
  plural: 'applicationentities',
} as const;

/** The API path of the namespace's `ApplicationEntity` collection (list and watch). */
export function applicationEntitiesPath(namespace: string): string {
  const { group, version, plural } = ApplicationEntityResource;
  return `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

/** An `ApplicationEntity` as the API server returns it; the spec is checked by `parseApplicationEntity`. */
export interface ApplicationEntity extends KubernetesObject {
  spec?: unknown;
}

const MIN_PORT = 1;
const MAX_PORT = 65_535;
/** A DNS name (RFC 1123 labels) or an IPv4/IPv6 address. */
const HOST_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\[?[0-9a-fA-F:.]+\]?)$/;
const MAX_HOST_LENGTH = 253;

/** `<namespace>/<name>` of a resource, for logs. */
export function resourceName(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? '?'}`;
}

/**
 * The registry entry of an `ApplicationEntity`, or InvalidApplicationEntityError naming every problem. The API
 * server validates the CRD's schema too; this check is what keeps a resource created before the schema, or by
 * a server that does not validate, from reaching the registry. Permissions left out are false.
 */
export function parseApplicationEntity(object: ApplicationEntity): RegisteredAe {
  const resource = resourceName(object);
  const problems: string[] = [];
  const spec = object.spec;
  if (!isRecord(spec)) throw new InvalidApplicationEntityError(resource, ['spec must be an object']);

  let aeTitle: string | undefined;
  if (typeof spec.aeTitle !== 'string') problems.push('spec.aeTitle must be a string');
  else {
    try {
      aeTitle = parseAeTitle(spec.aeTitle);
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      problems.push(`spec.aeTitle: ${error.message}`);
    }
  }

  const host = typeof spec.host === 'string' ? spec.host.trim() : undefined;
  if (host === undefined || host.length > MAX_HOST_LENGTH || !HOST_PATTERN.test(host)) {
    problems.push(`spec.host must be a host name or IP address, got ${JSON.stringify(spec.host)}`);
  }

  const port = spec.port;
  const portOk = typeof port === 'number' && Number.isInteger(port) && port >= MIN_PORT && port <= MAX_PORT;
  if (!portOk) {
    problems.push(
      `spec.port must be an integer between ${MIN_PORT} and ${MAX_PORT}, got ${JSON.stringify(port)}`,
    );
  }

  const permissions: Record<string, boolean> = { ...NO_PERMISSIONS };
  const given = spec.permissions;
  if (given !== undefined && !isRecord(given)) problems.push('spec.permissions must be an object');
  else if (given !== undefined) {
    for (const operation of AE_OPERATIONS) {
      const value = given[operation];
      if (value === undefined) continue;
      if (typeof value !== 'boolean') {
        problems.push(`spec.permissions.${operation} must be true or false, got ${JSON.stringify(value)}`);
      } else permissions[operation] = value;
    }
  }

  const tls = spec.tls;
  if (tls !== undefined && typeof tls !== 'boolean') {
    problems.push(`spec.tls must be true or false, got ${JSON.stringify(tls)}`);
  }

  if (problems.length > 0 || aeTitle === undefined || host === undefined || !portOk) {
    throw new InvalidApplicationEntityError(resource, problems);
  }
  return Object.freeze({
    aeTitle,
    host,
    port: port as number,
    ...(tls === true ? { tls } : {}),
    permissions: Object.freeze(permissions) as AePermissions,
    origin: `kubernetes:${resource}`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
