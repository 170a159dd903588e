import {
  type Context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TimeInput,
  type Tracer,
} from '@opentelemetry/api';

/** Span attribute names of DIMSE spans (one span per DIMSE message). Never patient data. */
export const DicomAttribute = {
  AssociationId: 'dicom.association.id',
  CallingAe: 'dicom.calling_ae',
  CalledAe: 'dicom.called_ae',
  RemoteAddress: 'dicom.remote_address',
  Command: 'dicom.command',
  MessageId: 'dicom.message_id',
  SopClassUid: 'dicom.sop_class_uid',
  TransferSyntaxUid: 'dicom.transfer_syntax_uid',
  Status: 'dicom.status',
  StatusCategory: 'dicom.status_category',
  QueryLevel: 'dicom.query_level',
  MoveDestination: 'dicom.move_destination',
  SubopsCompleted: 'dicom.subops.completed',
  SubopsFailed: 'dicom.subops.failed',
  SubopsWarning: 'dicom.subops.warning',
  SubopsRemaining: 'dicom.subops.remaining',
} as const;
export type DicomAttribute = (typeof DicomAttribute)[keyof typeof DicomAttribute];

/** The DIMSE-C request commands a span can describe. */
export const DimseCommand = {
  CEcho: 'C-ECHO',
  CStore: 'C-STORE',
  CFind: 'C-FIND',
  CMove: 'C-MOVE',
  CGet: 'C-GET',
} as const;
export type DimseCommand = (typeof DimseCommand)[keyof typeof DimseCommand];

/** Status categories of PS3.7 Annex C. */
export const DimseStatusCategory = {
  Success: 'success',
  Pending: 'pending',
  Cancel: 'cancel',
  Warning: 'warning',
  Failure: 'failure',
} as const;
export type DimseStatusCategory = (typeof DimseStatusCategory)[keyof typeof DimseStatusCategory];

/**
 * Category of a DIMSE status code (PS3.7 C.1-C.4; the warning codes 0001, 0107, 0116 and Bxxx are
 * the ones the DIMSE-C services define). Anything else non-zero is a failure.
 */
export function dimseStatusCategory(status: number): DimseStatusCategory {
  if (status === 0x0000) return DimseStatusCategory.Success;
  if (status === 0xff00 || status === 0xff01) return DimseStatusCategory.Pending;
  if (status === 0xfe00) return DimseStatusCategory.Cancel;
  if (status === 0x0001 || status === 0x0107 || status === 0x0116 || (status >= 0xb000 && status <= 0xbfff)) {
    return DimseStatusCategory.Warning;
  }
  return DimseStatusCategory.Failure;
}

export interface DimseSpanFields {
  readonly command: DimseCommand;
  readonly associationId: string;
  readonly callingAe: string;
  readonly calledAe: string;
  readonly messageId: number;
  readonly remoteAddress?: string;
  readonly sopClassUid?: string;
  readonly transferSyntaxUid?: string;
  readonly queryLevel?: string;
  readonly moveDestination?: string;
}

export interface DimseSpanOptions {
  /** SERVER (default) where we answer the message, CLIENT where we send it (C-MOVE sub-operations, SCU tools). */
  readonly kind?: SpanKind;
  /** Parent context (default: the active one). */
  readonly parent?: Context;
  /** Links, e.g. to the association's span. */
  readonly links?: Link[];
  /** When the message began (default: now), for a span made after the fact. */
  readonly startTime?: TimeInput;
}

/** Starts the span of one DIMSE message, named `dimse C-ECHO` and so on, with its `dicom.*` attributes. */
export function startDimseSpan(
  tracer: Tracer,
  fields: DimseSpanFields,
  options: DimseSpanOptions = {},
): Span {
  const attributes: Record<string, string | number> = {
    [DicomAttribute.Command]: fields.command,
    [DicomAttribute.AssociationId]: fields.associationId,
    [DicomAttribute.CallingAe]: fields.callingAe,
    [DicomAttribute.CalledAe]: fields.calledAe,
    [DicomAttribute.MessageId]: fields.messageId,
  };
  const optional: ReadonlyArray<[DicomAttribute, string | undefined]> = [
    [DicomAttribute.RemoteAddress, fields.remoteAddress],
    [DicomAttribute.SopClassUid, fields.sopClassUid],
    [DicomAttribute.TransferSyntaxUid, fields.transferSyntaxUid],
    [DicomAttribute.QueryLevel, fields.queryLevel],
    [DicomAttribute.MoveDestination, fields.moveDestination],
  ];
  for (const [name, value] of optional) {
    if (value !== undefined) attributes[name] = value;
  }
  return tracer.startSpan(
    `dimse ${fields.command}`,
    {
      kind: options.kind ?? SpanKind.SERVER,
      attributes,
      links: options.links ?? [],
      ...(options.startTime === undefined ? {} : { startTime: options.startTime }),
    },
    options.parent,
  );
}

export interface SubOperationCounts {
  readonly completed: number;
  readonly failed: number;
  readonly warning: number;
  readonly remaining?: number;
}

/**
 * Ends a DIMSE span with the final status: `dicom.status` (the code as a number) and `dicom.status_category`;
 * the span status is ERROR for the failure category (a cancel or a warning is not an error). Ends it at
 * `endTime` when given (a span made after the fact), else now.
 */
export function endDimseSpan(
  span: Span,
  status: number,
  subops?: SubOperationCounts,
  endTime?: TimeInput,
): void {
  const category = dimseStatusCategory(status);
  span.setAttribute(DicomAttribute.Status, status);
  span.setAttribute(DicomAttribute.StatusCategory, category);
  if (subops !== undefined) {
    span.setAttribute(DicomAttribute.SubopsCompleted, subops.completed);
    span.setAttribute(DicomAttribute.SubopsFailed, subops.failed);
    span.setAttribute(DicomAttribute.SubopsWarning, subops.warning);
    if (subops.remaining !== undefined) span.setAttribute(DicomAttribute.SubopsRemaining, subops.remaining);
  }
  if (category === DimseStatusCategory.Failure) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: `DIMSE status 0x${status.toString(16).padStart(4, '0').toUpperCase()}`,
    });
  }
  span.end(endTime);
}
