/**
 * A small archive with one of each thing the matching rules distinguish: three patients (one with a
 * Japanese name in three component groups), four studies over three years, CT/MR/US series, a
 * multi-valued Image Type, a Procedure Code Sequence, times written short (`0800`), and acquisition
 * date-times (DT) with a fraction and with a UTC offset.
 */
import type { InstanceRecord } from '@dicomesh/archive';
import type { Identifier } from '@dicomesh/dicom';
import { record } from './query-harness.js';

export const CT = '1.2.840.10008.5.1.4.1.1.2';
export const MR = '1.2.840.10008.5.1.4.1.1.4';
export const US = '1.2.840.10008.5.1.4.1.1.6.1';

export const UID = {
  study1: '1.2.826.0.1.3680043.10.1.1',
  study2: '1.2.826.0.1.3680043.10.1.2',
  study3: '1.2.826.0.1.3680043.10.1.3',
  study4: '1.2.826.0.1.3680043.10.1.4',
  series1: '1.2.826.0.1.3680043.10.2.1',
  series2: '1.2.826.0.1.3680043.10.2.2',
  series3: '1.2.826.0.1.3680043.10.2.3',
  series4: '1.2.826.0.1.3680043.10.2.4',
  series5: '1.2.826.0.1.3680043.10.2.5',
} as const;

const patients: Record<string, Identifier> = {
  doe: {
    PatientName: 'DOE^JOHN',
    PatientID: 'PID1',
    PatientBirthDate: '19700101',
    PatientSex: 'M',
    OtherPatientIDs: ['OLD-1', 'OLD-2'],
  },
  smith: { PatientName: 'Smith^Jane', PatientID: 'PID2', PatientBirthDate: '19851224', PatientSex: 'F' },
  yamada: {
    SpecificCharacterSet: 'ISO_IR 192',
    PatientName: 'Yamada^Tarou=山田^太郎=やまだ^たろう',
    PatientID: 'PID3',
    PatientBirthDate: '19600505',
    PatientSex: 'M',
  },
};

const studies: Record<string, Identifier> = {
  [UID.study1]: {
    StudyInstanceUID: UID.study1,
    StudyDate: '20200315',
    StudyTime: '101500',
    AccessionNumber: 'ACC1',
    StudyID: 'S1',
    StudyDescription: 'CHEST CT',
    ReferringPhysicianName: 'WELBY^MARCUS',
    ProcedureCodeSequence: [{ CodeValue: 'P1', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Chest' }],
  },
  [UID.study2]: {
    StudyInstanceUID: UID.study2,
    StudyDate: '20210620',
    StudyTime: '223000',
    AccessionNumber: 'ACC2',
    StudyID: 'S2',
    StudyDescription: 'HEAD',
    ProcedureCodeSequence: [{ CodeValue: 'P2', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Head' }],
  },
  [UID.study3]: {
    StudyInstanceUID: UID.study3,
    StudyDate: '20190101',
    StudyTime: '0800',
    AccessionNumber: 'ACC3',
    StudyID: 'S3',
  },
  [UID.study4]: {
    StudyInstanceUID: UID.study4,
    StudyDate: '20200701',
    StudyTime: '1230',
    AccessionNumber: 'ACC4',
    StudyID: 'S4',
  },
};

function instance(
  patient: Identifier,
  study: string,
  series: string,
  modality: string,
  seriesNumber: number,
  sopClassUid: string,
  n: number,
  extra: Identifier = {},
): InstanceRecord {
  return record({
    ...patient,
    ...studies[study],
    SeriesInstanceUID: series,
    Modality: modality,
    SeriesNumber: seriesNumber,
    SOPClassUID: sopClassUid,
    SOPInstanceUID: `${series}.${n}`,
    InstanceNumber: n,
    ...extra,
  });
}

/** 8 instances: doe (studies 1 and 2), smith (study 3), yamada (study 4). */
export function archive(): InstanceRecord[] {
  const { doe, smith, yamada } = patients as Record<'doe' | 'smith' | 'yamada', Identifier>;
  return [
    instance(doe, UID.study1, UID.series1, 'CT', 1, CT, 1, {
      ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      AcquisitionDateTime: '20200315101530.5',
    }),
    instance(doe, UID.study1, UID.series1, 'CT', 1, CT, 2, {
      ImageType: ['DERIVED', 'SECONDARY'],
      AcquisitionDateTime: '20200315102000+0100',
    }),
    instance(doe, UID.study1, UID.series2, 'MR', 2, MR, 1),
    instance(doe, UID.study2, UID.series3, 'CT', 1, CT, 1),
    instance(smith, UID.study3, UID.series4, 'US', 1, US, 1),
    instance(smith, UID.study3, UID.series4, 'US', 1, US, 2),
    instance(yamada, UID.study4, UID.series5, 'CT', 1, CT, 1),
    instance(yamada, UID.study4, UID.series5, 'CT', 1, CT, 2),
  ];
}
