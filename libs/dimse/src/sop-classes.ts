/**
 * SOP Class UIDs the DIMSE layer negotiates (PS3.4, PS3.6 Table A-1): verification, query/retrieve
 * information models, and the common storage SOP classes of PS3.4 Annex B by name. The full storage list
 * comes from `@dicomesh/dicom`; `isStorageSopClass` also accepts new classes under the storage arc.
 */

import { isStorageSopClass as isKnownStorageSopClass, STORAGE_SOP_CLASS_UIDS } from '@dicomesh/dicom';

export const VerificationSopClass = '1.2.840.10008.1.1';

export const QueryRetrieveSopClass = {
  PatientRootFind: '1.2.840.10008.5.1.4.1.2.1.1',
  PatientRootMove: '1.2.840.10008.5.1.4.1.2.1.2',
  PatientRootGet: '1.2.840.10008.5.1.4.1.2.1.3',
  StudyRootFind: '1.2.840.10008.5.1.4.1.2.2.1',
  StudyRootMove: '1.2.840.10008.5.1.4.1.2.2.2',
  StudyRootGet: '1.2.840.10008.5.1.4.1.2.2.3',
  PatientStudyOnlyFind: '1.2.840.10008.5.1.4.1.2.3.1',
  PatientStudyOnlyMove: '1.2.840.10008.5.1.4.1.2.3.2',
  PatientStudyOnlyGet: '1.2.840.10008.5.1.4.1.2.3.3',
  ModalityWorklistFind: '1.2.840.10008.5.1.4.31',
} as const;
export type QueryRetrieveSopClass = (typeof QueryRetrieveSopClass)[keyof typeof QueryRetrieveSopClass];

/** Query/retrieve information models, as the SCU names them: `find('study', ...)`. */
export const QueryRetrieveModel = {
  patient: {
    find: QueryRetrieveSopClass.PatientRootFind,
    move: QueryRetrieveSopClass.PatientRootMove,
    get: QueryRetrieveSopClass.PatientRootGet,
  },
  study: {
    find: QueryRetrieveSopClass.StudyRootFind,
    move: QueryRetrieveSopClass.StudyRootMove,
    get: QueryRetrieveSopClass.StudyRootGet,
  },
} as const;
export type QueryRetrieveModel = keyof typeof QueryRetrieveModel;

