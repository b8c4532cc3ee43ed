import { Logger, type LoggerService } from '@nestjs/common';
import type { McpAuthAcceptedEvent, McpAuthRateLimitedEvent, McpAuthRefusedEvent } from './mcp-auth-event.js';

/** What the audit trail logs (see the `audit` option). */
export interface AuditConfig {
  /** One line per refused request. */
  readonly refused: boolean;
  /** One line per accepted request. */
  readonly accepted: boolean;
  /** `json`: the line is a JSON string; `object`: the record is handed to the logger as an object. */
  readonly format: 'json' | 'object';
}

/** The logger context of the audit trail. */
export const AUDIT_CONTEXT = 'McpAuthAudit';

type AuditedEvent = McpAuthAcceptedEvent | McpAuthRefusedEvent | McpAuthRateLimitedEvent;

/**
 * The audit trail: one structured line per refused request (and, when asked, per accepted one) through Nest's
 * `Logger` with the context `McpAuthAudit` — `log` level for decisions, `warn` when an address gets rate-limited
 * (its further refusals are not logged one by one: a flood must not flood the log). The fields are those of the
 * events (`event`, `reason`, `status`, `resource`, `route`, `method`, `address`, `issuer`, `subject`, `clientId`,
 * `durationMs`…), never a token, a header or a secret.
 */
export class AuditLog {
  constructor(
    readonly config: AuditConfig,
    private readonly logger: LoggerService = new Logger(AUDIT_CONTEXT),
  ) {}

  /** Logs a decision the configuration asks for. */
  decision(event: McpAuthAcceptedEvent | McpAuthRefusedEvent): void {
    if (event.type === 'mcp-auth.accepted' ? this.config.accepted : this.config.refused) {
      this.logger.log(this.format(event), AUDIT_CONTEXT);
    }
  }

  /** Logs that an address was rate-limited (whenever refusals are audited). */
  rateLimited(event: McpAuthRateLimitedEvent): void {
    if (this.config.refused) this.logger.warn(this.format(event), AUDIT_CONTEXT);
  }

  private format(event: AuditedEvent): string | Record<string, unknown> {
    const { type, timestamp, ...fields } = event;
    const record = {
      event: type.slice('mcp-auth.'.length),
      time: new Date(timestamp).toISOString(),
      ...fields,
    };
    return this.config.format === 'json' ? JSON.stringify(record) : record;
  }
}
