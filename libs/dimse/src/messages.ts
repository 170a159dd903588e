/**
 * DIMSE messages (PS3.7 9.3 and 10.3): per command, the mandatory and user-optional command elements and
 * whether a data set follows, as one table; the typed message objects are derived from it.
 */

import type { CommandElementKey, CommandSet } from './command-elements.js';
import { CommandField, commandName, isCommandField } from './command-field.js';
import { CommandSetError } from './errors.js';

/** 'required': a data set must follow; 'none': must not; 'optional': either (conditional in PS3.7). */
export const DataSetRule = { Required: 'required', Optional: 'optional', None: 'none' } as const;
export type DataSetRule = (typeof DataSetRule)[keyof typeof DataSetRule];

const rsp = ['messageIdBeingRespondedTo', 'status'] as const;
const rspOpt = ['affectedSopClassUid', 'offendingElement', 'errorComment', 'errorId'] as const;
const counts = [
  'numberOfRemainingSuboperations',
  'numberOfCompletedSuboperations',
  'numberOfFailedSuboperations',
  'numberOfWarningSuboperations',
] as const;

export const MessageSpec = {
  [CommandField.CStoreRq]: {
    required: ['affectedSopClassUid', 'messageId', 'priority', 'affectedSopInstanceUid'],
    optional: ['moveOriginatorAeTitle', 'moveOriginatorMessageId'],
    dataSet: 'required',
  },
  [CommandField.CStoreRsp]: {
    required: rsp,
    optional: [...rspOpt, 'affectedSopInstanceUid'],
    dataSet: 'none',
  },
  [CommandField.CFindRq]: {
    required: ['affectedSopClassUid', 'messageId', 'priority'],
    optional: [],
    dataSet: 'required',
  },
  [CommandField.CFindRsp]: { required: rsp, optional: rspOpt, dataSet: 'optional' },
  [CommandField.CGetRq]: {
    required: ['affectedSopClassUid', 'messageId', 'priority'],
    optional: [],
    dataSet: 'required',
  },
  [CommandField.CGetRsp]: { required: rsp, optional: [...rspOpt, ...counts], dataSet: 'optional' },
  [CommandField.CMoveRq]: {
    required: ['affectedSopClassUid', 'messageId', 'priority', 'moveDestination'],
    optional: [],
    dataSet: 'required',
  },
  [CommandField.CMoveRsp]: { required: rsp, optional: [...rspOpt, ...counts], dataSet: 'optional' },
  [CommandField.CEchoRq]: { required: ['affectedSopClassUid', 'messageId'], optional: [], dataSet: 'none' },
  [CommandField.CEchoRsp]: { required: rsp, optional: rspOpt, dataSet: 'none' },
  [CommandField.CCancelRq]: { required: ['messageIdBeingRespondedTo'], optional: [], dataSet: 'none' },
  [CommandField.NEventReportRq]: {
    required: ['affectedSopClassUid', 'messageId', 'affectedSopInstanceUid', 'eventTypeId'],
    optional: [],
    dataSet: 'optional',
  },
  [CommandField.NEventReportRsp]: {
    required: rsp,
    optional: [...rspOpt, 'affectedSopInstanceUid', 'eventTypeId'],
    dataSet: 'optional',
  },
  [CommandField.NGetRq]: {
    required: ['requestedSopClassUid', 'messageId', 'requestedSopInstanceUid'],
    optional: ['attributeIdentifierList'],
    dataSet: 'none',
  },
  [CommandField.NGetRsp]: {
    required: rsp,
    optional: [...rspOpt, 'affectedSopInstanceUid'],
    dataSet: 'optional',
  },
  [CommandField.NSetRq]: {
    required: ['requestedSopClassUid', 'messageId', 'requestedSopInstanceUid'],
    optional: [],
    dataSet: 'required',
  },
  [CommandField.NSetRsp]: {
    required: rsp,
    optional: [...rspOpt, 'affectedSopInstanceUid'],
    dataSet: 'optional',
  },
  [CommandField.NActionRq]: {
    required: ['requestedSopClassUid', 'messageId', 'requestedSopInstanceUid', 'actionTypeId'],
    optional: [],
    dataSet: 'optional',
  },
  [CommandField.NActionRsp]: {
    required: rsp,
    optional: [...rspOpt, 'affectedSopInstanceUid', 'actionTypeId'],
    dataSet: 'optional',
  },
  [CommandField.NCreateRq]: {
    required: ['affectedSopClassUid', 'messageId'],
    optional: ['affectedSopInstanceUid'],
    dataSet: 'optional',
  },
  [CommandField.NCreateRsp]: {
    required: rsp,
    optional: [...rspOpt, 'affectedSopInstanceUid'],
    dataSet: 'optional',
  },
  [CommandField.NDeleteRq]: {
    required: ['requestedSopClassUid', 'messageId', 'requestedSopInstanceUid'],
    optional: [],
    dataSet: 'none',
  },
  [CommandField.NDeleteRsp]: {
    required: rsp,
    optional: [...rspOpt, 'affectedSopInstanceUid'],
    dataSet: 'none',
  },
} as const satisfies Record<
  CommandField,
  { required: readonly CommandElementKey[]; optional: readonly CommandElementKey[]; dataSet: DataSetRule }
