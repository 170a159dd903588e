/**
 * Names of the temporary files a blob is written to before its rename: `<owner>.<uuid>.part`. The owner
 * tag tells whose file it is, so a store that restarts after a crash removes its own leftovers at once,
 * while replicas sharing the volume leave each other's in-flight files alone.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidOwnerTagError } from './errors.js';

const TEMPORARY_SUFFIX = '.part';
/** Safe in a file name on every filesystem: no separators, no leading dot, no NUL, bounded length. */
export const OWNER_TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const TEMPORARY_NAME = /^(.+)\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.part$/;
/** The owner of a host whose name has nothing usable (never expected: host names are letters, digits, '-', '.'). */
const FALLBACK_OWNER = 'host';

/** The owner tag as given, or InvalidOwnerTagError. */
export function checkedOwnerTag(owner: string): string {
  if (!OWNER_TAG_PATTERN.test(owner)) throw new InvalidOwnerTagError(owner);
  return owner;
}

/** The default owner: this host's name (a pod's name in Kubernetes), made safe and short enough. */
export function defaultOwnerTag(host: string = hostname()): string {
  const safe = host
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[._-]+/, '')
    .slice(0, 128);
  return OWNER_TAG_PATTERN.test(safe) ? safe : FALLBACK_OWNER;
}

/** A new temporary file name of `owner` (a checked tag). */
export function temporaryName(owner: string): string {
  return `${owner}.${randomUUID()}${TEMPORARY_SUFFIX}`;
}

/** The owner tag of a temporary file name, or undefined for a name this format did not make. */
export function temporaryOwner(name: string): string | undefined {
  const owner = TEMPORARY_NAME.exec(name)?.[1];
  return owner !== undefined && OWNER_TAG_PATTERN.test(owner) ? owner : undefined;
}
