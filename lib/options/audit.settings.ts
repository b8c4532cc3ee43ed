import { IsBoolean, IsIn } from 'class-validator';
import type { Defaulted } from './option-types.js';

/** The audit trail (see the `audit` option). */
export class AuditSettings {
  /** One line per refused request (`log` level; a `warn` line when an address gets rate-limited). Default true. */
  @IsBoolean()
  refused: Defaulted<boolean> = true;

  /** One line per accepted request. Default false. */
  @IsBoolean()
  accepted: Defaulted<boolean> = false;

  /**
   * `'json'` (default): each line is one JSON string, whatever the logger. `'object'`: the record is handed to the
   * logger as an object (for structured loggers: `ConsoleLogger({ json: true })`, nestjs-pino…).
   */
  @IsIn(['json', 'object'])
  format: Defaulted<'json' | 'object'> = 'json';
}
