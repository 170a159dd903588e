import { TextDecoder } from 'node:util';
import type { Vr } from './vr.js';

/**
 * Specific Character Set (0008,0005) decoding and encoding: PS3.3 C.12.1.1.2 and PS3.5 6.1.
 *
 * A decoder state is the pair (G0, G1) of ISO 2022 graphic sets. Bytes below 0x80 are read with G0,
 * bytes from 0x80 with G1. Escape sequences designate new sets; delimiters (and, for PN, '^' and '=')
 * return to the sets of value 1, as the standard requires encoders to do before them.
 */

/** A G0 set: how bytes 0x00-0x7F are read. */
type G0 = 'ascii' | 'jis-x-0201-romaji' | 'jis-x-0208' | 'jis-x-0212';

export interface CharacterSetTerm {
  readonly g0: G0;
  /** TextDecoder label for bytes >= 0x80 (and, for single-byte sets, ASCII below), or 'latin1' (exact). */
  readonly g1: string | undefined;
  /** Code extensions allowed (ISO 2022 terms). */
  readonly iso2022: boolean;
  /** Not ISO 2022 at all: the whole value is decoded with `g1` (UTF-8, GB18030, GBK). */
  readonly wholeValue: boolean;
  /** The escape sequence (without ESC) that designates this set. */
  readonly escapeSequence: string | undefined;
}

const term = (
  g0: G0,
  g1: string | undefined,
  iso2022: boolean,
  escapeSequence?: string,
  wholeValue = false,
): CharacterSetTerm => ({ g0, g1, iso2022, escapeSequence, wholeValue });

/** Defined Terms of PS3.3 Tables C.12-2 to C.12-5. */
export const CHARACTER_SET_TERMS: Readonly<Record<string, CharacterSetTerm>> = {
  '': term('ascii', undefined, false),
  'ISO_IR 6': term('ascii', undefined, false),
  'ISO_IR 100': term('ascii', 'latin1', false),
  'ISO_IR 101': term('ascii', 'iso-8859-2', false),
  'ISO_IR 109': term('ascii', 'iso-8859-3', false),
  'ISO_IR 110': term('ascii', 'iso-8859-4', false),
  'ISO_IR 144': term('ascii', 'iso-8859-5', false),
  'ISO_IR 127': term('ascii', 'iso-8859-6', false),
  'ISO_IR 126': term('ascii', 'iso-8859-7', false),
  'ISO_IR 138': term('ascii', 'iso-8859-8', false),
  'ISO_IR 148': term('ascii', 'iso-8859-9', false),
  'ISO_IR 203': term('ascii', 'iso-8859-15', false),
  'ISO_IR 13': term('jis-x-0201-romaji', 'shift_jis', false),
  'ISO_IR 166': term('ascii', 'windows-874', false),
  'ISO 2022 IR 6': term('ascii', undefined, true, '(B'),
  'ISO 2022 IR 100': term('ascii', 'latin1', true, '-A'),
  'ISO 2022 IR 101': term('ascii', 'iso-8859-2', true, '-B'),
  'ISO 2022 IR 109': term('ascii', 'iso-8859-3', true, '-C'),
  'ISO 2022 IR 110': term('ascii', 'iso-8859-4', true, '-D'),
  'ISO 2022 IR 144': term('ascii', 'iso-8859-5', true, '-L'),
  'ISO 2022 IR 127': term('ascii', 'iso-8859-6', true, '-G'),
  'ISO 2022 IR 126': term('ascii', 'iso-8859-7', true, '-F'),
  'ISO 2022 IR 138': term('ascii', 'iso-8859-8', true, '-H'),
  'ISO 2022 IR 148': term('ascii', 'iso-8859-9', true, '-M'),
  'ISO 2022 IR 203': term('ascii', 'iso-8859-15', true, '-b'),
  'ISO 2022 IR 13': term('jis-x-0201-romaji', 'shift_jis', true, ')I'),
  'ISO 2022 IR 166': term('ascii', 'windows-874', true, '-T'),
  'ISO 2022 IR 87': term('jis-x-0208', undefined, true, '$B'),
  'ISO 2022 IR 159': term('jis-x-0212', undefined, true, '$(D'),
  'ISO 2022 IR 149': term('ascii', 'euc-kr', true, '$)C'),
  'ISO 2022 IR 58': term('ascii', 'gb18030', true, '$)A'),
  'ISO_IR 192': term('ascii', 'utf-8', false, undefined, true),
  GB18030: term('ascii', 'gb18030', false, undefined, true),
  GBK: term('ascii', 'gbk', false, undefined, true),
};

