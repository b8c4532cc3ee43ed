/**
 * Decisions on MCP requests name the handlers they invoke (issue 17), with the OpenTelemetry SDK installed and the
 * audit trail on: a 403 step-up on `tools/call delete-todo` says which tool in its event, its audit line and the
 * `tool` attribute of `mcp_auth.decisions`; accepted calls, resource reads and prompt gets likewise (a resource by
 * its registered name, never the URI read); requests that invoke no handler, and names no handler serves, carry no
 * `tool` — a client cannot write into the telemetry. On Express and on Fastify, with the client address read alike.
 */
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  McpAuthEvents,
  McpAuthModule,
  McpPrompt,
  McpResource,
  McpServerModule,
  McpTool,
  RequireScopes,
  type McpAuthEvent,
} from '../lib/index.js';
import { startLocalIssuer, type LocalIssuer } from '../lib/testing/index.js';
import { ADAPTERS, createApp } from './support/adapters.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { installOpenTelemetry, valueOf, type InstalledOpenTelemetry } from './support/otel.js';
import { ACCEPT } from './support/sample-app.js';

const RESOURCE = 'http://127.0.0.1/mcp';

@Injectable()
class TodoTools {
  @McpTool({ name: 'list-todos' })
  @RequireScopes('read:todos')
  list() {
    return [];
  }

  @McpTool({ name: 'delete-todo' })
  @RequireScopes('delete:todos')
  delete() {
    return 'deleted';
  }

  @McpResource({ uriTemplate: 'todo://{id}', name: 'todo' })
  @RequireScopes('read:todos')
  read() {
    return 'a todo';
  }

  @McpPrompt({ name: 'plan-day' })
  plan() {
    return 'Plan the day.';
  }
}

describe.each(ADAPTERS)(
  'telemetry on %s: decisions on MCP requests name the invoked handlers (issue 17)',
  (adapter) => {
    let issuer: LocalIssuer;
    let otel: InstalledOpenTelemetry;
    let app: INestApplication;
    let readToken: string;
    const logger = new CapturingLogger();
    const events: McpAuthEvent[] = [];

    beforeAll(async () => {
      issuer = await startLocalIssuer({ audience: RESOURCE });
      otel = installOpenTelemetry();
      const moduleRef = await Test.createTestingModule({
        imports: [
          McpAuthModule.forRoot({
            resource: RESOURCE,
            authorizationServers: [issuer.authorizationServer],
            scopesSupported: ['read:todos', 'delete:todos'],
            audit: { refused: true, accepted: true },
          }),
          McpServerModule.forRoot({ name: 'todos', version: '1' }),
        ],
        providers: [TodoTools],
      }).compile();
      app = await createApp(adapter, moduleRef, {
        logger,
        configure: (created) => {
          created.useLogger(logger);
          created.get(McpAuthEvents).subscribe((event) => events.push(event));
        },
      });
      readToken = await issuer.mint({ subject: 'alice', clientId: 'cli', scopes: ['read:todos'] });
    });
    afterAll(async () => {
      await app?.close();
      await otel?.uninstall();
      await issuer?.close();
    });

    const post = (method: string, params: Record<string, unknown>) =>
      request(app.getHttpServer())
        .post('/mcp')
        .set('Accept', ACCEPT)
        .set('Content-Type', 'application/json')
        .set('Authorization', `Bearer ${readToken}`)
        .send({ jsonrpc: '2.0', id: 1, method, params });
    const last = () =>
      events.filter((e) => e.type === 'mcp-auth.accepted' || e.type === 'mcp-auth.refused').at(-1);
    const auditLine = (tool: string) => logger.lines.find((l) => l.includes(`"tool":"${tool}"`));

    it('R13, R14: a 403 step-up on tools/call delete-todo names the tool in the event, the audit line and the metric', async () => {
      const res = await post('tools/call', { name: 'delete-todo', arguments: {} });
      expect(res.status).toBe(403);
      expect(last()).toMatchObject({
        type: 'mcp-auth.refused',
        reason: 'ERR_INSUFFICIENT_SCOPE',
        route: '/mcp',
        tool: 'tools/call delete-todo',
        subject: 'alice',
        requiredScopes: ['read:todos', 'delete:todos'],
      });
      expect(JSON.parse(auditLine('tools/call delete-todo')!.match(/\{.*\}/)![0])).toMatchObject({
        event: 'refused',
        reason: 'ERR_INSUFFICIENT_SCOPE',
        status: 403,
        tool: 'tools/call delete-todo',
      });
      const metrics = await otel.collect();
      const refused = { result: 'refused', reason: 'ERR_INSUFFICIENT_SCOPE', resource: RESOURCE };
      expect(valueOf(metrics.get('mcp_auth.decisions'), { ...refused, tool: 'tools/call delete-todo' })).toBe(
        1,
      );
    });

    it('R41: accepted calls, resource reads (by registered name, not URI) and prompt gets are named too', async () => {
      await post('tools/call', { name: 'list-todos', arguments: {} }).expect(200);
      expect(last()).toMatchObject({ type: 'mcp-auth.accepted', tool: 'tools/call list-todos' });
      await post('resources/read', { uri: 'todo://42' }).expect(200);
      expect(last()).toMatchObject({ type: 'mcp-auth.accepted', tool: 'resources/read todo' });
      await post('prompts/get', { name: 'plan-day' }).expect(200);
      expect(last()).toMatchObject({ type: 'mcp-auth.accepted', tool: 'prompts/get plan-day' });
      expect(auditLine('resources/read todo')).toContain('"event":"accepted"');
      expect(logger.lines.join('\n')).not.toContain('todo://42');

      const metrics = await otel.collect();
      const accepted = { result: 'accepted', resource: RESOURCE };
      expect(valueOf(metrics.get('mcp_auth.decisions'), { ...accepted, tool: 'tools/call list-todos' })).toBe(
        1,
      );
      expect(valueOf(metrics.get('mcp_auth.decisions'), { ...accepted, tool: 'resources/read todo' })).toBe(
        1,
      );
    });

    it('a request that invokes no handler, or a name no handler serves, carries no tool', async () => {
      await post('tools/list', {}).expect(200);
      expect(last()).toMatchObject({ type: 'mcp-auth.accepted' });
      expect(last()).not.toHaveProperty('tool', expect.anything());
      await post('tools/call', { name: 'no-such-tool<script>', arguments: {} }).expect(200);
      expect(last()).not.toHaveProperty('tool', expect.anything());
      expect(JSON.stringify(events) + logger.lines.join('\n')).not.toContain('no-such-tool');

      const decisions = (await otel.collect()).get('mcp_auth.decisions') ?? [];
      const tools = decisions.map((p) => p.attributes.tool).filter((t) => t !== undefined);
      expect(new Set(tools)).toEqual(
        new Set([
          'tools/call delete-todo',
          'tools/call list-todos',
          'resources/read todo',
          'prompts/get plan-day',
        ]),
      );
    });
  },
);
