import { lookupElement } from './dictionary.js';
import { DicomEncodeError } from './errors.js';
import type { Identifier, IdentifierValue } from './identifier.js';
import { parseTag, tagToHex } from './tag.js';
import { isVr, type Vr } from './vr.js';

/** One attribute in the DICOM JSON Model (PS3.18 F.2). */
export interface DicomJsonAttribute {
  readonly vr: Vr;
  readonly Value?: readonly unknown[];
  readonly InlineBinary?: string;
}
/** A data set in the DICOM JSON Model: `GGGGEEEE` -> attribute. */
export type DicomJson = { [tag: string]: DicomJsonAttribute };

export interface PersonNameJson {
  readonly Alphabetic?: string;
  readonly Ideographic?: string;
  readonly Phonetic?: string;
}

const PN_GROUPS = ['Alphabetic', 'Ideographic', 'Phonetic'] as const;

function personName(value: string): PersonNameJson {
  const out: Record<string, string> = {};
  value.split('=').forEach((group, i) => {
    const key = PN_GROUPS[i];
    if (key && group !== '') out[key] = group;
  });
  return out;
}

function vrOf(key: string, vrs: Readonly<Record<string, Vr>> | undefined): { tag: string; vr: Vr } {
  const entry = lookupElement(key);
  if (entry?.vr) return { tag: tagToHex(entry.tag), vr: entry.vr };
  const t = parseTag(key);
  if (t === undefined) throw new DicomEncodeError('unknown attribute keyword', key);
  return { tag: tagToHex(t), vr: vrs?.[key] ?? lookupElement(t)?.vr ?? 'UN' };
}

/**
 * An identifier (as decoded by `decodeIdentifier`, or a header's `attributes`) in the DICOM JSON
 * Model: PN as {Alphabetic, Ideographic, Phonetic}, bytes as InlineBinary (base64), AT as hex
 * strings, empty values without `Value`.
 */
export function toDicomJson(identifier: Identifier, vrs?: Readonly<Record<string, Vr>>): DicomJson {
  const out: DicomJson = {};
  const keys = Object.keys(identifier).map((key) => ({ key, ...vrOf(key, vrs) }));
  keys.sort((a, b) => (a.tag < b.tag ? -1 : 1));
  for (const { key, tag, vr } of keys) {
    const value = identifier[key] as IdentifierValue;
    if (value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
      out[tag] = { vr };
    } else if (value instanceof Uint8Array) {
      out[tag] = { vr, InlineBinary: Buffer.from(value).toString('base64') };
    } else if (vr === 'SQ') {
      const items = value as readonly Identifier[];
      out[tag] = { vr, Value: items.map((item) => toDicomJson(item, vrs)) };
    } else {
      const values: readonly (string | number | bigint)[] = Array.isArray(value) ? value : [value as string];
      const mapped = values.map((v) => {
        if (vr === 'PN') return personName(String(v));
        if (vr === 'AT') return typeof v === 'number' ? tagToHex(v) : String(v);
        if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
        return v;
      });
      out[tag] = { vr, Value: mapped };
    }
  }
  return out;
}

/** The inverse of `toDicomJson`: keyword-keyed (hex for private/unknown tags) identifier. */
export function fromDicomJson(json: DicomJson): Identifier {
  const out: Identifier = {};
  for (const [hex, attribute] of Object.entries(json)) {
    const t = parseTag(hex);
    if (t === undefined || !isVr(attribute.vr)) throw new DicomEncodeError('not a DICOM JSON attribute', hex);
    const key = lookupElement(t)?.keyword ?? hex;
    if (attribute.InlineBinary !== undefined) {
      out[key] = new Uint8Array(Buffer.from(attribute.InlineBinary, 'base64'));
      continue;
    }
    const values = attribute.Value ?? [];
    if (values.length === 0) {
      out[key] = null;
    } else if (attribute.vr === 'SQ') {
      out[key] = values.map((item) => fromDicomJson(item as DicomJson));
    } else {
      const mapped = values.map((v) => {
        if (attribute.vr === 'PN') {
          const pn = v as PersonNameJson;
          return [pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''].join('=').replace(/=+$/, '');
        }
        if (attribute.vr === 'AT') return parseTag(String(v)) ?? Number.NaN;
        return v as string | number;
      });
      out[key] = (mapped.length === 1 ? mapped[0]! : mapped) as IdentifierValue;
    }
  }
  return out;
}
