/**
 * Dates and times compared by meaning (PS3.4 C.2.2.2.5): TM `2230` is 22:30:00, so it equals `223000`
 * and `223000.000`. Values are normalised to fixed-width text that sorts as the instants do; the upper
 * bound of a range is filled with '9' so that `-2230` includes every second of 22:30 and `-2020` every
 * instant of 2020. The same normalisation exists as SQL (`sqlNormalized`) for the index.
 */

/** Fill of the missing low-order digits: '0' for values and lower bounds, '9' for upper bounds. */
export type Fill = '0' | '9';

const TM_WHOLE = 6;
const FRACTION = 6;
const DT_WHOLE = 14;

function pad(text: string, width: number, fill: Fill): string {
  return text.length >= width ? text.slice(0, width) : text + fill.repeat(width - text.length);
}

/** Legacy `HH:MM:SS` is read as `HHMMSS`. */
function tm(value: string, fill: Fill): string {
  const [whole = '', fraction = ''] = value.trim().replaceAll(':', '').split('.');
  return `${pad(whole, TM_WHOLE, fill)}.${pad(fraction, FRACTION, fill)}`;
}

/** The UTC offset suffix is dropped: instants are compared as written. */
function dt(value: string, fill: Fill): string {
  const [whole = '', fraction = ''] = value
    .trim()
    .replace(/[+-]\d{4}$/, '')
    .split('.');
  return `${pad(whole, DT_WHOLE, fill)}.${pad(fraction, FRACTION, fill)}`;
}

/** Legacy `YYYY.MM.DD` is read as `YYYYMMDD`. */
function da(value: string): string {
  return value.trim().replaceAll('.', '');
}

export function normalizeTemporal(vr: string, value: string, fill: Fill = '0'): string {
  if (vr === 'TM') return tm(value, fill);
  if (vr === 'DT') return dt(value, fill);
  return da(value);
}

/** Whether the VR is compared through `normalizeTemporal`. */
export function isTemporal(vr: string): boolean {
  return vr === 'DA' || vr === 'TM' || vr === 'DT';
}

/** The SQL of `normalizeTemporal(vr, <expr>, '0')` for a text expression of stored values. */
export function sqlNormalized(vr: string, expr: string): string {
  if (vr === 'TM') {
    const whole = `replace(split_part(${expr}, '.', 1), ':', '')`;
    return `(rpad(${whole}, ${TM_WHOLE}, '0') || '.' || rpad(split_part(${expr}, '.', 2), ${FRACTION}, '0'))`;
  }
  if (vr === 'DT') {
    const bare = `regexp_replace(${expr}, '[+-][0-9]{4}$', '')`;
    return `(rpad(split_part(${bare}, '.', 1), ${DT_WHOLE}, '0') || '.' || rpad(split_part(${bare}, '.', 2), ${FRACTION}, '0'))`;
  }
  return `replace(${expr}, '.', '')`;
}
