import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE, type OpenTelemetryApi } from './auth-metrics.js';

/** What a span learns from its result. */
export interface SpanOutcome {
  readonly attributes: Record<string, string | number | boolean>;
  /** Set when the result is a failure (its reason). */
  readonly error?: string;
}

/**
 * Spans around the module's calls to a provider (discovery, key set fetch, introspection, token exchange) — never
 * around a decision answered without I/O. Through the API's global tracer provider: no-op spans until the app
 * installs an SDK. Attributes name the issuer and the URL called, never a token or a credential.
 */
export class AuthTracing {
  private readonly tracer: Tracer;
  private readonly errorStatus: number;
  private readonly kind: number;

  constructor(api: OpenTelemetryApi) {
    this.tracer = api.trace.getTracer(INSTRUMENTATION_SCOPE);
    this.errorStatus = api.SpanStatusCode.ERROR;
    this.kind = api.SpanKind.CLIENT;
  }

  /**
   * Runs `run` in a client span `name`. `annotate` adds attributes from the result, and an error when the result
   * is one (an HTTP answer that is not 200); a failure sets the span's status to error with `reason(error)` as its
   * message (a code or a name, never an error message).
   */
  span<T>(
    name: string,
    attributes: Attributes,
    run: () => Promise<T>,
    reason: (error: unknown) => string,
    annotate?: (result: T) => SpanOutcome,
  ): Promise<T> {
    return this.tracer.startActiveSpan(name, { kind: this.kind, attributes }, (span: Span) =>
      run().then(
        (result) => {
          const outcome = annotate?.(result);
          if (outcome) span.setAttributes(outcome.attributes);
          if (outcome?.error) span.setStatus({ code: this.errorStatus, message: outcome.error });
          span.end();
          return result;
        },
        (error: unknown) => {
          span.setStatus({ code: this.errorStatus, message: reason(error) });
          span.end();
          throw error;
        },
      ),
    );
  }
}
