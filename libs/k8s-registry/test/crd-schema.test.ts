import { readFile } from 'node:fs/promises';
import { ConfigValueError, parseAeTitle } from '@dicomesh/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  AE_OPERATIONS,
  ApplicationEntityResource,
  InvalidApplicationEntityError,
  parseApplicationEntity,
} from '../src/index.js';

const crdPath = new URL('../../../charts/dicomesh/crds/applicationentity.yaml', import.meta.url);

interface Schema {
  type?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, Schema>;
}

interface CrdVersion {
  name: string;
  additionalPrinterColumns: { name: string; jsonPath: string }[];
  schema: { openAPIV3Schema: Schema };
}

interface Crd {
  metadata: { name: string };
  spec: { group: string; scope: string; names: Record<string, unknown>; versions: CrdVersion[] };
}

async function loadCrd(): Promise<{ crd: Crd; spec: Schema }> {
  const crd = parse(await readFile(crdPath, 'utf8')) as Crd;
  const version = crd.spec.versions[0]!;
  return { crd, spec: version.schema.openAPIV3Schema.properties!.spec! };
}

function parserAccepts(aeTitle: string): boolean {
  try {
    parseAeTitle(aeTitle);
    return true;
  } catch (error) {
    if (error instanceof ConfigValueError) return false;
    throw error;
  }
}

/** What the API server would accept for spec.aeTitle (pattern and lengths). */
function schemaAccepts(schema: Schema, value: string): boolean {
  return (
    value.length >= (schema.minLength ?? 0) &&
    value.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) &&
    new RegExp(schema.pattern ?? '').test(value)
  );
}

describe('the ApplicationEntity CRD (charts/dicomesh/crds/applicationentity.yaml)', () => {
  it('names the resource the informer watches', async () => {
    const { crd } = await loadCrd();
    const { group, version, kind, plural } = ApplicationEntityResource;
    expect(crd.metadata.name).toBe(`${plural}.${group}`);
    expect(crd.spec).toMatchObject({ group, scope: 'Namespaced', names: { kind, plural } });
    expect(crd.spec.versions.map((v) => v.name)).toEqual([version]);
    const columns = crd.spec.versions[0].additionalPrinterColumns.map(
      (c: { jsonPath: string }) => c.jsonPath,
    );
    expect(columns).toEqual(
      expect.arrayContaining([
        '.spec.aeTitle',
        '.spec.host',
        '.spec.port',
        '.spec.permissions.moveDestination',
        '.spec.tls',
      ]),
    );
  });

  it('accepts exactly the AE titles the registry accepts', async () => {
    const { spec } = await loadCrd();
    const aeTitle = spec.properties!.aeTitle!;
    const titles = [
      'CT1',
      'A',
      'ABCDEFGHIJKLMNOP',
      'ABCDEFGHIJKLMNOPQ',
      ' PACS 2 ',
      '  SIXTEEN_CHARS_16  ',
      'A B',
      '',
      '   ',
      'CT\\1',
      'CT\t1',
      'CT\n',
      'CT\u00e9',
      '~!@#$%^&*()_+[]{',
      ' ABCDEFGHIJKLMNOPQ ',
    ];
    for (const title of titles) {
      expect({ title, crd: schemaAccepts(aeTitle, title) }).toEqual({ title, crd: parserAccepts(title) });
    }
  });

  it('requires what the registry requires, with the same port range and permission names', async () => {
    const { spec } = await loadCrd();
    expect(spec.required?.sort()).toEqual(['aeTitle', 'host', 'port']);
    expect(spec.additionalProperties).toBe(false);
    expect(spec.properties!.port).toMatchObject({ type: 'integer', minimum: 1, maximum: 65_535 });
    // Optional, like the registry's: left out, an AE is reached over plain TCP.
    expect(spec.properties!.tls).toMatchObject({ type: 'boolean', default: false });
    expect(spec.required).not.toContain('tls');
    const permissions = spec.properties!.permissions!;
    expect(Object.keys(permissions.properties!).sort()).toEqual([...AE_OPERATIONS].sort());
    for (const schema of Object.values(permissions.properties!)) {
      expect(schema).toMatchObject({ type: 'boolean', default: false });
    }
  });

  it('accepts the same hosts as the registry', async () => {
    const { spec } = await loadCrd();
    const host = spec.properties!.host!;
    for (const value of [
      'ct1',
      'pacs.radiology.svc.cluster.local',
      '10.0.0.5',
      '::1',
      'a_b',
      'a b',
      '-x',
      'x.',
    ]) {
      let registry = true;
      try {
        parseApplicationEntity({ metadata: { name: 'x' }, spec: { aeTitle: 'X', host: value, port: 104 } });
      } catch (error) {
        if (!(error instanceof InvalidApplicationEntityError)) throw error;
        registry = false;
      }
      expect({ value, crd: schemaAccepts(host, value) }).toEqual({ value, crd: registry });
    }
  });
});
