/** A DIMSE status as operators read it: `0xA801 Failure (Move destination unknown)`. */
import {
  formatStatus,
  type ServiceClass,
  StatusCategory,
  statusCategory,
  statusMeaning,
} from '@dicomesh/dimse';

/** The service class decides what a code means (B000 is a coercion in storage, failures in a retrieve). */
export function statusText(status: number, serviceClass?: ServiceClass): string {
  return `${formatStatus(status)} ${statusCategory(status, serviceClass)} (${statusMeaning(status, serviceClass)})`;
}

/**
 * Success or warning: the tool exits 0. As with DCMTK's movescu and getscu, a retrieve that ends B000
 * (some sub-operations failed) is a warning: scripts read `failed` in the final JSON line.
 */
export function succeeded(status: number, serviceClass?: ServiceClass): boolean {
  const category = statusCategory(status, serviceClass);
  return category === StatusCategory.Success || category === StatusCategory.Warning;
}