/** What each escape sequence (after ESC) designates: a G0 or a G1 set. */
const ESCAPES: Readonly<Record<string, { g0?: G0; g1?: string | undefined }>> = {
  '(B': { g0: 'ascii' },
  '(J': { g0: 'jis-x-0201-romaji' },
  ')I': { g1: 'shift_jis' },
  $B: { g0: 'jis-x-0208' },
  '$@': { g0: 'jis-x-0208' },
  '$(D': { g0: 'jis-x-0212' },
  '$)C': { g1: 'euc-kr' },
  '$)A': { g1: 'gb18030' },
  '-A': { g1: 'latin1' },
  '-B': { g1: 'iso-8859-2' },
  '-C': { g1: 'iso-8859-3' },
  '-D': { g1: 'iso-8859-4' },
  '-L': { g1: 'iso-8859-5' },
  '-G': { g1: 'iso-8859-6' },
  '-F': { g1: 'iso-8859-7' },
  '-H': { g1: 'iso-8859-8' },
  '-M': { g1: 'iso-8859-9' },
  '-b': { g1: 'iso-8859-15' },
  '-T': { g1: 'windows-874' },
};

const ESC = 0x1b;
const decoders = new Map<string, TextDecoder>();
/** A cached TextDecoder (for this package's encoder too). */
export function decoder(label: string): TextDecoder {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  return d;
}

/** Normalise a Specific Character Set value as found in the wild ('ISO-IR 100', 'ISO_IR100', 'iso_ir 192'). */
export function normalizeCharacterSetTerm(value: string): string {
  const t = value.trim().toUpperCase();
  const m = /^ISO[ _-]?IR[ _-]?(\d+)$/.exec(t);
  if (m) return `ISO_IR ${m[1]}`;
  const m2 = /^ISO[ _-]?2022[ _-]?IR[ _-]?(\d+)$/.exec(t);
  if (m2) return `ISO 2022 IR ${m2[1]}`;
  return t;
}

/** The terms of a Specific Character Set that this module does not know (decoded as ISO_IR 100 then). */
export function unknownCharacterSetTerms(specificCharacterSet: readonly string[]): string[] {
  return specificCharacterSet.filter((v) => !(normalizeCharacterSetTerm(v) in CHARACTER_SET_TERMS));
}

function lookupTerm(value: string | undefined): CharacterSetTerm {
  if (value === undefined) return CHARACTER_SET_TERMS['']!;
  // pydicom's choice for unknown terms: Latin-1, which never fails.
  return CHARACTER_SET_TERMS[normalizeCharacterSetTerm(value)] ?? CHARACTER_SET_TERMS['ISO_IR 100']!;
}

/** ISO 8859-1 exactly (TextDecoder's 'latin1' is windows-1252). */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

function decodeWith(label: string | undefined, bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  if (label === undefined || label === 'latin1') return latin1(bytes);
  return decoder(label).decode(bytes);
}

