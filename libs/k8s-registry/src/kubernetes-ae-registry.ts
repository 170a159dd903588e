import { createLogger, type Logger } from '@dicomesh/telemetry';
import {
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import { AeIndex, ChangeListeners } from './ae-index.js';
import type { AeOperation } from './ae-operation.js';
import {
  type AeChangeListener,
  type AeRegistry,
  type RegisteredAe,
  UnlistedAePolicy,
} from './ae-registry.js';
import {
  type ApplicationEntity,
  ApplicationEntityResource,
  applicationEntitiesPath,
  parseApplicationEntity,
  resourceName,
} from './application-entity.js';
import { InvalidApplicationEntityError } from './errors.js';
import { type BackoffOptions, DEFAULT_BACKOFF, RestartBackoff } from './restart-backoff.js';

export interface KubernetesAeRegistryOptions {
  /** How to reach the API server (`kubeConfigFor` in k8s-registry-config.ts builds it). */
  readonly kubeConfig: KubeConfig;
  /** The namespace whose `ApplicationEntity` resources are watched. */
  readonly namespace: string;
  /** What unregistered calling AEs may do. Default: nothing. */
  readonly unlisted?: UnlistedAePolicy;
  /** Delays between restarts after the list or the watch failed. */
  readonly backoff?: BackoffOptions;
  readonly logger?: Logger;
}

/** What the registry keeps of one resource: its version, and its entry when it is valid. */
interface TrackedResource {
  readonly name: string;
  readonly resourceVersion: string | undefined;
  readonly createdAt: string;
  readonly entry: RegisteredAe | undefined;
}

/**
 * The AE registry of the `ApplicationEntity` resources in one namespace, kept by an @kubernetes/client-node
 * informer (list, then watch from the list's resourceVersion).
 *
 * - The informer relists by itself after a 410 Gone (an ERROR watch event with code 410, or an HTTP 410 on the
 *   watch request) and re-watches when the server ends the stream; the resources that disappeared meanwhile
 *   come as deletes.
 * - Any other failure (list refused, connection dropped mid-watch, API server down) stops the informer: this
 *   class restarts it after a backoff, from the last resourceVersion (so a too-old one ends in a 410 and a relist).
 * - Each list result replaces the whole registry, and each add, update and delete is applied as it comes, so the
 *   registry is right after every event. Invalid resources are logged and left out; when two resources claim
 *   the same AE title, the older one (then the smaller name) wins and the conflict is logged.
 */
export class KubernetesAeRegistry implements AeRegistry {
  private readonly informer: Informer<ApplicationEntity> & ObjectCache<ApplicationEntity>;
  private readonly logger: Logger;
  private readonly unlisted: UnlistedAePolicy;
  private readonly backoff: RestartBackoff;
  private readonly backoffOptions: BackoffOptions;
  private readonly listeners: ChangeListeners;
  private tracked = new Map<string, TrackedResource>();
  private index: AeIndex;
  private conflictsLogged = '';
  private started = false;
  private closed = false;
  private synced = false;
  private readonly syncedPromise: Promise<void>;
  private resolveSynced!: () => void;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastStartAt = 0;

  constructor(private readonly options: KubernetesAeRegistryOptions) {
    this.logger = options.logger ?? createLogger('k8s-registry', { namespace: options.namespace });
    this.unlisted = options.unlisted ?? UnlistedAePolicy.Deny;
    this.backoffOptions = options.backoff ?? DEFAULT_BACKOFF;
    this.backoff = new RestartBackoff(this.backoffOptions);
    this.listeners = new ChangeListeners(this.logger);
    this.index = new AeIndex([], this.unlisted);
    this.syncedPromise = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
    const api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.informer = makeInformer(options.kubeConfig, applicationEntitiesPath(options.namespace), () =>
      this.list(api),
    );
    this.informer.on('add', (object) => this.upsert(object));
    this.informer.on('update', (object) => this.upsert(object));
    this.informer.on('delete', (object) => this.remove(object));
    this.informer.on('error', (error) => this.failed(error));
    this.informer.on('connect', () => this.logger.debug('ApplicationEntity watch connecting'));
  }

  /** Starts listing and watching (returns at once; `whenSynced` tells when the first list is in). */
  start(): this {
    if (!this.started && !this.closed) {
      this.started = true;
      this.run();
    }
    return this;
  }

  /** True once a list has been applied (the registry reflects the cluster, not an empty start). */
  get isSynced(): boolean {
    return this.synced;
  }

  /** Resolves when the first list has been applied; never rejects (bound the wait with your own deadline). */
  whenSynced(): Promise<void> {
    return this.syncedPromise;
  }

  lookup(aeTitle: string): RegisteredAe | undefined {
    return this.index.lookup(aeTitle);
  }

  allows(aeTitle: string, operation: AeOperation): boolean {
    return this.index.allows(aeTitle, operation);
  }

  entries(): readonly RegisteredAe[] {
    return this.index.entries();
  }

  onChange(listener: AeChangeListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.informer.stop();
  }

  private run(): void {
    this.lastStartAt = Date.now();
    this.informer.start().catch((error: unknown) => this.failed(error));
  }

  private async list(api: CustomObjectsApi): Promise<KubernetesListObject<ApplicationEntity>> {
    const { group, version, plural } = ApplicationEntityResource;
    const list = (await api.listNamespacedCustomObject({
      group,
      version,
      namespace: this.options.namespace,
      plural,
    })) as KubernetesListObject<ApplicationEntity>;
    if (this.closed) return list;
    this.replaceAll(list.items ?? []);
    this.backoff.reset();
    this.logger.info('ApplicationEntity resources listed', {
      resources: list.items?.length ?? 0,
      registered: this.index.entries().length,
      resourceVersion: list.metadata?.resourceVersion,
    });
    if (!this.synced) {
      this.synced = true;
      this.resolveSynced();
    }
    return list;
  }

  /** The informer stopped on an error: start it again after the backoff. */
  private failed(error: unknown): void {
    if (this.closed || this.restartTimer !== undefined) return;
    // A watch that lived longer than the longest delay was healthy: start the backoff again from its minimum.
    if (Date.now() - this.lastStartAt > this.backoffOptions.maxMs) this.backoff.reset();
    const delayMs = this.backoff.next();
    this.logger.warn('ApplicationEntity list or watch failed; restarting', {
      error: describeError(error),
      delayMs,
      consecutiveFailures: this.backoff.consecutiveFailures,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.closed) this.run();
    }, delayMs);
  }

  private upsert(object: ApplicationEntity): void {
    if (this.closed) return;
    const name = object.metadata?.name;
    if (name === undefined) return;
    const previous = this.tracked.get(name);
    if (previous !== undefined && sameVersion(previous, object)) return;
    this.tracked.set(name, this.track(object));
    this.rebuild();
  }

  private remove(object: ApplicationEntity): void {
    if (this.closed) return;
    const name = object.metadata?.name;
    if (name !== undefined && this.tracked.delete(name)) this.rebuild();
  }

  private replaceAll(items: readonly ApplicationEntity[]): void {
    const next = new Map<string, TrackedResource>();
    for (const object of items) {
      const name = object.metadata?.name;
      if (name === undefined) continue;
      const previous = this.tracked.get(name);
      next.set(name, previous !== undefined && sameVersion(previous, object) ? previous : this.track(object));
    }
    this.tracked = next;
    this.rebuild();
  }

  /** Parses a resource once per version; an invalid one is logged and kept without an entry. */
  private track(object: ApplicationEntity): TrackedResource {
    const name = object.metadata?.name ?? '';
    const resourceVersion = object.metadata?.resourceVersion;
    const createdAt = String(object.metadata?.creationTimestamp ?? '');
    try {
      return { name, resourceVersion, createdAt, entry: parseApplicationEntity(object) };
    } catch (error) {
      if (!(error instanceof InvalidApplicationEntityError)) throw error;
      this.logger.warn('ApplicationEntity ignored: invalid', {
        resource: resourceName(object),
        resourceVersion,
        problems: error.problems,
      });
      return { name, resourceVersion, createdAt, entry: undefined };
    }
  }

  private rebuild(): void {
    const claimants = new Map<string, TrackedResource[]>();
    for (const resource of this.tracked.values()) {
      if (resource.entry === undefined) continue;
      const list = claimants.get(resource.entry.aeTitle);
      if (list === undefined) claimants.set(resource.entry.aeTitle, [resource]);
      else list.push(resource);
    }
    const winners: RegisteredAe[] = [];
    const conflicts: string[] = [];
    for (const [aeTitle, resources] of claimants) {
      resources.sort(olderFirst);
      winners.push(resources[0]!.entry!);
      if (resources.length > 1) conflicts.push(`${aeTitle}:${resources.map((r) => r.name).join(',')}`);
    }
    this.logConflicts(conflicts.sort(), claimants);
    const next = new AeIndex(winners, this.unlisted);
    if (next.sameAs(this.index)) return;
    this.index = next;
    this.listeners.notify(next.entries());
  }

  private logConflicts(
    conflicts: readonly string[],
    claimants: ReadonlyMap<string, TrackedResource[]>,
  ): void {
    const key = conflicts.join(';');
    if (key === this.conflictsLogged) return;
    this.conflictsLogged = key;
    for (const [aeTitle, resources] of claimants) {
      if (resources.length < 2) continue;
      this.logger.warn('ApplicationEntity resources claim the same AE title; the oldest is used', {
        aeTitle,
        used: resources[0]!.name,
        ignored: resources.slice(1).map((r) => r.name),
      });
    }
  }
}

function sameVersion(tracked: TrackedResource, object: ApplicationEntity): boolean {
  const version = object.metadata?.resourceVersion;
  return version !== undefined && tracked.resourceVersion === version;
}

function olderFirst(a: TrackedResource, b: TrackedResource): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The few fields of a client or HTTP error worth a log line (an ApiException also holds headers and body). */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields = error as Error & { code?: unknown; statusCode?: unknown };
  return {
    name: error.name,
    message: error.message.split('\n')[0],
    ...(fields.code !== undefined ? { code: fields.code } : {}),
    ...(fields.statusCode !== undefined ? { statusCode: fields.statusCode } : {}),
    ...(error.cause instanceof Error ? { cause: error.cause.message } : {}),
  };
}
