/**
 * Error Comment (0000,0902) is LO: at most 64 characters of the default repertoire, and no backslash (the
 * value delimiter). Comments can quote what a peer sent (an invalid UID's character), so every comment is
 * made safe here: anything outside printable ASCII, and the backslash, becomes '?'.
 */
export const ERROR_COMMENT_MAX_LENGTH = 64;
const ELLIPSIS = '...';

export function toErrorComment(text: string): string {
  const safe = text.replace(/[^\x20-\x5b\x5d-\x7e]/g, '?');
  return safe.length <= ERROR_COMMENT_MAX_LENGTH
    ? safe
    : `${safe.slice(0, ERROR_COMMENT_MAX_LENGTH - ELLIPSIS.length)}${ELLIPSIS}`;
}
