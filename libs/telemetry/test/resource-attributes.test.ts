import { afterEach, describe, expect, it } from 'vitest';
import {
  InMemorySpanExporter,
  parseResourceAttributes,
  ResourceAttributesError,
  resolveResourceAttributes,
  startTelemetry,
  type Telemetry,
} from '../src/index.js';

describe('parseResourceAttributes (OTEL_RESOURCE_ATTRIBUTES)', () => {
  it('reads comma-separated key=value pairs, trimmed and percent-decoded', () => {
    expect(
      parseResourceAttributes(' k8s.pod.name = gw-1 ,service.namespace=pacs,, team=radiology%2C%20north '),
    ).toEqual({ 'k8s.pod.name': 'gw-1', 'service.namespace': 'pacs', team: 'radiology, north' });
    expect(parseResourceAttributes('url=a=b')).toEqual({ url: 'a=b' });
  });

  it('names the member that is not a pair, or not valid percent-encoding', () => {
    expect(() => parseResourceAttributes('a=1,oops')).toThrow(ResourceAttributesError);
    expect(() => parseResourceAttributes('a=1,oops')).toThrow(/"oops"/);
    expect(() => parseResourceAttributes('=1')).toThrow(ResourceAttributesError);
    expect(() => parseResourceAttributes('a=%E0%A4%A')).toThrow(/a: invalid percent-encoding/);
  });
});

describe('resolveResourceAttributes', () => {
  it("defaults to the service's own name and version", () => {
    expect(resolveResourceAttributes({ serviceName: 'dicomesh-gateway', serviceVersion: '1.0' })).toEqual({
      attributes: { 'service.name': 'dicomesh-gateway', 'service.version': '1.0' },
    });
  });

  it('OTEL_RESOURCE_ATTRIBUTES overrides the defaults, OTEL_SERVICE_NAME wins for service.name', () => {
    const fromAttributes = resolveResourceAttributes({
      serviceName: 'dicomesh-gateway',
      serviceVersion: '1.0',
      otelResourceAttributes: 'service.name=from-attrs,service.version=2.0,k8s.pod.name=gw-0',
    });
    expect(fromAttributes.attributes).toEqual({
      'service.name': 'from-attrs',
      'service.version': '2.0',
      'k8s.pod.name': 'gw-0',
    });
    const both = resolveResourceAttributes({
      serviceName: 'dicomesh-gateway',
      otelServiceName: 'edge-gateway',
      otelResourceAttributes: 'service.name=from-attrs',
    });
    expect(both.attributes['service.name']).toBe('edge-gateway');
  });

  it('discards an invalid OTEL_RESOURCE_ATTRIBUTES whole, and says why', () => {
    const resolved = resolveResourceAttributes({
      serviceName: 'dicomesh-storage',
      otelResourceAttributes: 'k8s.pod.name=st-0,broken',
    });
    expect(resolved.attributes).toEqual({ 'service.name': 'dicomesh-storage' });
    expect(resolved.discarded).toMatch(/broken/);
  });

  it('an empty OTEL_SERVICE_NAME does not override', () => {
    expect(
      resolveResourceAttributes({ serviceName: 'dicomesh-query', otelServiceName: ' ' }).attributes,
    ).toEqual({ 'service.name': 'dicomesh-query' });
  });
});

describe('startTelemetry', () => {
  let telemetry: Telemetry | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  });

  it('puts the resolved resource on every exported span', async () => {
    const exporter = new InMemorySpanExporter();
    telemetry = startTelemetry({
      serviceName: 'dicomesh-gateway',
      exporter,
      otelServiceName: 'gateway-eu',
      otelResourceAttributes: 'k8s.pod.name=dicomesh-gateway-7d9f-x2,k8s.namespace.name=pacs',
    });
    telemetry.tracer().startSpan('dimse C-ECHO').end();
    const [span] = exporter.getFinishedSpans();
    expect(span?.resource.attributes).toMatchObject({
      'service.name': 'gateway-eu',
      'k8s.pod.name': 'dicomesh-gateway-7d9f-x2',
      'k8s.namespace.name': 'pacs',
    });
    expect(telemetry.exporting).toBe(true);
  });

  it('says whether spans leave the process: not without an exporter', async () => {
    telemetry = startTelemetry({ serviceName: 'dicomesh-gateway' });
    expect(telemetry.exporting).toBe(false);
  });
});
