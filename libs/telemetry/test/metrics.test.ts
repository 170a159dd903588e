import { afterEach, describe, expect, it } from 'vitest';
import {
  METRICS_CONTENT_TYPE,
  MetricsError,
  MetricsRegistry,
  type MetricsServer,
  serveMetrics,
} from '../src/index.js';

describe('MetricsRegistry', () => {
  it('renders counters and gauges with labels in text exposition format', () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter({
      name: 'dicomesh_dimse_requests_total',
      help: 'DIMSE requests by command and status.',
      labelNames: ['command', 'status'],
    });
    requests.inc({ command: 'C-ECHO', status: '0000' });
    requests.inc({ command: 'C-ECHO', status: '0000' }, 2);
    requests.inc({ command: 'C-STORE', status: 'A700' });
    const open = registry.gauge({ name: 'dicomesh_associations_open', help: 'Open associations.' });
    open.inc();
    open.inc();
    open.dec();
    expect(registry.render()).toBe(
      [
        '# HELP dicomesh_dimse_requests_total DIMSE requests by command and status.',
        '# TYPE dicomesh_dimse_requests_total counter',
        'dicomesh_dimse_requests_total{command="C-ECHO",status="0000"} 3',
        'dicomesh_dimse_requests_total{command="C-STORE",status="A700"} 1',
        '# HELP dicomesh_associations_open Open associations.',
        '# TYPE dicomesh_associations_open gauge',
        'dicomesh_associations_open 1',
        '',
      ].join('\n'),
    );
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', () => {
    const registry = new MetricsRegistry();
    const h = registry.histogram({
      name: 'rpc_seconds',
      help: 'x',
      labelNames: ['method'],
      buckets: [0.1, 1],
    });
    h.observe({ method: 'Echo' }, 0.05);
    h.observe({ method: 'Echo' }, 0.5);
    h.observe({ method: 'Echo' }, 3);
    expect(registry.render().split('\n')).toEqual([
      '# HELP rpc_seconds x',
      '# TYPE rpc_seconds histogram',
      'rpc_seconds_bucket{method="Echo",le="0.1"} 1',
      'rpc_seconds_bucket{method="Echo",le="1"} 2',
      'rpc_seconds_bucket{method="Echo",le="+Inf"} 3',
      'rpc_seconds_sum{method="Echo"} 3.55',
      'rpc_seconds_count{method="Echo"} 3',
      '',
    ]);
  });

  it('escapes label values and help text', () => {
    const registry = new MetricsRegistry();
    registry.counter({ name: 'c', help: 'a\\b\nc', labelNames: ['ae'] }).inc({ ae: 'A"B\\C\nD' });
    expect(registry.render()).toBe('# HELP c a\\\\b\\nc\n# TYPE c counter\nc{ae="A\\"B\\\\C\\nD"} 1\n');
  });

  it('rejects invalid names, missing or unknown labels, negative increments and type clashes', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter({ name: '1bad', help: '' })).toThrow(MetricsError);
    expect(() => registry.counter({ name: 'ok', help: '', labelNames: ['bad-label'] })).toThrow(/bad-label/);
    const c = registry.counter({ name: 'c', help: '', labelNames: ['a'] });
    expect(() => c.inc({} as { a: string })).toThrow(/missing label "a"/);
    expect(() => c.inc({ a: '1', b: '2' } as { a: string })).toThrow(/unknown label "b"/);
    expect(() => c.inc({ a: '1' }, -1)).toThrow(/>= 0/);
    expect(registry.counter({ name: 'c', help: '', labelNames: ['a'] })).toBe(c);
    expect(() => registry.gauge({ name: 'c', help: '' })).toThrow(/already registered as a counter/);
  });
});

describe('serveMetrics', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves GET /metrics with the Prometheus content type, 404 elsewhere', async () => {
    const registry = new MetricsRegistry();
    registry.counter({ name: 'hits_total', help: 'Hits.' }).inc();
    server = await serveMetrics(0, { host: '127.0.0.1', registry });
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(METRICS_CONTENT_TYPE);
    expect(await response.text()).toBe(registry.render());
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });
});
