/** A DIMSE status as operators read it: `0xA801 Failure (Move destination unknown)`. */
import { formatStatus, StatusCategory, statusCategory, statusMeaning } from '@dicomesh/dimse';

export function statusText(status: number): string {
  return `${formatStatus(status)} ${statusCategory(status)} (${statusMeaning(status)})`;
}

/** Success or warning: the tool exits 0. */
export function succeeded(status: number): boolean {
  const category = statusCategory(status);
  return category === StatusCategory.Success || category === StatusCategory.Warning;
}
