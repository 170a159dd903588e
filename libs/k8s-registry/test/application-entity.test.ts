import { describe, expect, it } from 'vitest';
import {
  type ApplicationEntity,
  applicationEntitiesPath,
  InvalidApplicationEntityError,
  parseApplicationEntity,
} from '../src/index.js';

function resource(spec: unknown, name = 'ct1'): ApplicationEntity {
  return {
    apiVersion: 'dicomesh.io/v1alpha1',
    kind: 'ApplicationEntity',
    metadata: { name, namespace: 'pacs', resourceVersion: '7' },
    spec,
  };
}

function problems(spec: unknown): readonly string[] {
  try {
    parseApplicationEntity(resource(spec));
  } catch (error) {
    if (error instanceof InvalidApplicationEntityError) return error.problems;
    throw error;
  }
  throw new Error('expected an InvalidApplicationEntityError');
}

describe('parseApplicationEntity', () => {
  it('reads title, host, port and permissions; permissions left out are false', () => {
    const entry = parseApplicationEntity(
      resource({ aeTitle: ' CT_1 ', host: 'ct1.radiology.svc', port: 104, permissions: { store: true } }),
    );
    expect(entry).toEqual({
      aeTitle: 'CT_1',
      host: 'ct1.radiology.svc',
      port: 104,
      permissions: { store: true, find: false, move: false, get: false, moveDestination: false },
      origin: 'kubernetes:pacs/ct1',
    });
    expect(parseApplicationEntity(resource({ aeTitle: 'WS', host: '::1', port: 1 })).permissions.find).toBe(
      false,
    );
  });

  it.each([
    ['a title of 17 characters', { aeTitle: 'ABCDEFGHIJKLMNOPQ', host: 'h', port: 104 }, /spec\.aeTitle/],
    ['a backslash in the title', { aeTitle: 'CT\\1', host: 'h', port: 104 }, /backslash/],
    ['a control character in the title', { aeTitle: 'CT\n1', host: 'h', port: 104 }, /control/],
    ['an all-space title', { aeTitle: '   ', host: 'h', port: 104 }, /empty/],
    ['a title that is not a string', { aeTitle: 7, host: 'h', port: 104 }, /must be a string/],
    ['port 0', { aeTitle: 'CT', host: 'h', port: 0 }, /spec\.port/],
    ['port 65536', { aeTitle: 'CT', host: 'h', port: 65_536 }, /spec\.port/],
    ['a port given as text', { aeTitle: 'CT', host: 'h', port: '104' }, /spec\.port/],
    ['a fractional port', { aeTitle: 'CT', host: 'h', port: 104.5 }, /spec\.port/],
    ['a host with a space', { aeTitle: 'CT', host: 'a b', port: 104 }, /spec\.host/],
    ['no host', { aeTitle: 'CT', port: 104 }, /spec\.host/],
    [
      'a permission that is not boolean',
      { aeTitle: 'CT', host: 'h', port: 1, permissions: { store: 'yes' } },
      /store/,
    ],
  ])('refuses %s', (_, spec, problem) => {
    expect(problems(spec).join('; ')).toMatch(problem);
  });

  it('reads tls: true for an AE that accepts DICOM TLS only, and refuses a tls that is not a boolean', () => {
    const spec = { aeTitle: 'PACS', host: 'pacs.example.org', port: 2762, tls: true };
    expect(parseApplicationEntity(resource(spec))).toMatchObject({ aeTitle: 'PACS', port: 2762, tls: true });
    expect(parseApplicationEntity(resource({ ...spec, tls: false })).tls).toBeUndefined();
    expect(problems({ ...spec, tls: 'yes' })).toEqual(['spec.tls must be true or false, got "yes"']);
  });

  it('names every problem at once, and refuses a resource without spec', () => {
    expect(problems({ aeTitle: '', host: '', port: -1 })).toHaveLength(3);
    expect(problems(undefined)).toEqual(['spec must be an object']);
  });

  it('builds the namespaced collection path', () => {
    expect(applicationEntitiesPath('pacs')).toBe(
      '/apis/dicomesh.io/v1alpha1/namespaces/pacs/applicationentities',
    );
  });
});
