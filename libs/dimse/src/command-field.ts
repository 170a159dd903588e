/** Command Field (0000,0100) values, PS3.7 Annex E (Table E.1-1 and E.2-1). */
export const CommandField = {
  CStoreRq: 0x0001,
  CStoreRsp: 0x8001,
  CGetRq: 0x0010,
  CGetRsp: 0x8010,
  CFindRq: 0x0020,
  CFindRsp: 0x8020,
  CMoveRq: 0x0021,
  CMoveRsp: 0x8021,
  CEchoRq: 0x0030,
  CEchoRsp: 0x8030,
  NEventReportRq: 0x0100,
  NEventReportRsp: 0x8100,
  NGetRq: 0x0110,
  NGetRsp: 0x8110,
  NSetRq: 0x0120,
  NSetRsp: 0x8120,
  NActionRq: 0x0130,
  NActionRsp: 0x8130,
  NCreateRq: 0x0140,
  NCreateRsp: 0x8140,
  NDeleteRq: 0x0150,
  NDeleteRsp: 0x8150,
  CCancelRq: 0x0fff,
} as const;
export type CommandField = (typeof CommandField)[keyof typeof CommandField];

/** Standard names as PS3.7 writes them, for logs and spans. */
export const CommandName = {
  [CommandField.CStoreRq]: 'C-STORE-RQ',
  [CommandField.CStoreRsp]: 'C-STORE-RSP',
  [CommandField.CGetRq]: 'C-GET-RQ',
  [CommandField.CGetRsp]: 'C-GET-RSP',
  [CommandField.CFindRq]: 'C-FIND-RQ',
  [CommandField.CFindRsp]: 'C-FIND-RSP',
  [CommandField.CMoveRq]: 'C-MOVE-RQ',
  [CommandField.CMoveRsp]: 'C-MOVE-RSP',
  [CommandField.CEchoRq]: 'C-ECHO-RQ',
  [CommandField.CEchoRsp]: 'C-ECHO-RSP',
  [CommandField.NEventReportRq]: 'N-EVENT-REPORT-RQ',
  [CommandField.NEventReportRsp]: 'N-EVENT-REPORT-RSP',
  [CommandField.NGetRq]: 'N-GET-RQ',
  [CommandField.NGetRsp]: 'N-GET-RSP',
  [CommandField.NSetRq]: 'N-SET-RQ',
  [CommandField.NSetRsp]: 'N-SET-RSP',
  [CommandField.NActionRq]: 'N-ACTION-RQ',
  [CommandField.NActionRsp]: 'N-ACTION-RSP',
  [CommandField.NCreateRq]: 'N-CREATE-RQ',
  [CommandField.NCreateRsp]: 'N-CREATE-RSP',
  [CommandField.NDeleteRq]: 'N-DELETE-RQ',
  [CommandField.NDeleteRsp]: 'N-DELETE-RSP',
  [CommandField.CCancelRq]: 'C-CANCEL-RQ',
} as const satisfies Record<CommandField, string>;
export type CommandName = (typeof CommandName)[CommandField];

const commandFields = new Set<number>(Object.values(CommandField));

export function isCommandField(value: number): value is CommandField {
  return commandFields.has(value);
}

/** True for response command fields (bit 15 set); C-CANCEL-RQ is a request. */
export function isResponse(field: CommandField): boolean {
  return (field & 0x8000) !== 0;
}

/** The name of a command field, or its hex value when it is not a known command. */
export function commandName(field: number): string {
  return isCommandField(field) ? CommandName[field] : `0x${field.toString(16).padStart(4, '0')}`;
}

/** Command Data Set Type (0000,0800): 0x0101 means no data set; any other value means one follows. */
export const CommandDataSetType = {
  None: 0x0101,
  /** The value DCMTK and pynetdicom send when a data set follows. */
  Present: 0x0001,
} as const;
export type CommandDataSetType = (typeof CommandDataSetType)[keyof typeof CommandDataSetType];

/** Priority (0000,0700), PS3.7 Annex E. */
export const Priority = {
  Medium: 0x0000,
  High: 0x0001,
  Low: 0x0002,
} as const;
export type Priority = (typeof Priority)[keyof typeof Priority];
