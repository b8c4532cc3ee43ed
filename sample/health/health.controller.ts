import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { McpAuthHealthIndicator, Public } from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'

/**
 * Readiness for an orchestrator (Kubernetes `readinessProbe: httpGet: /health/ready`): 200 while the authorization
 * server is usable, 503 once a fetch of its metadata or keys failed, 200 again when a later fetch succeeds. The
 * indicator never calls the provider itself, so probes cannot flood it.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mcpAuth: McpAuthHealthIndicator,
  ) {}

  @Get('ready')
  @Public()
  @HealthCheck()
  ready() {
    return this.health.check([() => this.mcpAuth.isHealthy('mcp-auth')]);
  }
}
