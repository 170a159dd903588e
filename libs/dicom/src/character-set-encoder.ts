import { TextEncoder } from 'node:util';
import { CHARACTER_SET_TERMS, decoder, latin1, normalizeCharacterSetTerm } from './character-set.js';
import { CharacterSetError } from './errors.js';
import type { Vr } from './vr.js';

/**
 * Encoding text into a Specific Character Set (PS3.5 6.1), the inverse of `decodeText`: UTF-8,
 * GBK-range GB18030, the single-byte sets, and ISO 2022 code extensions (Japanese IR 13/87/159,
 * Korean IR 149, Chinese IR 58, the ISO 8859 G1 sets) with escape sequences, switching back to the
 * sets of value 1 before each delimiter as the standard requires.
 */

const ESC = 0x1b;

/** One graphic set an encoder can designate; `encode` gives the bytes of the characters it adds (not ASCII for G1 sets). */
interface GraphicSet {
  readonly name: string;
  readonly designates: 'g0' | 'g1';
  readonly escapeSequence: readonly number[];
  encode(ch: string, code: number): readonly number[] | undefined;
}

type ReverseTable = Map<string, readonly number[]>;
const tables = new Map<string, ReverseTable>();

function table(key: string, build: (t: ReverseTable) => void): ReverseTable {
  let t = tables.get(key);
  if (!t) {
    t = new Map();
    build(t);
    tables.set(key, t);
  }
  return t;
}

/** Characters of a single-byte set's upper half (0x80-0xFF). */
function singleByte(label: string): ReverseTable {
  return table(label, (t) => {
    const all = Uint8Array.from({ length: 128 }, (_, i) => 0x80 + i);
    const decoded = label === 'latin1' ? latin1(all) : decoder(label).decode(all);
    if (decoded.length !== 128) return;
    for (let i = 0; i < 128; i++)
      if (decoded[i] !== '\ufffd' && !t.has(decoded[i]!)) t.set(decoded[i]!, [0x80 + i]);
  });
}

/** Characters of a 94x94 set, from decoding every pair with `decode` (first pair wins). */
function doubleByte(
  key: string,
  first: [number, number],
  second: [number, number],
  decode: (a: number, b: number) => string,
) {
  return table(key, (t) => {
    for (let a = first[0]; a <= first[1]; a++) {
      for (let b = second[0]; b <= second[1]; b++) {
        const ch = decode(a, b);
        if (ch.length === 1 && ch !== '\ufffd' && !t.has(ch)) t.set(ch, [a, b]);
      }
    }
  });
}

const eucJp = (bytes: number[]) => decoder('euc-jp').decode(Uint8Array.from(bytes));
const jisX0208 = () =>
  doubleByte('jis-x-0208', [0x21, 0x7e], [0x21, 0x7e], (a, b) => eucJp([a | 0x80, b | 0x80]));
const jisX0212 = () =>
  doubleByte('jis-x-0212', [0x21, 0x7e], [0x21, 0x7e], (a, b) => eucJp([0x8f, a | 0x80, b | 0x80]));
const ksX1001 = () =>
  doubleByte('ks-x-1001', [0xa1, 0xfe], [0xa1, 0xfe], (a, b) =>
    decoder('euc-kr').decode(Uint8Array.of(a, b)),
  );
const gb2312 = () =>
  doubleByte('gb2312', [0xa1, 0xf7], [0xa1, 0xfe], (a, b) => decoder('gb18030').decode(Uint8Array.of(a, b)));
const gbk = () =>
  doubleByte('gbk', [0x81, 0xfe], [0x40, 0xfe], (a, b) =>
    b === 0x7f ? '' : decoder('gb18030').decode(Uint8Array.of(a, b)),
  );
/** JIS X 0201 katakana (0xA1-0xDF), via Shift_JIS single bytes. */
const katakana = () =>
  table('jis-x-0201-katakana', (t) => {
    for (let b = 0xa1; b <= 0xdf; b++) t.set(decoder('shift_jis').decode(Uint8Array.of(b)), [b]);
  });

const ascii = (code: number) => (code < 0x80 ? [code] : undefined);
const esc = (designation: string) => [ESC, ...Array.from(designation, (c) => c.charCodeAt(0))];

function g1Set(name: string, designation: string, reverse: () => ReverseTable): GraphicSet {
  return {
    name,
    designates: 'g1',
    escapeSequence: esc(designation),
    encode: (ch) => reverse().get(ch),
  };
}

