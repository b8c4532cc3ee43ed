import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { DownstreamTokenError } from './downstream-token.error.js';

/**
 * Answers a `DownstreamTokenError` that a REST route let through exactly as Nest's default exception filter does
 * (its status and `{ statusCode, error, message }`), and adds `Retry-After` (RFC 9110 §10.2.3) to a
 * `provider_unavailable` 503: the seconds of the module's `retryAfter` option. `McpAuthModule` registers it
 * (`APP_FILTER`), so there is no filter to write; it runs only when such an error is thrown. A filter of yours that
 * catches the error first (method or controller scoped, or global through `app.useGlobalFilters()`) keeps its own
 * answer: read `error.retryAfter` there. Outside HTTP the error is thrown on, as Nest does by default for handlers
 * it runs outside a controller.
 */
@Catch(DownstreamTokenError)
export class DownstreamTokenErrorFilter extends BaseExceptionFilter {
  override catch(error: DownstreamTokenError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const adapter = this.httpAdapterHost?.httpAdapter ?? this.applicationRef;
    const response: unknown = host.switchToHttp().getResponse();
    if (error.retryAfter !== undefined && adapter && !adapter.isHeadersSent(response)) {
      adapter.setHeader(response, 'Retry-After', String(error.retryAfter));
    }
    super.catch(error, host);
  }
}
