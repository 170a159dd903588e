import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AeFileError, loadAeFile, parseAeFile, StaticAeRegistry } from '../src/index.js';

function fileError(text: string): AeFileError {
  try {
    parseAeFile(text, 'aes.yaml');
  } catch (error) {
    if (error instanceof AeFileError) return error;
    throw error;
  }
  throw new Error('expected an AeFileError');
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dicomesh-ae-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('AE file', () => {
  it('loads a valid file into a registry', async () => {
    const path = join(dir, 'aes.yaml');
    await writeFile(
      path,
      [
        '# destinations',
        '- aeTitle: STORESCP',
        '  host: 127.0.0.1',
        '  port: 11113',
        '- aeTitle: "PACS 2 "',
        '  host: pacs.example.org',
        '  port: 104',
        '',
      ].join('\n'),
    );
    const registry = await loadAeFile(path);
    expect(registry.list()).toEqual([
      { aeTitle: 'STORESCP', host: '127.0.0.1', port: 11113 },
      { aeTitle: 'PACS 2', host: 'pacs.example.org', port: 104 },
    ]);
    expect(registry.lookup('STORESCP')).toEqual({ aeTitle: 'STORESCP', host: '127.0.0.1', port: 11113 });
    expect(registry.lookup('PACS 2          ')?.host).toBe('pacs.example.org');
    expect(registry.lookup('storescp')).toBeUndefined();
    expect(registry.lookup('UNKNOWN')).toBeUndefined();
  });

  it('reads tls: true for an AE that accepts DICOM TLS only, and refuses a tls that is not a boolean', () => {
    expect(
      parseAeFile(
        '- aeTitle: A\n  host: h\n  port: 2762\n  tls: true\n- aeTitle: B\n  host: h\n  port: 104\n  tls: false\n',
      ),
    ).toEqual([
      { aeTitle: 'A', host: 'h', port: 2762, tls: true },
      { aeTitle: 'B', host: 'h', port: 104 },
    ]);
    expect(fileError('- aeTitle: A\n  host: h\n  port: 2762\n  tls: "yes"\n').issues).toEqual([
      { line: 4, problem: 'tls: must be true or false, got "yes"' },
    ]);
  });

  it('an empty file is an empty registry', () => {
    expect(parseAeFile('')).toEqual([]);
    expect(parseAeFile('# nothing yet\n')).toEqual([]);
  });

  it('rejects an invalid port with its line', () => {
    const error = fileError(
      '- aeTitle: A\n  host: h\n  port: 70000\n- aeTitle: B\n  host: h\n  port: "104"\n',
    );
    expect(error.issues).toEqual([
      { line: 3, problem: 'port: must be between 1 and 65535, got 70000' },
      { line: 6, problem: 'port: must be an integer between 1 and 65535, got "104"' },
    ]);
    expect(error.message).toMatch(/^aes\.yaml: line 3: port: /);
  });

  it('rejects a duplicate AE title, naming both lines', () => {
    const error = fileError('- aeTitle: A\n  host: h\n  port: 1\n- aeTitle: A\n  host: g\n  port: 2\n');
    expect(error.issues).toEqual([{ line: 4, problem: 'duplicate AE title "A" (first on line 1)' }]);
  });

  it('rejects unknown keys with their line, and missing keys', () => {
    const error = fileError('- aeTitle: A\n  hots: h\n  port: 1\n');
    expect(error.issues).toEqual([
      { line: 2, problem: 'unknown key "hots" (allowed: aeTitle, host, port, tls)' },
      { line: 1, problem: 'missing host' },
    ]);
  });

  it('rejects invalid AE titles and hosts, a non-list, and YAML syntax errors', () => {
    expect(fileError('- aeTitle: A\\B\n  host: "bad host"\n  port: 1\n').issues.map((i) => i.line)).toEqual([
      1, 2,
    ]);
    expect(fileError('aeTitle: A\n').issues).toEqual([{ line: 1, problem: 'must be a list of AEs' }]);
    expect(fileError('- [unclosed\n').issues[0]?.line).toBeGreaterThanOrEqual(1);
    expect(fileError('- aeTitle: A\n  aeTitle: B\n  host: h\n  port: 1\n').issues[0]?.problem).toMatch(
      /unique|duplicate/i,
    );
  });

  it('reports an unreadable file', async () => {
    await expect(loadAeFile(join(dir, 'missing.yaml'))).rejects.toThrow(AeFileError);
  });

  it('StaticAeRegistry refuses duplicates', () => {
    expect(
      () =>
        new StaticAeRegistry([
          { aeTitle: 'A', host: 'h', port: 1 },
          { aeTitle: 'A', host: 'g', port: 2 },
        ]),
    ).toThrow(/duplicate AE title "A"/);
  });
});