/** The graphic set of each ISO 2022 Defined Term. */
function graphicSet(term: string): GraphicSet | undefined {
  const info = CHARACTER_SET_TERMS[term];
  if (!info) return undefined;
  switch (term) {
    case '':
    case 'ISO_IR 6':
    case 'ISO 2022 IR 6':
      return { name: term, designates: 'g0', escapeSequence: esc('(B'), encode: (_, code) => ascii(code) };
    case 'ISO_IR 13':
    case 'ISO 2022 IR 13':
      return g1Set(term, ')I', katakana);
    case 'ISO 2022 IR 87':
      return { name: term, designates: 'g0', escapeSequence: esc('$B'), encode: (ch) => jisX0208().get(ch) };
    case 'ISO 2022 IR 159':
      return { name: term, designates: 'g0', escapeSequence: esc('$(D'), encode: (ch) => jisX0212().get(ch) };
    case 'ISO 2022 IR 149':
      return g1Set(term, '$)C', ksX1001);
    case 'ISO 2022 IR 58':
      return g1Set(term, '$)A', gb2312);
    default: {
      const label = info.g1;
      if (!info.escapeSequence && !term.startsWith('ISO_IR ')) return undefined;
      if (!label || info.wholeValue) return undefined;
      const designation =
        info.escapeSequence ?? CHARACTER_SET_TERMS[term.replace('ISO_IR ', 'ISO 2022 IR ')]?.escapeSequence;
      return designation ? g1Set(term, designation, () => singleByte(label)) : undefined;
    }
  }
}

const DELIMITERS = new Set(['\\', '\r', '\n', '\t', '\f']);
function isDelimiter(ch: string, vr: Vr | undefined): boolean {
  return DELIMITERS.has(ch) || (vr === 'PN' && (ch === '^' || ch === '='));
}

function encodeWhole(text: string, term: string, value1: string): Uint8Array {
  const out: number[] = [];
  const reverse = term === 'GB18030' || term === 'GBK' ? gbk() : undefined;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const bytes = ascii(code) ?? reverse?.get(ch);
    if (!bytes) throw new CharacterSetError(`character ${JSON.stringify(ch)} cannot be encoded`, value1);
    out.push(...bytes);
  }
  return Uint8Array.from(out);
}

/**
 * Encode text for a data set whose Specific Character Set is `specificCharacterSet`. Without code
 * extensions the whole text is in value 1's set; with them (multi-valued, or an ISO 2022 term),
 * characters value 1 cannot hold are written in the first later set that can, after its escape
 * sequence. `vr` 'PN' makes '^' and '=' delimiters too. Padding is not added. Throws
 * CharacterSetError for a character no listed set holds, or a term this encoder does not know.
 */
export function encodeText(text: string, specificCharacterSet: readonly string[] = [], vr?: Vr): Uint8Array {
  const value1 = specificCharacterSet[0] ?? '';
  const terms = (specificCharacterSet.length ? specificCharacterSet : ['']).map(normalizeCharacterSetTerm);
  const first = CHARACTER_SET_TERMS[terms[0]!];
  if (!first) throw new CharacterSetError('unknown Specific Character Set term', value1);
  if (first.g1 === 'utf-8') return new TextEncoder().encode(text);
  if (first.wholeValue) return encodeWhole(text, terms[0]!, value1);

  const sets = terms.map((term, i) => {
    const set = graphicSet(term);
    if (!set)
      throw new CharacterSetError(
        'encoding text in this character set is not supported',
        specificCharacterSet[i]!,
      );
    return set;
  });
  const codeExtensions = sets.length > 1;
  const initial = sets[0]!;
  const initialG1 = initial.designates === 'g1' ? initial : undefined;
  /** JIS X 0201 romaji is G0 when value 1 is IR 13: returning to it is ESC ( J, else ESC ( B. */
  const initialG0Escape = terms[0]!.endsWith(' 13') ? esc('(J') : esc('(B');
  const out: number[] = [];
  /** A multi-byte set designated to G0 (IR 87, IR 159), or undefined while G0 is value 1's. */
  let g0: GraphicSet | undefined;
  let g1 = initialG1;
  const resetG0 = () => {
    if (g0) out.push(...initialG0Escape);
    g0 = undefined;
  };
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (isDelimiter(ch, vr)) {
      resetG0();
      g1 = initialG1;
    }
    let bytes: readonly number[] | undefined;
    if (code < 0x80) {
      resetG0();
      bytes = [code];
    } else {
      bytes = g0?.encode(ch, code) ?? g1?.encode(ch, code);
      if (!bytes && codeExtensions) {
        const next = sets.find((set) => set.encode(ch, code));
        if (next) {
          out.push(...next.escapeSequence);
          if (next.designates === 'g0') g0 = next;
          else g1 = next;
          bytes = next.encode(ch, code);
        }
      }
    }
    if (!bytes) throw new CharacterSetError(`character ${JSON.stringify(ch)} cannot be encoded`, value1);
    out.push(...bytes);
  }
  resetG0();
  return Uint8Array.from(out);
}
