/**
 * The service's OpenTelemetry resource as the standard variables describe it (OpenTelemetry SDK environment
 * variables): OTEL_RESOURCE_ATTRIBUTES is `key=value` pairs separated by commas, values percent-encoded, and
 * OTEL_SERVICE_NAME wins over a `service.name` among them. The values come in from libs/config; this module
 * never reads the environment.
 */
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** An OTEL_RESOURCE_ATTRIBUTES value that is not a list of `key=value` pairs. */
export class ResourceAttributesError extends Error {
  override readonly name = 'ResourceAttributesError';
}

/**
 * Parses OTEL_RESOURCE_ATTRIBUTES. Empty members (`a=1,,b=2`) are skipped; a member without `=`, with an empty
 * key or with a value that is not valid percent-encoding throws ResourceAttributesError naming it (the
 * specification has the whole value discarded then).
 */
export function parseResourceAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const member of text.split(',')) {
    if (member.trim() === '') continue;
    const equals = member.indexOf('=');
    const key = equals < 0 ? '' : member.slice(0, equals).trim();
    if (key === '') throw new ResourceAttributesError(`not a key=value pair: ${JSON.stringify(member)}`);
    const raw = member.slice(equals + 1).trim();
    try {
      attributes[key] = decodeURIComponent(raw);
    } catch (error) {
      throw new ResourceAttributesError(`${key}: invalid percent-encoding in ${JSON.stringify(raw)}`, {
        cause: error,
      });
    }
  }
  return attributes;
}

export interface ResourceInput {
  /** The service's own name (service.name when neither variable names one). */
  readonly serviceName: string;
  readonly serviceVersion?: string | undefined;
  /** OTEL_SERVICE_NAME. */
  readonly otelServiceName?: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES. */
  readonly otelResourceAttributes?: string | undefined;
}

export interface ResolvedResource {
  readonly attributes: Record<string, string>;
  /** Why OTEL_RESOURCE_ATTRIBUTES was discarded, if it was (for a warning). */
  readonly discarded?: string;
}

/**
 * The resource attributes: the service's own name and version, overridden by OTEL_RESOURCE_ATTRIBUTES (the
 * operator's word), with OTEL_SERVICE_NAME over both for service.name.
 */
export function resolveResourceAttributes(input: ResourceInput): ResolvedResource {
  let fromEnv: Record<string, string> = {};
  let discarded: string | undefined;
  if (input.otelResourceAttributes !== undefined && input.otelResourceAttributes.trim() !== '') {
    try {
      fromEnv = parseResourceAttributes(input.otelResourceAttributes);
    } catch (error) {
      if (!(error instanceof ResourceAttributesError)) throw error;
      discarded = error.message;
    }
  }
  const otelServiceName = input.otelServiceName?.trim();
  const attributes: Record<string, string> = {
    [ATTR_SERVICE_NAME]: input.serviceName,
    ...(input.serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: input.serviceVersion }),
    ...fromEnv,
    ...(otelServiceName ? { [ATTR_SERVICE_NAME]: otelServiceName } : {}),
  };
  return discarded === undefined ? { attributes } : { attributes, discarded };
}