/** Storage SOP classes (PS3.4 Annex B, PS3.6 Table A-1): the common ones, by name. */
export const StorageSopClass = {
  ComputedRadiographyImage: '1.2.840.10008.5.1.4.1.1.1',
  DigitalXRayImageForPresentation: '1.2.840.10008.5.1.4.1.1.1.1',
  DigitalXRayImageForProcessing: '1.2.840.10008.5.1.4.1.1.1.1.1',
  DigitalMammographyXRayImageForPresentation: '1.2.840.10008.5.1.4.1.1.1.2',
  DigitalMammographyXRayImageForProcessing: '1.2.840.10008.5.1.4.1.1.1.2.1',
  DigitalIntraOralXRayImageForPresentation: '1.2.840.10008.5.1.4.1.1.1.3',
  CtImage: '1.2.840.10008.5.1.4.1.1.2',
  EnhancedCtImage: '1.2.840.10008.5.1.4.1.1.2.1',
  UltrasoundMultiFrameImage: '1.2.840.10008.5.1.4.1.1.3.1',
  MrImage: '1.2.840.10008.5.1.4.1.1.4',
  EnhancedMrImage: '1.2.840.10008.5.1.4.1.1.4.1',
  MrSpectroscopy: '1.2.840.10008.5.1.4.1.1.4.2',
  UltrasoundImage: '1.2.840.10008.5.1.4.1.1.6.1',
  EnhancedUsVolume: '1.2.840.10008.5.1.4.1.1.6.2',
  SecondaryCaptureImage: '1.2.840.10008.5.1.4.1.1.7',
  MultiFrameGrayscaleByteSecondaryCaptureImage: '1.2.840.10008.5.1.4.1.1.7.2',
  MultiFrameGrayscaleWordSecondaryCaptureImage: '1.2.840.10008.5.1.4.1.1.7.3',
  MultiFrameTrueColorSecondaryCaptureImage: '1.2.840.10008.5.1.4.1.1.7.4',
  TwelveLeadEcgWaveform: '1.2.840.10008.5.1.4.1.1.9.1.1',
  GeneralEcgWaveform: '1.2.840.10008.5.1.4.1.1.9.1.2',
  AmbulatoryEcgWaveform: '1.2.840.10008.5.1.4.1.1.9.1.3',
  HemodynamicWaveform: '1.2.840.10008.5.1.4.1.1.9.2.1',
  BasicVoiceAudioWaveform: '1.2.840.10008.5.1.4.1.1.9.4.1',
  GrayscaleSoftcopyPresentationState: '1.2.840.10008.5.1.4.1.1.11.1',
  XRayAngiographicImage: '1.2.840.10008.5.1.4.1.1.12.1',
  EnhancedXaImage: '1.2.840.10008.5.1.4.1.1.12.1.1',
  XRayRadiofluoroscopicImage: '1.2.840.10008.5.1.4.1.1.12.2',
  XRay3dAngiographicImage: '1.2.840.10008.5.1.4.1.1.13.1.1',
  BreastTomosynthesisImage: '1.2.840.10008.5.1.4.1.1.13.1.3',
  NuclearMedicineImage: '1.2.840.10008.5.1.4.1.1.20',
  ParametricMap: '1.2.840.10008.5.1.4.1.1.30',
  RawData: '1.2.840.10008.5.1.4.1.1.66',
  SpatialRegistration: '1.2.840.10008.5.1.4.1.1.66.1',
  SpatialFiducials: '1.2.840.10008.5.1.4.1.1.66.2',
  Segmentation: '1.2.840.10008.5.1.4.1.1.66.4',
  SurfaceSegmentation: '1.2.840.10008.5.1.4.1.1.66.5',
  VlEndoscopicImage: '1.2.840.10008.5.1.4.1.1.77.1.1',
  VlMicroscopicImage: '1.2.840.10008.5.1.4.1.1.77.1.2',
  VlPhotographicImage: '1.2.840.10008.5.1.4.1.1.77.1.4',
  OphthalmicPhotography8BitImage: '1.2.840.10008.5.1.4.1.1.77.1.5.1',
  VlWholeSlideMicroscopyImage: '1.2.840.10008.5.1.4.1.1.77.1.6',
  BasicTextSr: '1.2.840.10008.5.1.4.1.1.88.11',
  EnhancedSr: '1.2.840.10008.5.1.4.1.1.88.22',
  ComprehensiveSr: '1.2.840.10008.5.1.4.1.1.88.33',
  Comprehensive3dSr: '1.2.840.10008.5.1.4.1.1.88.34',
  KeyObjectSelectionDocument: '1.2.840.10008.5.1.4.1.1.88.59',
  MammographyCadSr: '1.2.840.10008.5.1.4.1.1.88.50',
  XRayRadiationDoseSr: '1.2.840.10008.5.1.4.1.1.88.67',
  EncapsulatedPdf: '1.2.840.10008.5.1.4.1.1.104.1',
  EncapsulatedCda: '1.2.840.10008.5.1.4.1.1.104.2',
  PositronEmissionTomographyImage: '1.2.840.10008.5.1.4.1.1.128',
  EnhancedPetImage: '1.2.840.10008.5.1.4.1.1.130',
  RtImage: '1.2.840.10008.5.1.4.1.1.481.1',
  RtDose: '1.2.840.10008.5.1.4.1.1.481.2',
  RtStructureSet: '1.2.840.10008.5.1.4.1.1.481.3',
  RtBeamsTreatmentRecord: '1.2.840.10008.5.1.4.1.1.481.4',
  RtPlan: '1.2.840.10008.5.1.4.1.1.481.5',
  RtBrachyTreatmentRecord: '1.2.840.10008.5.1.4.1.1.481.6',
  RtTreatmentSummaryRecord: '1.2.840.10008.5.1.4.1.1.481.7',
  RtIonPlan: '1.2.840.10008.5.1.4.1.1.481.8',
  RtIonBeamsTreatmentRecord: '1.2.840.10008.5.1.4.1.1.481.9',
} as const;
export type StorageSopClass = (typeof StorageSopClass)[keyof typeof StorageSopClass];

/** Every storage SOP class of PS3.6 Table A-1 (the table of `@dicomesh/dicom`). */
export const STORAGE_SOP_CLASSES: readonly string[] = STORAGE_SOP_CLASS_UIDS;

/**
 * True for a listed storage SOP class, or any UID under the storage arc 1.2.840.10008.5.1.4.1.1 (new
 * storage classes keep being added there), or a private UID when `acceptUnknown` is set.
 */
export function isStorageSopClass(uid: string, acceptUnknown = false): boolean {
  if (isKnownStorageSopClass(uid)) return true;
  if (uid.startsWith('1.2.840.10008.5.1.4.1.1.')) return true;
  return acceptUnknown && !uid.startsWith('1.2.840.10008.');
}
