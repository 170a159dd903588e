/** A-ABORT source (PS3.8 Table 9-26). */
export const AbortSource = {
  ServiceUser: 0,
  Reserved: 1,
  ServiceProvider: 2,
} as const;
export type AbortSource = (typeof AbortSource)[keyof typeof AbortSource];

/** A-ABORT reason/diag., meaningful when the source is the service provider (PS3.8 Table 9-26). */
export const AbortReason = {
  NotSpecified: 0,
  UnrecognizedPdu: 1,
  UnexpectedPdu: 2,
  UnrecognizedPduParameter: 4,
  UnexpectedPduParameter: 5,
  InvalidPduParameterValue: 6,
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

const REASON_NAMES: Readonly<Record<number, string>> = {
  0: 'reason-not-specified',
  1: 'unrecognized-PDU',
  2: 'unexpected-PDU',
  4: 'unrecognized-PDU-parameter',
  5: 'unexpected-PDU-parameter',
  6: 'invalid-PDU-parameter-value',
};

export function abortSourceName(source: number): string {
  return ['service-user', 'reserved', 'service-provider'][source] ?? `source-${source}`;
}

export function abortReasonName(reason: number): string {
  return REASON_NAMES[reason] ?? `reason-${reason}`;
}
