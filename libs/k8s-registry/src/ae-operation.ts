/** What a remote AE may do with us: the DIMSE services it may call, and whether we may send to it (C-MOVE). */
export const AeOperation = {
  Store: 'store',
  Find: 'find',
  Move: 'move',
  Get: 'get',
  /** Be the destination of a C-MOVE (we open an association to its host and port). */
  MoveDestination: 'moveDestination',
} as const;
export type AeOperation = (typeof AeOperation)[keyof typeof AeOperation];

/** Every operation, in a fixed order (for logs, printer columns and tests). */
export const AE_OPERATIONS: readonly AeOperation[] = Object.values(AeOperation);

/** The operations an AE is granted. */
export type AePermissions = Readonly<Record<AeOperation, boolean>>;

/** Every operation granted. */
export const ALL_PERMISSIONS: AePermissions = Object.freeze({
  store: true,
  find: true,
  move: true,
  get: true,
  moveDestination: true,
});

/** No operation granted (the default of each permission an `ApplicationEntity` leaves out). */
export const NO_PERMISSIONS: AePermissions = Object.freeze({
  store: false,
  find: false,
  move: false,
  get: false,
  moveDestination: false,
});

/** Operations a calling AE performs on us (everything but being a move destination). */
export function isCallingOperation(operation: AeOperation): boolean {
  return operation !== AeOperation.MoveDestination;
}
