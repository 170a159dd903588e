import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  aeTitle,
  bool,
  ConfigError,
  describeSpec,
  duration,
  type GatewayConfig,
  grpcTarget,
  int,
  list,
  oneOf,
  parseAeTitle,
  port,
  readConfig,
  readGatewayConfig,
  readVerificationConfig,
  str,
} from '../src/index.js';

/** The ConfigError a read throws (fails the test when it does not throw). */
function configError(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('readers', () => {
  it('str: value, default, optional, required, pattern', () => {
    const spec = {
      a: str({ env: 'A' }),
      b: str({ env: 'B', default: 'dflt' }),
      c: str({ env: 'C', optional: true }),
      d: str({ env: 'D', pattern: /[a-z]+/ }),
    };
    expect(readConfig(spec, { A: 'x', D: 'abc' })).toEqual({ a: 'x', b: 'dflt', c: undefined, d: 'abc' });
    expect(configError(() => readConfig(spec, { A: '', D: 'ABC' })).issues).toEqual([
      { env: 'A', problem: 'is required but not set' },
      { env: 'D', problem: 'must match /[a-z]+/, got "ABC"' },
    ]);
  });

  it('int: integers within min and max only', () => {
    const spec = { n: int({ env: 'N', min: 1, max: 10 }) };
    expect(readConfig(spec, { N: ' 7 ' })).toEqual({ n: 7 });
    for (const bad of ['0', '11', '1.5', '7x', '0x10', '99999999999999999999']) {
      expect(configError(() => readConfig(spec, { N: bad })).issues[0]?.env).toBe('N');
    }
    expect(configError(() => readConfig(spec, { N: '11' })).message).toContain(
      'N: must be between 1 and 10, got 11',
    );
  });

  it('port: 1..65535, 0 only when allowed', () => {
    expect(readConfig({ p: port({ env: 'P' }) }, { P: '65535' })).toEqual({ p: 65535 });
    expect(() => readConfig({ p: port({ env: 'P' }) }, { P: '0' })).toThrow(ConfigError);
    expect(() => readConfig({ p: port({ env: 'P' }) }, { P: '65536' })).toThrow(ConfigError);
    expect(readConfig({ p: port({ env: 'P', allowZero: true }) }, { P: '0' })).toEqual({ p: 0 });
  });

  it('bool: true/false, 1/0, yes/no, on/off in any case', () => {
    const spec = { b: bool({ env: 'B' }) };
    for (const yes of ['true', 'TRUE', '1', 'yes', 'On']) expect(readConfig(spec, { B: yes }).b).toBe(true);
    for (const no of ['false', '0', 'No', 'off']) expect(readConfig(spec, { B: no }).b).toBe(false);
    expect(configError(() => readConfig(spec, { B: 'maybe' })).issues[0]?.problem).toMatch(
      /must be true or false/,
    );
  });

  it('list: comma-separated, trimmed, empty items dropped, items validated', () => {
    expect(readConfig({ l: list({ env: 'L' }) }, { L: ' a, b ,,c ' })).toEqual({ l: ['a', 'b', 'c'] });
    const titles = { l: list({ env: 'L', item: parseAeTitle }) };
    expect(readConfig(titles, { L: 'STORESCU,ECHOSCU' })).toEqual({ l: ['STORESCU', 'ECHOSCU'] });
    expect(configError(() => readConfig(titles, { L: 'OK,A\\B,WAY_TOO_LONG_AE_TITLE' })).issues).toEqual([
      {
        env: 'L',
        problem:
          'item 2: AE title must not contain a backslash, got "A\\\\B", item 3: AE title must be at most 16 characters, got "WAY_TOO_LONG_AE_TITLE"',
      },
    ]);
  });

  it('aeTitle: 1-16 characters, no backslash or control characters, not all spaces', () => {
    const spec = { ae: aeTitle({ env: 'AE' }) };
    expect(readConfig(spec, { AE: 'DICOMESH' }).ae).toBe('DICOMESH');
    expect(readConfig(spec, { AE: '  PACS 1  ' }).ae).toBe('PACS 1');
    expect(readConfig(spec, { AE: 'ABCDEFGHIJKLMNOP' }).ae).toBe('ABCDEFGHIJKLMNOP');
    for (const bad of ['ABCDEFGHIJKLMNOPQ', '    ', 'A\\B', 'A\tB', 'A\nB', 'ÄRZTE']) {
      expect(() => readConfig(spec, { AE: bad }), bad).toThrow(ConfigError);
    }
  });

  it('duration: ms, s, m, h, combinations and decimals, in milliseconds', () => {
    const spec = { d: duration({ env: 'D' }) };
    const cases: Array<[string, number]> = [
      ['500ms', 500],
      ['30s', 30_000],
      ['5m', 300_000],
      ['1h30m', 5_400_000],
      ['1.5s', 1_500],
      ['0', 0],
    ];
    for (const [text, ms] of cases) expect(readConfig(spec, { D: text }).d, text).toBe(ms);
    for (const bad of ['30', 's', '5 m', '1d', '-1s', '30s junk']) {
      expect(() => readConfig(spec, { D: bad }), bad).toThrow(ConfigError);
    }
  });

  it('oneOf and grpcTarget', () => {
    const spec = { level: oneOf(['info', 'debug'], { env: 'LEVEL' }), target: grpcTarget({ env: 'T' }) };
    expect(readConfig(spec, { LEVEL: 'debug', T: 'dns:///verification.ns.svc:50051' })).toEqual({
      level: 'debug',
      target: 'dns:///verification.ns.svc:50051',
    });
    for (const target of ['127.0.0.1:1', '[::1]:50051', 'unix:/tmp/s.sock', 'dns://8.8.8.8/host:1']) {
      expect(readConfig(spec, { LEVEL: 'info', T: target }).target).toBe(target);
    }
    expect(
      configError(() => readConfig(spec, { LEVEL: 'trace', T: 'http://x' })).issues.map((i) => i.env),
    ).toEqual(['LEVEL', 'T']);
  });

  it('hides secret values', () => {
    const error = configError(() => readConfig({ s: int({ env: 'S', secret: true }) }, { S: 'hunter2' }));
    expect(error.message).not.toContain('hunter2');
    expect(error.issues).toEqual([{ env: 'S', problem: 'is invalid (value hidden)' }]);
  });
});

describe('service specs', () => {
  it('gateway defaults', () => {
    const config = readGatewayConfig({});
    expect(config).toMatchObject({
      dicomPort: 11112,
      dicomHost: '0.0.0.0',
      aeTitle: 'DICOMESH',
      allowedCallingAeTitles: undefined,
      dataDir: './data',
      aeFile: undefined,
      logLevel: 'info',
      debugModules: [],
      tracesExporter: 'none',
    });
    expectTypeOf(config.allowedCallingAeTitles).toEqualTypeOf<string[] | undefined>();
    expectTypeOf(config.dicomPort).toEqualTypeOf<number>();
    expectTypeOf(config.logLevel).toEqualTypeOf<'debug' | 'info' | 'warn' | 'error'>();
    expectTypeOf<GatewayConfig['aeFile']>().toEqualTypeOf<string | undefined>();
  });

  it('names every bad variable at once', () => {
    const error = configError(() =>
      readGatewayConfig({
        DICOMESH_DICOM_PORT: 'eleven',
        DICOMESH_AE_TITLE: 'THIS_AE_TITLE_IS_TOO_LONG',
        DICOMESH_ALLOWED_CALLING_AE_TITLES: 'OK, ',
        DICOMESH_MAX_PDU_LENGTH: '100',
        DICOMESH_ARTIM_TIMEOUT: '30',
        DICOMESH_VERIFICATION_URL: 'verification',
        DICOMESH_LOG_LEVEL: 'loud',
      }),
    );
    expect(error.issues.map((issue) => issue.env)).toEqual([
      'DICOMESH_LOG_LEVEL',
      'DICOMESH_DICOM_PORT',
      'DICOMESH_AE_TITLE',
      'DICOMESH_MAX_PDU_LENGTH',
      'DICOMESH_ARTIM_TIMEOUT',
      'DICOMESH_VERIFICATION_URL',
    ]);
    expect(error.message).toMatch(
      /^invalid configuration \(6 problems\): DICOMESH_LOG_LEVEL: must be one of/,
    );
  });

  it('verification reads its variables', () => {
    expect(
      readVerificationConfig({
        DICOMESH_GRPC_PORT: '6000',
        DICOMESH_GRPC_HOST: '127.0.0.1',
        DICOMESH_DEBUG: 'rpc',
      }),
    ).toMatchObject({
      grpcPort: 6000,
      grpcHost: '127.0.0.1',
      debugModules: ['rpc'],
      shutdownGraceMs: 10_000,
    });
  });

  it('describes every variable of a spec for docs and the chart', () => {
    const rows = describeSpec({ p: port({ env: 'P', default: 1, description: 'd' }), q: str({ env: 'Q' }) });
    expect(rows).toEqual([
      { key: 'p', env: 'P', kind: 'port', required: false, default: '1', description: 'd' },
      { key: 'q', env: 'Q', kind: 'string', required: true, default: undefined, description: undefined },
    ]);
  });
});
