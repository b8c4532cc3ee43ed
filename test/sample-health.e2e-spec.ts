/** The sample's readiness endpoint, /health/ready (@nestjs/terminus with McpAuthHealthIndicator, issue 17). */
import request from 'supertest';
import { startSample, type Sample } from './support/sample-app.js';

describe("the sample's readiness endpoint", () => {
  let sample: Sample;
  beforeAll(async () => {
    sample = await startSample();
  });
  afterAll(() => sample?.close());

  it('GET /health/ready: 200 with the provider up, its metadata resolved at boot', async () => {
    const res = await request(sample.app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info['mcp-auth'].issuers[sample.provider.issuer]).toMatchObject({
      status: 'up',
      metadata: true,
      discovery: { outcome: 'ok' },
    });
  });
});