/** Decode a run of bytes that all share one (G0, G1) state. */
function decodeRun(bytes: Uint8Array, g0: G0, g1: string | undefined): string {
  if (bytes.length === 0) return '';
  if (g0 === 'ascii') return decodeWith(g1, bytes);
  if (g0 === 'jis-x-0201-romaji') return decodeWith('shift_jis', bytes);
  // Multi-byte G0: split into 7-bit runs (pairs of G0) and 8-bit runs (G1).
  let out = '';
  let start = 0;
  while (start < bytes.length) {
    const high = bytes[start]! >= 0x80;
    let end = start;
    while (end < bytes.length && bytes[end]! >= 0x80 === high) end++;
    const run = bytes.subarray(start, end);
    if (high) out += decodeWith(g1, run);
    else if (g0 === 'jis-x-0208') {
      const wrapped = new Uint8Array(run.length + 6);
      wrapped.set([ESC, 0x24, 0x42]);
      wrapped.set(run, 3);
      wrapped.set([ESC, 0x28, 0x42], run.length + 3);
      out += decoder('iso-2022-jp').decode(wrapped);
    } else {
      // JIS X 0212 as EUC-JP: 0x8F, then each byte with the high bit set.
      const euc = new Uint8Array(Math.ceil(run.length / 2) * 3);
      let n = 0;
      for (let i = 0; i + 1 < run.length; i += 2) {
        euc[n++] = 0x8f;
        euc[n++] = run[i]! | 0x80;
        euc[n++] = run[i + 1]! | 0x80;
      }
      out += decoder('euc-jp').decode(euc.subarray(0, n));
    }
    start = end;
  }
  return out;
}

const LF = 0x0a;
const FF = 0x0c;
const CR = 0x0d;
const TAB = 0x09;
const BACKSLASH = 0x5c;
const CARET = 0x5e;
const EQUALS = 0x3d;

function isDelimiter(byte: number, vr: Vr | undefined): boolean {
  if (byte === BACKSLASH || byte === CR || byte === LF || byte === TAB || byte === FF) return true;
  return vr === 'PN' && (byte === CARET || byte === EQUALS);
}

/**
 * Decode a text value's bytes (the whole value, all its `\`-separated values) given the data set's
 * Specific Character Set values. Never throws: unknown terms decode as ISO_IR 100, bytes a decoder
 * does not know become U+FFFD. Padding is not removed.
 */
export function decodeText(bytes: Uint8Array, specificCharacterSet: readonly string[] = [], vr?: Vr): string {
  const first = lookupTerm(specificCharacterSet[0]);
  const codeExtensions = specificCharacterSet.length > 1 || first.iso2022;
  if (first.wholeValue || !codeExtensions) {
    return first.g0 === 'ascii' ? decodeWith(first.g1, bytes) : decodeRun(bytes, first.g0, first.g1);
  }
  const initialG0 = first.g0;
  const initialG1 = first.g1;
  let g0 = initialG0;
  let g1 = initialG1;
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === ESC) {
      const escapeSequence = readEscape(bytes, i + 1);
      if (escapeSequence) {
        out += decodeRun(bytes.subarray(runStart, i), g0, g1);
        const designation = ESCAPES[escapeSequence]!;
        if (designation.g0) g0 = designation.g0;
        if ('g1' in designation) g1 = designation.g1;
        i += 1 + escapeSequence.length;
        runStart = i;
        continue;
      }
    } else if (b < 0x80 && (g0 === 'ascii' || g0 === 'jis-x-0201-romaji') && isDelimiter(b, vr)) {
      out += decodeRun(bytes.subarray(runStart, i), g0, g1);
      out += String.fromCharCode(b);
      g0 = initialG0;
      g1 = initialG1;
      runStart = i + 1;
    }
    i++;
  }
  out += decodeRun(bytes.subarray(runStart), g0, g1);
  return out;
}

function readEscape(bytes: Uint8Array, at: number): string | undefined {
  for (const length of [2, 3]) {
    if (at + length > bytes.length) return undefined;
    const candidate = String.fromCharCode(...bytes.subarray(at, at + length));
    if (candidate in ESCAPES) return candidate;
  }
  return undefined;
}
