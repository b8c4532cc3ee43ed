import { Injectable, Logger } from '@nestjs/common';
import { Subject, filter, type Observable, type Subscription } from 'rxjs';
import type { McpAuthEvent, McpAuthEventOf, McpAuthEventType } from './mcp-auth-event.js';

/** What the module needs of `@nestjs/event-emitter`'s `EventEmitter2`. */
export interface EventEmitterLike {
  emit(event: string, ...values: unknown[]): unknown;
  hasListeners(event?: string): boolean;
}

/**
 * The module's events (`McpAuthEvent`): every decision (accepted, refused with its reason code, rate-limited) and
 * every provider event (discovery, key set fetched / rotated / failed, introspection, exchange, provider status).
 * Inject it and subscribe:
 *
 * ```ts
 * constructor(events: McpAuthEvents) {
 *   events.on('mcp-auth.refused').subscribe((e) => metrics.refusal(e.reason, e.resource));
 * }
 * ```
 *
 * When the app imports `EventEmitterModule` (`@nestjs/event-emitter`, an optional peer), every event is also
 * emitted there under its `type`, so `@OnEvent('mcp-auth.refused')` works. Events are built only when someone
 * listens: with no subscriber and no `EventEmitter2` listener, reporting costs one check.
 */
@Injectable()
export class McpAuthEvents {
  private static readonly logger = new Logger('McpAuthModule');
  private readonly subject = new Subject<McpAuthEvent>();
  private emitter?: EventEmitterLike;

  /** Every event, as it happens (an RxJS `Observable`; subscribing never replays past events). */
  readonly events$: Observable<McpAuthEvent> = this.subject.asObservable();

  /** The events of one `type`. */
  on<T extends McpAuthEventType>(type: T): Observable<McpAuthEventOf<T>> {
    return this.events$.pipe(filter((event): event is McpAuthEventOf<T> => event.type === type));
  }

  /** Calls `listener` with every event until the returned subscription is unsubscribed. */
  subscribe(listener: (event: McpAuthEvent) => void): Subscription {
    return this.subject.subscribe(listener);
  }

  /** Whether an event of `type` would reach anyone: an RxJS subscriber or an `EventEmitter2` listener. */
  wants(type: McpAuthEventType): boolean {
    return this.subject.observed || (this.emitter !== undefined && this.emitter.hasListeners(type));
  }

  /**
   * Delivers `event` to the subscribers and to `EventEmitter2`. A listener that throws never fails the request
   * being judged: the error is logged (RxJS reports a subscriber's error itself, asynchronously).
   */
  emit(event: McpAuthEvent): void {
    if (this.subject.observed) this.subject.next(event);
    if (!this.emitter?.hasListeners(event.type)) return;
    try {
      this.emitter.emit(event.type, event);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
      McpAuthEvents.logger.error(`An EventEmitter2 listener of ${event.type} threw (${reason})`);
    }
  }

  /** Also emit every event on `emitter` (the app's `EventEmitter2`). Called by the module when it finds one. */
  connect(emitter: EventEmitterLike | undefined): void {
    this.emitter = emitter;
  }
}
