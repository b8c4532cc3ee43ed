import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import request from 'supertest';
import { McpAuthConfigError, McpAuthModule } from '../lib/index.js';
import { ADAPTERS, createApp } from './support/adapters.js';

const options = {
  resource: 'https://api.example.com/mcp',
  authorizationServers: [
    { metadata: { issuer: 'https://idp.example.com', jwks_uri: 'https://idp.example.com/j' } },
  ],
};

/** An adapter Nest accepts but the module does not know (any third-party platform). */
class OtherAdapter extends ExpressAdapter {
  override getType(): string {
    return 'other';
  }
}

describe('the HTTP adapter, decided once at boot', () => {
  it('an adapter that is neither Express nor Fastify fails the boot with ERR_HTTP_ADAPTER naming both packages', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [McpAuthModule.forRoot(options)] }).compile();
    const app = moduleRef.createNestApplication(new OtherAdapter(), { logger: false });
    const error = await app.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    await app.close().catch(() => undefined);
    expect(error).toBeInstanceOf(McpAuthConfigError);
    expect(error).toMatchObject({ code: 'ERR_HTTP_ADAPTER' });
    expect((error as Error).message).toContain('"other"');
    expect((error as Error).message).toContain('@nestjs/platform-express');
    expect((error as Error).message).toContain('@nestjs/platform-fastify');
  });

  it.each(ADAPTERS)(
    'R1: %s serves the metadata at the root of an app with no route of its own',
    async (adapter) => {
      const moduleRef = await Test.createTestingModule({
        imports: [McpAuthModule.forRoot(options)],
      }).compile();
      const app = await createApp(adapter, moduleRef);
      try {
        const res = await request(app.getHttpServer())
          .get('/.well-known/oauth-protected-resource/mcp')
          .expect(200);
        expect(res.body.resource).toBe(options.resource);
        await request(app.getHttpServer()).get('/elsewhere').expect(404);
      } finally {
        await app.close();
      }
    },
  );

  it('an application context (no HTTP server) boots and serves nothing', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [McpAuthModule.forRoot(options)] }).compile();
    const context = await moduleRef.init();
    await context.close();
  });
});
