/** A remote Application Entity we may open associations to (C-MOVE destinations). */
export interface RemoteAe {
  readonly aeTitle: string;
  readonly host: string;
  readonly port: number;
  /** It accepts associations over DICOM TLS (PS3.15 B.1) only, at host:port; unset: plain TCP. */
  readonly tls?: boolean;
}

/**
 * Where remote AEs are looked up. Implemented by a YAML file now and by Kubernetes
 * `ApplicationEntity` resources later; callers see only this.
 */
export interface AeRegistry {
  /** The AE with this title (compared after removing leading/trailing spaces; case-sensitive), if known. */
  lookup(aeTitle: string): RemoteAe | undefined;
  list(): readonly RemoteAe[];
}

/** A fixed set of remote AEs (from a file, or given by a test). */
export class StaticAeRegistry implements AeRegistry {
  private readonly byTitle: ReadonlyMap<string, RemoteAe>;

  constructor(entries: readonly RemoteAe[]) {
    const byTitle = new Map<string, RemoteAe>();
    for (const entry of entries) {
      if (byTitle.has(entry.aeTitle)) throw new Error(`duplicate AE title ${JSON.stringify(entry.aeTitle)}`);
      byTitle.set(entry.aeTitle, Object.freeze({ ...entry }));
    }
    this.byTitle = byTitle;
  }

  lookup(aeTitle: string): RemoteAe | undefined {
    return this.byTitle.get(aeTitle.trim());
  }

  list(): readonly RemoteAe[] {
    return [...this.byTitle.values()];
  }
}
