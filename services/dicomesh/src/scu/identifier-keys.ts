/** `-k` keys to an identifier: keywords or `gggg,eeee` tags; multiple values separated by a backslash. */
import type { Identifier } from '@dicomesh/dicom';

export function identifierFromKeys(keys: ReadonlyArray<readonly [string, string]>): Identifier {
  const identifier: Identifier = {};
  for (const [key, value] of keys) {
    const name = /^[0-9a-fA-F]{4},[0-9a-fA-F]{4}$/.test(key) ? key.replace(',', '').toUpperCase() : key;
    identifier[name] = value === '' ? null : value.includes('\\') ? value.split('\\') : value;
  }
  return identifier;
}
