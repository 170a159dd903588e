/**
 * dicomesh's Implementation Class UID (PS3.7 D.3.3.2). It lives under the 2.25 arc (ITU-T X.667: a UID made
 * from a UUID, PS3.5 B.2), which needs no registration: the integer is a random UUID generated once for
 * dicomesh and fixed here. Change it only if the implementation's DICOM behaviour changes incompatibly.
 */
export const DICOMESH_IMPLEMENTATION_CLASS_UID = '2.25.73809188641129256801451311214455290458';

/** Implementation Version Name (1-16 characters of the default repertoire). */
export const DICOMESH_IMPLEMENTATION_VERSION_NAME = 'DICOMESH_0.1.0';
