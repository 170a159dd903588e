/** Structured logging for the Upper Layer: a message and named fields, never concatenated strings. */
export type UlLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface UlLogger {
  log(level: UlLogLevel, msg: string, fields?: Readonly<Record<string, unknown>>): void;
  /**
   * Whether debug lines are wanted (asked once per association; absent: yes). When not, the lines logged for
   * every PDU and transition are not even built: a CT image sent in 16 KiB PDUs is 33 of each.
   */
  isDebugEnabled?(): boolean;
}

export const silentLogger: UlLogger = { log: () => {}, isDebugEnabled: () => false };

/** JSON lines on stderr, for tests and one-off debugging. */
export const stderrLogger: UlLogger = {
  log(level, msg, fields) {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), module: 'dicom-ul', level, msg, ...fields })}\n`,
    );
  },
};

/** The given logger (made safe: a logger that throws is ignored), or silence. Services pass theirs; only their config reads DICOMESH_DEBUG. */
export function resolveLogger(logger: UlLogger | undefined): UlLogger {
  if (logger) {
    // A logger that throws must never break the protocol machine.
    return {
      log(level, msg, fields) {
        try {
          logger.log(level, msg, fields);
        } catch {
          // dropped
        }
      },
      isDebugEnabled() {
        try {
          return logger.isDebugEnabled?.() ?? true;
        } catch {
          return false;
        }
      },
    };
  }
  return silentLogger;
}
