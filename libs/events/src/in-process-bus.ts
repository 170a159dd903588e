/**
 * The in-process event bus of `make run` (no NATS URL): publish delivers to the subscribers whose pattern
 * matches, de-duplicating by msgId within a window as JetStream does. Nothing is persisted.
 */
import type { Logger } from '@dicomesh/telemetry';
import type { EventPublisher, PublishOptions } from './events-api.js';
import { EventPublishError } from './events-errors.js';
import { DUPLICATE_WINDOW_MS } from './stream-settings.js';
import { assertPublishSubject, type SubjectMatcher, subjectMatcher } from './subject-pattern.js';
import { withTraceHeaders } from './trace-headers.js';

export interface BusMessage {
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
}

export type BusHandler = (message: BusMessage) => void | Promise<void>;

export interface InProcessBusOptions {
  /** msgIds seen within this window are dropped (default 2 min, like the DICOMESH stream). */
  readonly duplicateWindowMs?: number;
  /** Where handler failures are logged (a handler cannot fail a publish). */
  readonly logger?: Logger;
  /** Clock, for tests. */
  readonly now?: () => number;
}

interface Subscription {
  readonly pattern: string;
  readonly matches: SubjectMatcher;
  readonly handler: BusHandler;
}

export class InProcessBus implements EventPublisher {
  private readonly subscriptions = new Set<Subscription>();
  /** msgId -> when it was first seen; Map keeps insertion order, so expiry scans from the oldest. */
  private readonly seen = new Map<string, number>();
  private readonly windowMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: InProcessBusOptions = {}) {
    this.windowMs = options.duplicateWindowMs ?? DUPLICATE_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  /** Calls `handler` for every later event whose subject matches `pattern`; returns the unsubscribe. */
  subscribe(pattern: string, handler: BusHandler): () => void {
    const subscription: Subscription = { pattern, matches: subjectMatcher(pattern), handler };
    this.subscriptions.add(subscription);
    return () => {
      this.subscriptions.delete(subscription);
    };
  }

  /**
   * Resolves once every matching handler has run (a handler's failure is logged, not thrown: the event is
   * "stored" once accepted, as with JetStream). A duplicate msgId within the window resolves without delivery.
   */
  async publish(
    subject: string,
    payload: Readonly<Record<string, unknown>>,
    options: PublishOptions = {},
  ): Promise<void> {
    if (this.closed) throw new EventPublishError('bus is closed', subject, options.msgId);
    assertPublishSubject(subject);
    const msgId = options.msgId;
    if (msgId !== undefined) {
      this.expire();
      if (this.seen.has(msgId)) return;
      this.seen.set(msgId, this.now());
    }
    const message: BusMessage = {
      subject,
      msgId,
      payload: structuredClone(payload),
      headers: withTraceHeaders(options.headers),
    };
    const deliveries = [...this.subscriptions]
      .filter((s) => s.matches(subject))
      .map(async (s) => {
        try {
          await s.handler(message);
        } catch (error) {
          this.options.logger?.warn('event handler failed', { subject, msgId, pattern: s.pattern, error });
        }
      });
    await Promise.all(deliveries);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.clear();
  }

  private expire(): void {
    const oldest = this.now() - this.windowMs;
    for (const [id, at] of this.seen) {
      if (at > oldest) break;
      this.seen.delete(id);
    }
  }
}
