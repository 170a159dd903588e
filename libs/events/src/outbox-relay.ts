/**
 * The outbox relay: publishes the events that the index committed in its outbox, and marks them published
 * only after JetStream acknowledged them. NATS being down delays events, never loses them; a crash between
 * the ack and `markPublished` re-publishes with the same msgId, which JetStream drops as a duplicate.
 */
import type { OutboxRow, OutboxStore } from '@dicomesh/archive';
import { createLogger, defaultRegistry, type Logger, type MetricsRegistry } from '@dicomesh/telemetry';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { EventPublisher } from './events-api.js';
import { contextFromHeaders } from './trace-headers.js';

/** Instrumentation scope of the relay's spans (when no tracer is given). */
const TRACER_NAME = '@dicomesh/events';
/** Default wait between a notification and the round that publishes it (see `coalesceMs`). */
export const DEFAULT_OUTBOX_COALESCE_MS = 5;

export interface OutboxRelayOptions {
  readonly store: OutboxStore;
  readonly publisher: EventPublisher;
  /** Rows read and published per round (default 100). */
  readonly batchSize?: number;
  /** How often an idle relay looks for rows nobody notified it of (default 1000 ms). */
  readonly idleIntervalMs?: number;
  /**
   * How long a notified relay waits before its round (default 5 ms), so that the commits of a burst (one
   * per C-STORE) are read, published and marked published as one batch instead of a round each.
   */
  readonly coalesceMs?: number;
  /** First delay after a failure, doubled on each further failure (default 250 ms). */
  readonly minBackoffMs?: number;
  /** Longest delay between retries (default 5000 ms). */
  readonly maxBackoffMs?: number;
  readonly logger?: Logger;
  /** Where the relay's metrics are registered (default: the process registry). */
  readonly metrics?: MetricsRegistry;
  /** Tracer of the `publish <subject>` PRODUCER spans (default: the global tracer `@dicomesh/events`). */
  readonly tracer?: Tracer;
}

/** What a relay has done since it was created (for tests and health). */
export interface OutboxRelayStats {
  readonly published: number;
  readonly failedRounds: number;
  readonly consecutiveFailures: number;
  readonly lastError: unknown;
}

const RelayState = { Idle: 'idle', Running: 'running', Stopping: 'stopping', Stopped: 'stopped' } as const;
type RelayState = (typeof RelayState)[keyof typeof RelayState];

export class OutboxRelay {
  private readonly store: OutboxStore;
  private readonly publisher: EventPublisher;
  private readonly batchSize: number;
  private readonly idleIntervalMs: number;
  private readonly coalesceMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: Logger;
  private readonly tracer: Tracer | undefined;
  private readonly metrics: {
    published: ReturnType<MetricsRegistry['counter']>;
    failures: ReturnType<MetricsRegistry['counter']>;
    lag: ReturnType<MetricsRegistry['histogram']>;
    oldest: ReturnType<MetricsRegistry['gauge']>;
  };

  private state: RelayState = RelayState.Idle;
  private loop: Promise<void> | undefined;
  /** Set by notify() while a round runs, so the loop goes round again instead of sleeping. */
  private notified = false;
  /** Resolves the current sleep early (stop). */
  private wake: (() => void) | undefined;
  /** Cuts the current idle sleep down to `coalesceMs` (notify). */
  private hurry: (() => void) | undefined;
  private sleepKind: 'idle' | 'backoff' | undefined;
  /** When the relay first saw each row it has not yet published (relay lag). */
  private readonly firstSeen = new Map<number, number>();
  private stats: OutboxRelayStats = {
    published: 0,
    failedRounds: 0,
    consecutiveFailures: 0,
    lastError: undefined,
  };

