import type { RemoteAe } from '@dicomesh/config';
import type { AeOperation, AePermissions } from './ae-operation.js';

/** A registered remote AE: where it is, what it may do, and where the entry came from. */
export interface RegisteredAe extends RemoteAe {
  readonly permissions: AePermissions;
  /** Where the entry was read, for logs: `file:<path>` or `kubernetes:<namespace>/<name>`. */
  readonly origin: string;
}

/** Called with every entry after the registry changed. */
export type AeChangeListener = (entries: readonly RegisteredAe[]) => void;

/** What `allows` answers for a calling AE title that is not registered. */
export const UnlistedAePolicy = {
  /** Unregistered AEs may do nothing. */
  Deny: 'deny',
  /** Unregistered AEs may store, find, move and get (never be a move destination: we have no address). */
  AllowCalling: 'allow-calling',
} as const;
export type UnlistedAePolicy = (typeof UnlistedAePolicy)[keyof typeof UnlistedAePolicy];

/**
 * The remote AEs the services know: the gateway asks what a calling AE may do, retrieve looks up move
 * destinations. Backed by a YAML file or by Kubernetes `ApplicationEntity` resources; callers see only this.
 */
export interface AeRegistry {
  /** The AE with this title (compared after removing leading/trailing spaces; case-sensitive), if registered. */
  lookup(aeTitle: string): RegisteredAe | undefined;
  /** Whether the AE with this title may perform the operation (unregistered titles: per the unlisted policy). */
  allows(aeTitle: string, operation: AeOperation): boolean;
  /** Every registered AE, ordered by AE title. */
  entries(): readonly RegisteredAe[];
  /** Calls `listener` after each change (listener errors are logged); returns the unsubscribe function. */
  onChange(listener: AeChangeListener): () => void;
  /** Stops watching for changes (no-op for a file). */
  close(): Promise<void>;
}
