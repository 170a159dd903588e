/**
 * DIMSE status codes: general statuses of PS3.7 Annex C and the service-class specific ones of PS3.4
 * (Annex A verification, Annex B storage, Annex C query/retrieve), as tables of code ranges ->
 * category and meaning. Logs, metrics and the gRPC mapping all read these tables.
 */

export const StatusCategory = {
  Success: 'Success',
  Pending: 'Pending',
  Cancel: 'Cancel',
  Warning: 'Warning',
  Failure: 'Failure',
} as const;
export type StatusCategory = (typeof StatusCategory)[keyof typeof StatusCategory];

export const ServiceClass = {
  Verification: 'verification',
  Storage: 'storage',
  QueryRetrieveFind: 'query-retrieve-find',
  QueryRetrieveMove: 'query-retrieve-move',
  QueryRetrieveGet: 'query-retrieve-get',
} as const;
export type ServiceClass = (typeof ServiceClass)[keyof typeof ServiceClass];

/** Named status codes, for code that sends them. */
export const Status = {
  Success: 0x0000,
  // PS3.7 Annex C general statuses.
  NoSuchAttribute: 0x0105,
  InvalidAttributeValue: 0x0106,
  AttributeListError: 0x0107,
  ProcessingFailure: 0x0110,
  DuplicateSopInstance: 0x0111,
  NoSuchSopInstance: 0x0112,
  NoSuchEventType: 0x0113,
  NoSuchArgument: 0x0114,
  InvalidArgumentValue: 0x0115,
  AttributeValueOutOfRange: 0x0116,
  InvalidObjectInstance: 0x0117,
  NoSuchSopClass: 0x0118,
  ClassInstanceConflict: 0x0119,
  MissingAttribute: 0x0120,
  MissingAttributeValue: 0x0121,
  SopClassNotSupported: 0x0122,
  NoSuchActionType: 0x0123,
  NotAuthorized: 0x0124,
  DuplicateInvocation: 0x0210,
  UnrecognizedOperation: 0x0211,
  MistypedArgument: 0x0212,
  ResourceLimitation: 0x0213,
  Cancel: 0xfe00,
  Pending: 0xff00,
  PendingWarning: 0xff01,
  // PS3.4 Annex B storage.
  OutOfResources: 0xa700,
  DataSetDoesNotMatchSopClass: 0xa900,
  CannotUnderstand: 0xc000,
  CoercionOfDataElements: 0xb000,
  ElementsDiscarded: 0xb006,
  DataSetDoesNotMatchSopClassWarning: 0xb007,
  // PS3.4 Annex C query/retrieve.
  OutOfResourcesUnableToCalculateMatches: 0xa701,
  OutOfResourcesUnableToPerformSuboperations: 0xa702,
  MoveDestinationUnknown: 0xa801,
  IdentifierDoesNotMatchSopClass: 0xa900,
  UnableToProcess: 0xc000,
  SuboperationsCompleteWithFailures: 0xb000,
} as const;
export type Status = (typeof Status)[keyof typeof Status];

interface StatusEntry {
  readonly from: number;
  readonly to: number;
  readonly category: StatusCategory;
  readonly meaning: string;
}

const C = StatusCategory;

