/**
 * DCMTK-like arguments of the SCU tools: `[options] HOST PORT [FILE...]` with `-aet`, `-aec`, `-aem`,
 * `-k KEY=VALUE` (repeatable), `-P`/`-S` (patient or study root), `-od DIR`, `--cancel-after N`, for
 * C-GET `-cls UID` and `-x TS` (repeatable: the storage classes and transfer syntaxes to accept), for
 * C-STORE `--async N` (the asynchronous operations window to propose), and DICOM TLS as DCMTK spells it:
 * `+tls KEY CERT` (with our certificate) or `+tla` (without), `+cf FILE` (repeatable: the certificates the
 * peer's must chain to; without it, Node's trusted CAs).
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { isValidUid } from '@dicomesh/dicom';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ScuArgs {
  readonly host: string;
  readonly port: number;
  readonly callingAeTitle: string;
  readonly calledAeTitle: string;
  readonly moveDestination?: string;
  readonly model: 'patient' | 'study';
  /** `-k` keys in order: keyword or `gggg,eeee`, and the value ('' for a return key). */
  readonly keys: ReadonlyArray<readonly [string, string]>;
  readonly outputDirectory: string;
  /** Send C-CANCEL after this many pending responses. */
  readonly cancelAfter?: number;
  /** `-cls`: storage SOP classes to accept C-GET sub-operations for (empty: the defaults). */
  readonly sopClasses: readonly string[];
  /** `-x`: transfer syntaxes to accept them in (empty: the defaults). */
  readonly transferSyntaxes: readonly string[];
  /**
   * `--async N`: propose an asynchronous operations window of N operations invoked (PS3.7 D.3.3.3), so that
   * many C-STOREs are outstanding at once when the SCP agrees; absent, none is proposed (one at a time).
   */
  readonly maxOperationsInvoked?: number;
  /** `+tls`/`+tla`: the association goes over TLS with these options. */
  readonly tls?: ConnectionOptions;
  readonly files: readonly string[];
}

const DEFAULT_CALLING_AE = 'DICOMESH-SCU';
const DEFAULT_CALLED_AE = 'ANY-SCP';

export function parseScuArgs(argv: readonly string[]): ScuArgs {
  const positional: string[] = [];
  const keys: Array<[string, string]> = [];
  let callingAeTitle = DEFAULT_CALLING_AE;
  let calledAeTitle = DEFAULT_CALLED_AE;
  let moveDestination: string | undefined;
  let model: 'patient' | 'study' = 'study';
  let outputDirectory = '.';
  let cancelAfter: number | undefined;
  let maxOperationsInvoked: number | undefined;
  const sopClasses: string[] = [];
  const transferSyntaxes: string[] = [];
  let useTls = false;
  let identity: { key: Buffer; cert: Buffer } | undefined;
  const trusted: Buffer[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    const file = (): Buffer => {
      const path = value();
      try {
        return readFileSync(path);
      } catch (error) {
        throw new UsageError(`${arg} ${path}: ${(error as Error).message}`);
      }
    };
    const uid = (): string => {
      const next = value();
      if (!isValidUid(next)) throw new UsageError(`${arg} ${next}: not a UID`);
      return next;
    };
    switch (arg) {
      case '-aet':
        callingAeTitle = value();
        break;
      case '-aec':
        calledAeTitle = value();
        break;
      case '-aem':
        moveDestination = value();
        break;
      case '-k': {
        const key = value();
        const eq = key.indexOf('=');
        keys.push(eq < 0 ? [key, ''] : [key.slice(0, eq), key.slice(eq + 1)]);
        break;
      }
      case '-P':
        model = 'patient';
        break;
      case '-S':
        model = 'study';
        break;
      case '-cls':
        sopClasses.push(uid());
        break;
      case '-x':
        transferSyntaxes.push(uid());
        break;
      case '-od':
        outputDirectory = value();
        break;
      case '--cancel-after':
        cancelAfter = Number.parseInt(value(), 10);
        if (!Number.isInteger(cancelAfter) || cancelAfter < 0)
          throw new UsageError('--cancel-after needs a count');
        break;
      case '--async':
        maxOperationsInvoked = Number.parseInt(value(), 10);
        // An unsigned 16-bit field, where 0 would ask for no limit at all.
        if (
          !Number.isInteger(maxOperationsInvoked) ||
          maxOperationsInvoked < 1 ||
          maxOperationsInvoked > 65_535
        )
          throw new UsageError('--async needs a window of 1 to 65535 operations');
        break;
      case '+tls':
        useTls = true;
        identity = { key: file(), cert: file() };
        break;
      case '+tla':
        useTls = true;
        break;
      case '+cf':
        trusted.push(file());
        break;
      default:
        if ((arg.startsWith('-') || arg.startsWith('+')) && arg.length > 1)
          throw new UsageError(`unknown option ${arg}`);
        positional.push(arg);
    }
  }
  if (!useTls && trusted.length > 0) throw new UsageError('+cf needs +tls or +tla');
  const tls: ConnectionOptions | undefined = useTls
    ? { ...(identity ?? {}), ...(trusted.length > 0 ? { ca: trusted } : {}) }
    : undefined;
  const [host, portText, ...files] = positional;
  if (host === undefined || portText === undefined) throw new UsageError('HOST and PORT are required');
  const port = Number.parseInt(portText, 10);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UsageError(`invalid port ${portText}`);
  return {
    host,
    port,
    callingAeTitle,
    calledAeTitle,
    ...(moveDestination === undefined ? {} : { moveDestination }),
    model,
    keys,
    outputDirectory,
    ...(cancelAfter === undefined ? {} : { cancelAfter }),
    sopClasses,
    transferSyntaxes,
    ...(maxOperationsInvoked === undefined ? {} : { maxOperationsInvoked }),
    ...(tls === undefined ? {} : { tls }),
    files,
  };
}
