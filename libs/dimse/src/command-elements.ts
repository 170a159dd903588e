/**
 * The command elements of group 0000 (PS3.7 Annex E, Table E.1-1 and E.2-1), as a table:
 * tag -> property name on `CommandSet` and VR. CommandGroupLength (0000,0000) is computed, not listed.
 */
export const CommandElement = {
  affectedSopClassUid: { tag: 0x00000002, vr: 'UI', keyword: 'AffectedSOPClassUID' },
  requestedSopClassUid: { tag: 0x00000003, vr: 'UI', keyword: 'RequestedSOPClassUID' },
  commandField: { tag: 0x00000100, vr: 'US', keyword: 'CommandField' },
  messageId: { tag: 0x00000110, vr: 'US', keyword: 'MessageID' },
  messageIdBeingRespondedTo: { tag: 0x00000120, vr: 'US', keyword: 'MessageIDBeingRespondedTo' },
  moveDestination: { tag: 0x00000600, vr: 'AE', keyword: 'MoveDestination' },
  priority: { tag: 0x00000700, vr: 'US', keyword: 'Priority' },
  commandDataSetType: { tag: 0x00000800, vr: 'US', keyword: 'CommandDataSetType' },
  status: { tag: 0x00000900, vr: 'US', keyword: 'Status' },
  offendingElement: { tag: 0x00000901, vr: 'AT', keyword: 'OffendingElement' },
  errorComment: { tag: 0x00000902, vr: 'LO', keyword: 'ErrorComment' },
  errorId: { tag: 0x00000903, vr: 'US', keyword: 'ErrorID' },
  affectedSopInstanceUid: { tag: 0x00001000, vr: 'UI', keyword: 'AffectedSOPInstanceUID' },
  requestedSopInstanceUid: { tag: 0x00001001, vr: 'UI', keyword: 'RequestedSOPInstanceUID' },
  eventTypeId: { tag: 0x00001002, vr: 'US', keyword: 'EventTypeID' },
  attributeIdentifierList: { tag: 0x00001005, vr: 'AT', keyword: 'AttributeIdentifierList' },
  actionTypeId: { tag: 0x00001008, vr: 'US', keyword: 'ActionTypeID' },
  numberOfRemainingSuboperations: { tag: 0x00001020, vr: 'US', keyword: 'NumberOfRemainingSuboperations' },
  numberOfCompletedSuboperations: { tag: 0x00001021, vr: 'US', keyword: 'NumberOfCompletedSuboperations' },
  numberOfFailedSuboperations: { tag: 0x00001022, vr: 'US', keyword: 'NumberOfFailedSuboperations' },
  numberOfWarningSuboperations: { tag: 0x00001023, vr: 'US', keyword: 'NumberOfWarningSuboperations' },
  moveOriginatorAeTitle: { tag: 0x00001030, vr: 'AE', keyword: 'MoveOriginatorApplicationEntityTitle' },
  moveOriginatorMessageId: { tag: 0x00001031, vr: 'US', keyword: 'MoveOriginatorMessageID' },
} as const;
export type CommandElementKey = keyof typeof CommandElement;
export type CommandElementVr = (typeof CommandElement)[CommandElementKey]['vr'];

type ValueOfVr<V extends CommandElementVr> = V extends 'US' ? number : V extends 'AT' ? number[] : string;

/** Group length element (0000,0000), UL. */
export const CommandGroupLengthTag = 0x00000000;

/** A decoded command set: every known element by name, plus unknown group-0000 elements kept as raw bytes. */
export type CommandSet = { commandField: number; commandDataSetType: number } & {
  -readonly [K in Exclude<CommandElementKey, 'commandField' | 'commandDataSetType'>]?: ValueOfVr<
    (typeof CommandElement)[K]['vr']
  >;
} & {
  /** Elements this codec does not know (retired ones, private extensions), tag -> raw value, re-encoded as is. */
  unknownElements?: Map<number, Buffer>;
};

export const commandElementByTag: ReadonlyMap<
  number,
  { key: CommandElementKey; vr: CommandElementVr; keyword: string }
> = new Map(
  (Object.entries(CommandElement) as [CommandElementKey, (typeof CommandElement)[CommandElementKey]][]).map(
    ([key, e]) => [e.tag, { key, vr: e.vr, keyword: e.keyword }],
  ),
);

export function formatTag(tag: number): string {
  const hex = (tag >>> 0).toString(16).padStart(8, '0').toUpperCase();
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}