>;
type Spec = typeof MessageSpec;

/** The typed message object of one command: its mandatory elements required, its optional ones optional. */
export type DimseMessageOf<F extends CommandField> = { commandField: F; commandDataSetType: number } & {
  [K in Spec[F]['required'][number]]-?: NonNullable<CommandSet[K]>;
} & { [K in Spec[F]['optional'][number]]?: CommandSet[K] } & { unknownElements?: Map<number, Buffer> };

export type CStoreRq = DimseMessageOf<typeof CommandField.CStoreRq>;
export type CStoreRsp = DimseMessageOf<typeof CommandField.CStoreRsp>;
export type CFindRq = DimseMessageOf<typeof CommandField.CFindRq>;
export type CFindRsp = DimseMessageOf<typeof CommandField.CFindRsp>;
export type CGetRq = DimseMessageOf<typeof CommandField.CGetRq>;
export type CGetRsp = DimseMessageOf<typeof CommandField.CGetRsp>;
export type CMoveRq = DimseMessageOf<typeof CommandField.CMoveRq>;
export type CMoveRsp = DimseMessageOf<typeof CommandField.CMoveRsp>;
export type CEchoRq = DimseMessageOf<typeof CommandField.CEchoRq>;
export type CEchoRsp = DimseMessageOf<typeof CommandField.CEchoRsp>;
export type CCancelRq = DimseMessageOf<typeof CommandField.CCancelRq>;
export type NEventReportRq = DimseMessageOf<typeof CommandField.NEventReportRq>;
export type NEventReportRsp = DimseMessageOf<typeof CommandField.NEventReportRsp>;
export type NGetRq = DimseMessageOf<typeof CommandField.NGetRq>;
export type NGetRsp = DimseMessageOf<typeof CommandField.NGetRsp>;
export type NSetRq = DimseMessageOf<typeof CommandField.NSetRq>;
export type NSetRsp = DimseMessageOf<typeof CommandField.NSetRsp>;
export type NActionRq = DimseMessageOf<typeof CommandField.NActionRq>;
export type NActionRsp = DimseMessageOf<typeof CommandField.NActionRsp>;
export type NCreateRq = DimseMessageOf<typeof CommandField.NCreateRq>;
export type NCreateRsp = DimseMessageOf<typeof CommandField.NCreateRsp>;
export type NDeleteRq = DimseMessageOf<typeof CommandField.NDeleteRq>;
export type NDeleteRsp = DimseMessageOf<typeof CommandField.NDeleteRsp>;

/** Any DIMSE message, discriminated by `commandField`. */
export type DimseMessage = { [F in CommandField]: DimseMessageOf<F> }[CommandField];

/**
 * Check a decoded command set against its command's mandatory elements and data set rule and return it
 * as a typed message. Throws CommandSetError naming the missing element.
 */
export function toDimseMessage(command: CommandSet): DimseMessage {
  const field = command.commandField;
  if (!isCommandField(field)) {
    throw new CommandSetError(`unknown command 0x${field.toString(16).padStart(4, '0')}`, {
      field: 'CommandField',
    });
  }
  const spec = MessageSpec[field];
  for (const key of spec.required) {
    if (command[key] === undefined) {
      throw new CommandSetError(`${commandName(field)} lacks mandatory element`, { field: key });
    }
  }
  const withData = command.commandDataSetType !== 0x0101;
  if (spec.dataSet === 'required' && !withData) {
    throw new CommandSetError(`${commandName(field)} must announce a data set`, {
      field: 'CommandDataSetType',
    });
  }
  if (spec.dataSet === 'none' && withData) {
    throw new CommandSetError(`${commandName(field)} must not announce a data set`, {
      field: 'CommandDataSetType',
    });
  }
  return command as DimseMessage;
}