/** PS3.7 Annex C: statuses every service may return. */
export const GeneralStatuses = [
  { from: 0x0000, to: 0x0000, category: C.Success, meaning: 'Success' },
  {
    from: 0x0001,
    to: 0x0001,
    category: C.Warning,
    meaning: 'Requested optional attributes are not supported',
  },
  { from: 0x0105, to: 0x0105, category: C.Failure, meaning: 'No such attribute' },
  { from: 0x0106, to: 0x0106, category: C.Failure, meaning: 'Invalid attribute value' },
  { from: 0x0107, to: 0x0107, category: C.Warning, meaning: 'Attribute list error' },
  { from: 0x0110, to: 0x0110, category: C.Failure, meaning: 'Processing failure' },
  { from: 0x0111, to: 0x0111, category: C.Failure, meaning: 'Duplicate SOP Instance' },
  { from: 0x0112, to: 0x0112, category: C.Failure, meaning: 'No such SOP Instance' },
  { from: 0x0113, to: 0x0113, category: C.Failure, meaning: 'No such event type' },
  { from: 0x0114, to: 0x0114, category: C.Failure, meaning: 'No such argument' },
  { from: 0x0115, to: 0x0115, category: C.Failure, meaning: 'Invalid argument value' },
  { from: 0x0116, to: 0x0116, category: C.Warning, meaning: 'Attribute value out of range' },
  { from: 0x0117, to: 0x0117, category: C.Failure, meaning: 'Invalid object instance' },
  { from: 0x0118, to: 0x0118, category: C.Failure, meaning: 'No such SOP Class' },
  { from: 0x0119, to: 0x0119, category: C.Failure, meaning: 'Class-instance conflict' },
  { from: 0x0120, to: 0x0120, category: C.Failure, meaning: 'Missing attribute' },
  { from: 0x0121, to: 0x0121, category: C.Failure, meaning: 'Missing attribute value' },
  { from: 0x0122, to: 0x0122, category: C.Failure, meaning: 'Refused: SOP Class not supported' },
  { from: 0x0123, to: 0x0123, category: C.Failure, meaning: 'No such action' },
  { from: 0x0124, to: 0x0124, category: C.Failure, meaning: 'Refused: not authorized' },
  { from: 0x0210, to: 0x0210, category: C.Failure, meaning: 'Duplicate invocation' },
  { from: 0x0211, to: 0x0211, category: C.Failure, meaning: 'Unrecognized operation' },
  { from: 0x0212, to: 0x0212, category: C.Failure, meaning: 'Mistyped argument' },
  { from: 0x0213, to: 0x0213, category: C.Failure, meaning: 'Resource limitation' },
  { from: 0xfe00, to: 0xfe00, category: C.Cancel, meaning: 'Cancel' },
  { from: 0xff00, to: 0xff00, category: C.Pending, meaning: 'Pending' },
  { from: 0xff01, to: 0xff01, category: C.Pending, meaning: 'Pending (warning)' },
] as const satisfies readonly StatusEntry[];

