import {
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';
import { McpExecutionContext } from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'

/** Logs how long each MCP handler took, with who called it — an ordinary Nest interceptor. */
@Injectable()
export class TimingInterceptor implements NestInterceptor {
  private readonly logger = new Logger('TodoTools');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() !== 'mcp') return next.handle();
    const mcp = McpExecutionContext.create(context);
    const started = performance.now();
    return next.handle().pipe(
      finalize(() => {
        const ms = (performance.now() - started).toFixed(1);
        this.logger.log(`${mcp.getKind()} ${mcp.getName()} for ${mcp.getAuthInfo()?.subject}: ${ms} ms`);
      }),
    );
  }
}
