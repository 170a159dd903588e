import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isStorageSopClass,
  isValidUid,
  QUERY_RETRIEVE_SOP_CLASSES,
  SopClass,
  STORAGE_SOP_CLASS_UIDS,
  sopClassName,
} from '../src/index.js';
import { PYTHON } from './pydicom.js';

/** Compare names loosely: pydicom writes "12-lead" as "12-lead", "Multi-frame" as "Multi-frame"... */
const squash = (name: string) =>
  name
    .toLowerCase()
    .replace(/sop class$/, '')
    .replace(/[^a-z0-9]/g, '');

describe('SOP class tables', () => {
  let pydicom: Record<string, [name: string, type: string, info: string, retired: string]>;
  beforeAll(() => {
    pydicom = JSON.parse(
      execFileSync(
        PYTHON,
        ['-c', 'import json; from pydicom._uid_dict import UID_dictionary as d; print(json.dumps(d))'],
        { encoding: 'utf8' },
      ),
    );
  });

  it('has valid UIDs, each named as pydicom 2.3 names it where pydicom knows it', () => {
    const all = [...STORAGE_SOP_CLASS_UIDS, ...Object.values(SopClass)];
    let known = 0;
    for (const uid of all) {
      expect(isValidUid(uid), uid).toBe(true);
      const entry = pydicom[uid];
      if (!entry) continue; // added to the standard after pydicom 2.3's dictionary
      known++;
      expect(entry[1], uid).toBe('SOP Class');
      expect(squash(sopClassName(uid)!.replace(' (Retired)', '')), uid).toBe(squash(entry[0]));
      expect(sopClassName(uid)!.endsWith('(Retired)'), `${uid} retired`).toBe(entry[3] === 'Retired');
    }
    expect(known / all.length).toBeGreaterThan(0.85);
  });

  it('contains every storage SOP class pydicom 2.3 lists for the Storage Service Class', () => {
    // pydicom's dictionary mixes in other services; keep "... Storage" SOP classes under 1.2.840.10008.5.1.4.1.1.
    const missing = Object.entries(pydicom)
      .filter(([uid, [, type]]) => type === 'SOP Class' && uid.startsWith('1.2.840.10008.5.1.4.1.1.'))
      .filter(([, [name]]) => / Storage( - |$| \(Retired\)|- For)/.test(name) || /Storage$/.test(name))
      .filter(
        ([uid]) =>
          !uid.startsWith('1.2.840.10008.5.1.4.1.1.501') && !uid.startsWith('1.2.840.10008.5.1.4.1.1.601'),
      )
      .filter(([uid]) => !isStorageSopClass(uid))
      .map(([uid, [name]]) => `${uid} ${name}`);
    expect(missing).toEqual([]);
  });

  it('classifies storage and non-storage SOP classes', () => {
    expect(isStorageSopClass(SopClass.CtImageStorage)).toBe(true);
    expect(isStorageSopClass('1.2.840.10008.5.1.4.1.1.9.1.1')).toBe(true);
    expect(isStorageSopClass(SopClass.Verification)).toBe(false);
    expect(isStorageSopClass(SopClass.StudyRootQueryRetrieveFind)).toBe(false);
    expect(isStorageSopClass('1.2.840.10008.5.1.4.1.1.2\0')).toBe(false);
    for (const uid of Object.values(QUERY_RETRIEVE_SOP_CLASSES).flat())
      expect(sopClassName(uid)).toBeDefined();
  });
});