/** Service-class statuses (PS3.4), consulted before the general ones. */
export const ServiceClassStatuses = {
  verification: [],
  storage: [
    { from: 0xa700, to: 0xa7ff, category: C.Failure, meaning: 'Refused: Out of Resources' },
    { from: 0xa900, to: 0xa9ff, category: C.Failure, meaning: 'Error: Data Set does not match SOP Class' },
    { from: 0xc000, to: 0xcfff, category: C.Failure, meaning: 'Error: Cannot understand' },
    { from: 0xb000, to: 0xb000, category: C.Warning, meaning: 'Coercion of Data Elements' },
    { from: 0xb007, to: 0xb007, category: C.Warning, meaning: 'Data Set does not match SOP Class' },
    { from: 0xb006, to: 0xb006, category: C.Warning, meaning: 'Elements Discarded' },
  ],
  'query-retrieve-find': [
    { from: 0xa700, to: 0xa700, category: C.Failure, meaning: 'Refused: Out of Resources' },
    { from: 0xa900, to: 0xa900, category: C.Failure, meaning: 'Error: Identifier does not match SOP Class' },
    { from: 0xc000, to: 0xcfff, category: C.Failure, meaning: 'Failed: Unable to process' },
    { from: 0xfe00, to: 0xfe00, category: C.Cancel, meaning: 'Matching terminated due to Cancel request' },
    { from: 0xff00, to: 0xff00, category: C.Pending, meaning: 'Matches are continuing' },
    {
      from: 0xff01,
      to: 0xff01,
      category: C.Pending,
      meaning: 'Matches are continuing: one or more Optional Keys were not supported',
    },
  ],
  'query-retrieve-move': [
    {
      from: 0xa701,
      to: 0xa701,
      category: C.Failure,
      meaning: 'Refused: Out of Resources: unable to calculate number of matches',
    },
    {
      from: 0xa702,
      to: 0xa702,
      category: C.Failure,
      meaning: 'Refused: Out of Resources: unable to perform sub-operations',
    },
    { from: 0xa801, to: 0xa801, category: C.Failure, meaning: 'Refused: Move Destination unknown' },
    { from: 0xa900, to: 0xa900, category: C.Failure, meaning: 'Error: Identifier does not match SOP Class' },
    { from: 0xc000, to: 0xcfff, category: C.Failure, meaning: 'Failed: Unable to process' },
    {
      from: 0xfe00,
      to: 0xfe00,
      category: C.Cancel,
      meaning: 'Sub-operations terminated due to Cancel indication',
    },
    {
      from: 0xb000,
      to: 0xb000,
      category: C.Warning,
      meaning: 'Sub-operations complete: one or more failures or warnings',
    },
    { from: 0xff00, to: 0xff00, category: C.Pending, meaning: 'Sub-operations are continuing' },
  ],
  'query-retrieve-get': [
    {
      from: 0xa701,
      to: 0xa701,
      category: C.Failure,
      meaning: 'Refused: Out of Resources: unable to calculate number of matches',
    },
    {
      from: 0xa702,
      to: 0xa702,
      category: C.Failure,
      meaning: 'Refused: Out of Resources: unable to perform sub-operations',
    },
    { from: 0xa900, to: 0xa900, category: C.Failure, meaning: 'Error: Identifier does not match SOP Class' },
    { from: 0xc000, to: 0xcfff, category: C.Failure, meaning: 'Failed: Unable to process' },
    {
      from: 0xfe00,
      to: 0xfe00,
      category: C.Cancel,
      meaning: 'Sub-operations terminated due to Cancel indication',
    },
    {
      from: 0xb000,
      to: 0xb000,
      category: C.Warning,
      meaning: 'Sub-operations complete: one or more failures or warnings',
    },
    { from: 0xff00, to: 0xff00, category: C.Pending, meaning: 'Sub-operations are continuing' },
  ],
} as const satisfies Record<ServiceClass, readonly StatusEntry[]>;

function find(entries: readonly StatusEntry[], code: number): StatusEntry | undefined {
  return entries.find((e) => code >= e.from && code <= e.to);
}

/**
 * The category of a status code. Known codes come from the tables; any other code falls in the PS3.7
 * Annex C ranges: Bxxx is a warning, FExx cancel, FFxx pending, the rest failure.
 */
export function statusCategory(code: number, serviceClass?: ServiceClass): StatusCategory {
  const entry =
    (serviceClass ? find(ServiceClassStatuses[serviceClass], code) : undefined) ??
    find(GeneralStatuses, code);
  if (entry) return entry.category;
  if (code === 0x0000) return C.Success;
  if ((code & 0xf000) === 0xb000) return C.Warning;
  if (code === 0xfe00) return C.Cancel;
  if ((code & 0xff00) === 0xff00) return C.Pending;
  return C.Failure;
}

/** A human meaning for a status code, service class specific when one is given. */
export function statusMeaning(code: number, serviceClass?: ServiceClass): string {
  const entry =
    (serviceClass ? find(ServiceClassStatuses[serviceClass], code) : undefined) ??
    find(GeneralStatuses, code) ??
    Object.values(ServiceClassStatuses)
      .map((entries) => find(entries, code))
      .find((e) => e !== undefined);
  return entry?.meaning ?? `Unknown status (${statusCategory(code)})`;
}

export function formatStatus(code: number): string {
  return `0x${code.toString(16).padStart(4, '0').toUpperCase()}`;
}

export const isPending = (code: number): boolean => statusCategory(code) === C.Pending;
export const isFinalSuccessOrWarning = (code: number): boolean => {
  const c = statusCategory(code);
  return c === C.Success || c === C.Warning;
};
