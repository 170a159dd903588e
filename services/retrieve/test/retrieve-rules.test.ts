/** The pure rules of a retrieve: identifiers (C.4.2.2.1), the SQL they become, counts and final statuses, syntax choice. */
import { encodeIdentifier, type Identifier } from '@dicomesh/dicom';
import { InformationModel } from '@dicomesh/rpc';
import { describe, expect, it } from 'vitest';
import {
  buildRetrieveSql,
  chooseSyntax,
  MAX_SUB_OPERATIONS,
  modelOf,
  parseRetrieveKeys,
  proposedContexts,
  RetrieveFailedError,
  RetrieveModel,
  SubOperationTally,
} from '../src/index.js';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.70';
const CT = '1.2.840.10008.5.1.4.1.1.2';

const keys = (identifier: Identifier, model: RetrieveModel = RetrieveModel.StudyRoot) =>
  parseRetrieveKeys(encodeIdentifier(identifier, EXPLICIT_LE), EXPLICIT_LE, model);

function refusal(run: () => unknown): RetrieveFailedError {
  try {
    run();
  } catch (error) {
    if (error instanceof RetrieveFailedError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('retrieve identifiers', () => {
  it('takes the model from the SOP class when the gateway did not name it', () => {
    expect(modelOf('1.2.840.10008.5.1.4.1.2.1.2', InformationModel.INFORMATION_MODEL_UNSPECIFIED)).toBe(
      RetrieveModel.PatientRoot,
    );
    expect(modelOf('1.2.840.10008.5.1.4.1.2.2.3', InformationModel.INFORMATION_MODEL_UNSPECIFIED)).toBe(
      RetrieveModel.StudyRoot,
    );
    expect(refusal(() => modelOf('1.2.3', InformationModel.INFORMATION_MODEL_UNSPECIFIED)).status).toBe(
      0xa900,
    );
  });

  it('reads a list of UIDs at the retrieve level and single unique keys above it', () => {
    const parsed = keys({
      QueryRetrieveLevel: 'IMAGE',
      StudyInstanceUID: '1.2.3',
      SeriesInstanceUID: '1.2.3.4',
      SOPInstanceUID: ['1.2.3.4.5', '1.2.3.4.6'],
    });
    expect(parsed.level).toBe('IMAGE');
    expect(parsed.conditions).toEqual([
      { level: 'STUDY', values: ['1.2.3'] },
      { level: 'SERIES', values: ['1.2.3.4'] },
      { level: 'IMAGE', values: ['1.2.3.4.5', '1.2.3.4.6'] },
    ]);
  });

  it('refuses with A900 and the offending element', () => {
    expect(refusal(() => keys({ StudyInstanceUID: '1.2.3' })).offendingElements).toEqual([0x00080052]);
    const noKey = refusal(() => keys({ QueryRetrieveLevel: 'SERIES', StudyInstanceUID: '1.2.3' }));
    expect(noKey.status).toBe(0xa900);
    expect(noKey.offendingElements).toEqual([0x0020000e]);
    const patientInStudyRoot = refusal(() => keys({ QueryRetrieveLevel: 'PATIENT', PatientID: 'P' }));
    expect(patientInStudyRoot.status).toBe(0xa900);
    const listAbove = refusal(() =>
      keys({ QueryRetrieveLevel: 'SERIES', StudyInstanceUID: ['1.2', '1.3'], SeriesInstanceUID: '1.2.3' }),
    );
    expect(listAbove.offendingElements).toEqual([0x0020000d]);
  });

  it('becomes one query with a condition per unique key, capped one past 65535', () => {
    const sql = buildRetrieveSql(
      keys({ QueryRetrieveLevel: 'PATIENT', PatientID: 'P1' }, RetrieveModel.PatientRoot),
    );
    expect(sql.text).toContain('p.patient_id = ANY($1::text[])');
    expect(sql.params).toEqual([['P1'], MAX_SUB_OPERATIONS + 1]);
  });
});

describe('counts and final statuses', () => {
  it('Success, B000 with the failed list, A702 when all failed, FE00 with what remains', () => {
    const ok = new SubOperationTally(2);
    ok.record('a', 0);
    ok.record('b', 0);
    expect(ok.final(false)).toMatchObject({ status: 0, counts: { remaining: 0, completed: 2 } });

    const some = new SubOperationTally(3);
    some.record('a', 0);
    some.record('b', 0xa700);
    some.record('c', 0xb007);
    expect(some.final(false, 'why')).toMatchObject({
      status: 0xb000,
      counts: { completed: 1, failed: 1, warning: 1 },
      failedSopInstanceUids: ['b'],
    });

    const none = new SubOperationTally(2);
    none.record('a', 0xa702);
    none.record('b', 0xc000);
    expect(none.final(false).status).toBe(0xa702);

    const cancelled = new SubOperationTally(5);
    cancelled.record('a', 0);
    expect(cancelled.final(true)).toMatchObject({ status: 0xfe00, counts: { remaining: 4, completed: 1 } });
  });
});

describe('transfer syntax choice', () => {
  it('proposes each stored syntax in its own context, then the uncompressed ones where convertible', () => {
    const contexts = proposedContexts([
      { sopClassUid: CT, transferSyntaxUid: JPEG_LOSSLESS },
      { sopClassUid: CT, transferSyntaxUid: EXPLICIT_LE },
      { sopClassUid: CT, transferSyntaxUid: EXPLICIT_LE },
    ]);
    expect(contexts).toEqual([
      { abstractSyntax: CT, transferSyntaxes: [JPEG_LOSSLESS] },
      { abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE] },
      { abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE, IMPLICIT_LE, EXPLICIT_BE] },
    ]);
  });

  it('sends as stored when accepted, converts between native syntaxes, else none', () => {
    const accepted = [{ sopClassUid: CT, transferSyntaxUid: IMPLICIT_LE }];
    expect(chooseSyntax({ sopClassUid: CT, transferSyntaxUid: IMPLICIT_LE }, accepted)).toBe(IMPLICIT_LE);
    expect(chooseSyntax({ sopClassUid: CT, transferSyntaxUid: EXPLICIT_BE }, accepted)).toBe(IMPLICIT_LE);
    expect(chooseSyntax({ sopClassUid: CT, transferSyntaxUid: JPEG_LOSSLESS }, accepted)).toBeUndefined();
    expect(chooseSyntax({ sopClassUid: '1.2.3', transferSyntaxUid: IMPLICIT_LE }, accepted)).toBeUndefined();
  });
});
