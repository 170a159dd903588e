import { createRequire } from 'node:module';
import type dcmjsModule from 'dcmjs';
import { parseTag, type Tag } from './tag.js';
import { isVr, type Vr } from './vr.js';

/** One entry of the PS3.6 data dictionary (from dcmjs's copy of it). */
export interface DictionaryEntry {
  readonly tag: Tag;
  readonly keyword: string;
  /** The VR used when the data set does not say (implicit VR); the first of `xs`/`ox`-style choices. */
  readonly vr: Vr | undefined;
  readonly vm: string;
  readonly retired: boolean;
  /**
   * Set when PS3.6 gives a choice of VRs: 'US or SS' (decided by Pixel Representation), 'OB or OW'
   * (by Bits Allocated), 'US or OW' (LUT data). `vr` then holds the first choice.
   */
  readonly vrChoice: 'US or SS' | 'OB or OW' | 'US or OW' | undefined;
}

/** dcmjs's pseudo VRs for "one of several" -> the one to assume. */
const AMBIGUOUS_VR: Record<string, Vr> = { ox: 'OW', xs: 'US', up: 'UL', lt: 'OW' };
const VR_CHOICE: Record<string, DictionaryEntry['vrChoice']> = {
  ox: 'OB or OW',
  xs: 'US or SS',
  lt: 'US or OW',
};

let byTag: Map<Tag, DictionaryEntry> | undefined;
let byKeyword: Map<string, DictionaryEntry> | undefined;

/**
 * dcmjs (1.3 MB of JavaScript) is loaded on the first lookup, not with the library: an SCU tool or a
 * service that never reads a data set's elements does not pay for it at start.
 */
function loadDcmjs(): typeof dcmjsModule {
  return createRequire(import.meta.url)('dcmjs') as typeof dcmjsModule;
}

function load(): void {
  const dcmjs = loadDcmjs();
  byTag = new Map();
  byKeyword = new Map();
  for (const [name, entry] of Object.entries(dcmjs.data.DicomMetaDictionary.nameMap)) {
    const t = parseTag(entry.tag);
    if (t === undefined) continue; // repeating groups such as (60xx,0010) are not in nameMap
    const retired = name.startsWith('RETIRED_') || entry.version === 'DicomRetired';
    const keyword = name.replace(/^RETIRED_/, '');
    const vr = isVr(entry.vr) ? entry.vr : AMBIGUOUS_VR[entry.vr];
    const vrChoice = VR_CHOICE[entry.vr];
    const e: DictionaryEntry = Object.freeze({ tag: t, keyword, vr, vm: entry.vm, retired, vrChoice });
    if (!byTag.has(t) || !retired) byTag.set(t, e);
    if (!byKeyword.has(keyword) || !retired) byKeyword.set(keyword, e);
  }
}

/** Load the dictionary now (a service does it at start, so its first request does not wait for dcmjs). */
export function loadDictionary(): void {
  if (!byTag) load();
}

/** The dictionary entry of a tag or keyword, undefined for private and unknown tags. */
export function lookupElement(tagOrKeyword: Tag | string): DictionaryEntry | undefined {
  if (!byTag) load();
  if (typeof tagOrKeyword === 'number') {
    const direct = byTag!.get(tagOrKeyword);
    if (direct) return direct;
    const group = tagOrKeyword >>> 16;
    if ((group & 0xff01) === 0x6000 || (group & 0xff01) === 0x5000) {
      // Repeating groups (60xx overlays, 50xx curves): the dictionary holds them under group 6000/5000.
      const base = byTag!.get((((group & 0xff00) << 16) | (tagOrKeyword & 0xffff)) >>> 0);
      if (base) return { ...base, tag: tagOrKeyword };
    }
    if ((tagOrKeyword & 0xffff) === 0) {
      return Object.freeze({
        tag: tagOrKeyword,
        keyword: 'GenericGroupLength',
        vr: 'UL',
        vm: '1',
        retired: false,
        vrChoice: undefined,
      });
    }
    return undefined;
  }
  return byKeyword!.get(tagOrKeyword);
}

export function tagForKeyword(keyword: string): Tag | undefined {
  return lookupElement(keyword)?.tag;
}
export function keywordForTag(t: Tag): string | undefined {
  return lookupElement(t)?.keyword;
}
/** The dictionary VR of a tag (what implicit VR data sets rely on), undefined if unknown. */
export function vrForTag(t: Tag): Vr | undefined {
  return lookupElement(t)?.vr;
}
