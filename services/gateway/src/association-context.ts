/** The association facts every backend call carries (the proto's AssociationContext). */
import type { Association } from '@dicomesh/dicom-ul';
import { AssociationContext } from '@dicomesh/rpc';

export function associationContext(association: Association, messageId: number): AssociationContext {
  return AssociationContext.fromPartial({
    associationId: association.id,
    callingAeTitle: association.negotiated.callingAeTitle,
    calledAeTitle: association.negotiated.calledAeTitle,
    remoteAddress: `${association.remoteAddress}:${association.remotePort}`,
    messageId,
  });
}
