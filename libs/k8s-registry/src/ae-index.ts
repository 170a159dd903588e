import type { Logger } from '@dicomesh/telemetry';
import { type AeOperation, isCallingOperation } from './ae-operation.js';
import type { AeChangeListener, RegisteredAe, UnlistedAePolicy } from './ae-registry.js';

/** An immutable lookup table of registered AEs by title. */
export class AeIndex {
  private readonly byTitle: ReadonlyMap<string, RegisteredAe>;
  private readonly sorted: readonly RegisteredAe[];

  /** `entries` must have unique AE titles (the sources resolve conflicts before). */
  constructor(
    entries: Iterable<RegisteredAe>,
    private readonly unlisted: UnlistedAePolicy,
  ) {
    const byTitle = new Map<string, RegisteredAe>();
    for (const entry of entries) byTitle.set(entry.aeTitle, entry);
    this.byTitle = byTitle;
    this.sorted = Object.freeze([...byTitle.values()].sort((a, b) => compare(a.aeTitle, b.aeTitle)));
  }

  lookup(aeTitle: string): RegisteredAe | undefined {
    return this.byTitle.get(aeTitle.trim());
  }

  allows(aeTitle: string, operation: AeOperation): boolean {
    const entry = this.lookup(aeTitle);
    if (entry !== undefined) return entry.permissions[operation];
    return this.unlisted === 'allow-calling' && isCallingOperation(operation);
  }

  entries(): readonly RegisteredAe[] {
    return this.sorted;
  }

  /** True when both indexes hold the same entries (same titles, addresses, permissions and origins). */
  sameAs(other: AeIndex): boolean {
    return fingerprint(this.sorted) === fingerprint(other.sorted);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fingerprint(entries: readonly RegisteredAe[]): string {
  return JSON.stringify(entries.map((e) => [e.aeTitle, e.host, e.port, e.permissions, e.origin]));
}

/** The change listeners of a registry; a listener that throws is logged and the others still run. */
export class ChangeListeners {
  private readonly listeners = new Set<AeChangeListener>();

  constructor(private readonly logger: Logger) {}

  add(listener: AeChangeListener): () => void {
    // A wrapper per subscription, so the same function subscribed twice is called twice and removed once.
    const subscription: AeChangeListener = (entries) => listener(entries);
    this.listeners.add(subscription);
    return () => {
      this.listeners.delete(subscription);
    };
  }

  notify(entries: readonly RegisteredAe[]): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(entries);
      } catch (error) {
        this.logger.error('AE registry change listener failed', { error });
      }
    }
  }
}
