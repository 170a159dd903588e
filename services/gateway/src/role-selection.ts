/**
 * SCP/SCU role selection (PS3.7 D.3.3.4) answered by the acceptor. A C-GET requestor proposes the SCP
 * role for the storage SOP classes it wants to receive: we accept it there (so the sub-operations can go
 * back on its association) and nowhere else; the SCU role is accepted as proposed.
 */
import { isStorageSopClass } from '@dicomesh/dicom';

export function selectRole(
  abstractSyntax: string,
  proposed: { scu: boolean; scp: boolean },
): { scu: boolean; scp: boolean } {
  return { scu: proposed.scu, scp: proposed.scp && isStorageSopClass(abstractSyntax) };
}
