/** A-ASSOCIATE-RJ result, source and reason (PS3.8 Table 9-21). */
export const RejectResult = {
  Permanent: 1,
  Transient: 2,
} as const;
export type RejectResult = (typeof RejectResult)[keyof typeof RejectResult];

export const RejectSource = {
  ServiceUser: 1,
  ServiceProviderAcse: 2,
  ServiceProviderPresentation: 3,
} as const;
export type RejectSource = (typeof RejectSource)[keyof typeof RejectSource];

/** Reasons; their meaning depends on the source, hence one table per source. */
export const RejectReason = {
  /** Source 1 (service user). */
  NoReasonGiven: 1,
  ApplicationContextNameNotSupported: 2,
  CallingAeTitleNotRecognized: 3,
  CalledAeTitleNotRecognized: 7,
  /** Source 2 (service provider, ACSE). Reason 1 is no-reason-given as well. */
  ProtocolVersionNotSupported: 2,
  /** Source 3 (service provider, presentation). */
  TemporaryCongestion: 1,
  LocalLimitExceeded: 2,
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

const REASON_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  [RejectSource.ServiceUser]: {
    1: 'no-reason-given',
    2: 'application-context-name-not-supported',
    3: 'calling-AE-title-not-recognized',
    7: 'called-AE-title-not-recognized',
  },
  [RejectSource.ServiceProviderAcse]: { 1: 'no-reason-given', 2: 'protocol-version-not-supported' },
  [RejectSource.ServiceProviderPresentation]: { 1: 'temporary-congestion', 2: 'local-limit-exceeded' },
};

export function rejectResultName(result: number): string {
  return result === 1 ? 'rejected-permanent' : result === 2 ? 'rejected-transient' : `result-${result}`;
}

export function rejectSourceName(source: number): string {
  return (
    ['', 'service-user', 'service-provider-ACSE', 'service-provider-presentation'][source] ??
    `source-${source}`
  );
}

export function rejectReasonName(source: number, reason: number): string {
  return REASON_NAMES[source]?.[reason] ?? `reason-${reason}`;
}