  constructor(options: OutboxRelayOptions) {
    this.store = options.store;
    this.publisher = options.publisher;
    this.batchSize = options.batchSize ?? 100;
    this.idleIntervalMs = options.idleIntervalMs ?? 1_000;
    this.coalesceMs = options.coalesceMs ?? DEFAULT_OUTBOX_COALESCE_MS;
    this.minBackoffMs = options.minBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.logger = options.logger ?? createLogger('events');
    this.tracer = options.tracer;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`OutboxRelay: batchSize must be a positive integer, got ${this.batchSize}`);
    }
    if (!Number.isFinite(this.coalesceMs) || this.coalesceMs < 0) {
      throw new RangeError(`OutboxRelay: coalesceMs must be a finite number >= 0, got ${this.coalesceMs}`);
    }
    const registry = options.metrics ?? defaultRegistry;
    this.metrics = {
      published: registry.counter({
        name: 'dicomesh_outbox_published_total',
        help: 'Outbox events acknowledged by the event stream and marked published.',
      }),
      failures: registry.counter({
        name: 'dicomesh_outbox_failures_total',
        help: 'Relay rounds that failed (publish or store error) and were retried after a backoff.',
      }),
      lag: registry.histogram({
        name: 'dicomesh_outbox_lag_seconds',
        help: 'Time from the relay first reading an outbox event to its acknowledgement.',
      }),
      oldest: registry.gauge({
        name: 'dicomesh_outbox_oldest_pending_seconds',
        help: 'Age (since the relay first read it) of the oldest event still unpublished; 0 when caught up.',
      }),
    };
  }

  get currentStats(): OutboxRelayStats {
    return this.stats;
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.state !== RelayState.Idle && this.state !== RelayState.Stopped) return;
    this.state = RelayState.Running;
    this.loop = this.run();
  }

  /**
   * Call after each commit that wrote an outbox row: the relay runs a round within `coalesceMs` (with every
   * row committed by then). Does not cut a failure backoff short.
   */
  notify(): void {
    this.notified = true;
    if (this.sleepKind === 'idle') this.hurry?.();
  }

  /** Stops after the batch in flight (its acknowledged rows are marked published). */
  async stop(): Promise<void> {
    if (this.state === RelayState.Running) this.state = RelayState.Stopping;
    this.wake?.();
    await this.loop;
    this.state = RelayState.Stopped;
  }

  private async run(): Promise<void> {
    this.logger.info('outbox relay started', {
      batchSize: this.batchSize,
      idleIntervalMs: this.idleIntervalMs,
    });
    while (this.state === RelayState.Running) {
      this.notified = false;
      let outcome: 'more' | 'idle' | 'failed';
      try {
        outcome = await this.round();
      } catch (error) {
        outcome = 'failed';
        this.fail(error, 'outbox round failed');
      }
      if (outcome === 'more') continue;
      if (this.state !== RelayState.Running) break;
      // Notified during the round: its rows (and a burst's next ones) go in the next round, coalesceMs on.
      if (outcome === 'idle') await this.sleep('idle', this.notified ? this.coalesceMs : this.idleIntervalMs);
      else {
        const n = this.stats.consecutiveFailures;
        await this.sleep('backoff', Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.max(0, n - 1)));
      }
    }
    this.logger.info('outbox relay stopped', { published: this.stats.published });
  }

  /** One batch: read, publish all (pipelined on the connection), mark the acknowledged ones published. */
  private async round(): Promise<'more' | 'idle' | 'failed'> {
    const rows = await this.store.pending(this.batchSize);
    const now = Date.now();
    for (const row of rows) if (!this.firstSeen.has(row.id)) this.firstSeen.set(row.id, now);
    if (rows.length < this.batchSize) {
      // Every pending row was read: forget rows published meanwhile by another replica's relay.
      const pendingIds = new Set(rows.map((row) => row.id));
      for (const id of this.firstSeen.keys()) if (!pendingIds.has(id)) this.firstSeen.delete(id);
    }
    this.updateOldest(now);
    if (rows.length === 0) {
      this.recovered();
      return 'idle';
    }
    const results = await Promise.allSettled(rows.map((row) => this.publishRow(row)));
    const acked: number[] = [];
    let firstError: unknown;
    results.forEach((result, i) => {
      const row = rows[i] as OutboxRow;
      if (result.status === 'fulfilled') acked.push(row.id);
      else firstError ??= result.reason;
    });
    if (acked.length > 0) {
      // If this throws, the rows stay pending and are published again with the same msgIds: JetStream drops them.
      await this.store.markPublished(acked);
      const done = Date.now();
      for (const id of acked) {
        const seen = this.firstSeen.get(id);
        if (seen !== undefined) this.metrics.lag.observe(undefined, (done - seen) / 1000);
        this.firstSeen.delete(id);
      }
      this.metrics.published.inc(undefined, acked.length);
      this.stats = { ...this.stats, published: this.stats.published + acked.length };
      this.updateOldest(done);
    }
    if (firstError !== undefined) {
      this.fail(firstError, 'outbox events not acknowledged; kept for retry', {
        acknowledged: acked.length,
        failed: rows.length - acked.length,
      });
      return 'failed';
    }
    this.recovered();
    return rows.length === this.batchSize ? 'more' : 'idle';
  }

  /**
   * Publishes one row in a PRODUCER span `publish <subject>` whose parent is the span that committed the row
   * (its W3C headers); the message carries the publish span as its `traceparent`, so consumers continue it.
   */
  private publishRow(row: OutboxRow): Promise<void> {
    const parent = context.with(ROOT_CONTEXT, () => contextFromHeaders(row.headers));
    const tracer = this.tracer ?? trace.getTracer(TRACER_NAME);
    return tracer.startActiveSpan(
      `publish ${row.subject}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.type': 'publish',
          'messaging.destination.name': row.subject,
          'messaging.message.id': row.msgId,
        },
      },
      parent,
      async (span) => {
        const headers: Record<string, string> = { ...row.headers };
        propagation.inject(context.active(), headers);
        try {
          await this.publisher.publish(row.subject, row.payload, { msgId: row.msgId, headers });
        } catch (error) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
          if (error instanceof Error) span.recordException(error);
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  private fail(error: unknown, message: string, fields: Record<string, unknown> = {}): void {
    const consecutiveFailures = this.stats.consecutiveFailures + 1;
    this.stats = {
      ...this.stats,
      failedRounds: this.stats.failedRounds + 1,
      consecutiveFailures,
      lastError: error,
    };
    this.metrics.failures.inc();
    // The first failure of a run is a warning; later ones (NATS still down) are debug, to keep logs readable.
    const log = consecutiveFailures === 1 ? this.logger.warn : this.logger.debug;
    log.call(this.logger, message, { ...fields, consecutiveFailures, error });
  }

  private recovered(): void {
    if (this.stats.consecutiveFailures > 0) {
      this.logger.info('outbox relay recovered', { afterFailures: this.stats.consecutiveFailures });
      this.stats = { ...this.stats, consecutiveFailures: 0 };
    }
  }

  private updateOldest(now: number): void {
    let oldest = now;
    for (const seen of this.firstSeen.values()) oldest = Math.min(oldest, seen);
    this.metrics.oldest.set(undefined, (now - oldest) / 1000);
  }

  private sleep(kind: 'idle' | 'backoff', ms: number): Promise<void> {
    return new Promise((resolve) => {
      const until = Date.now() + ms;
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.hurry = undefined;
        this.sleepKind = undefined;
        resolve();
      };
      let timer = setTimeout(done, ms);
      this.wake = done;
      this.hurry = () => {
        if (until - Date.now() <= this.coalesceMs) return;
        clearTimeout(timer);
        timer = setTimeout(done, this.coalesceMs);
        this.hurry = undefined; // one notification is enough to bring the round forward
      };
      this.sleepKind = kind;
    });
  }
}
