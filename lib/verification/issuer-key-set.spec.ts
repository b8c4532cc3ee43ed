import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { calculateJwkThumbprint, errors, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { ProviderFetchError } from '../discovery/provider-fetch.js';
import { IssuerKeySet } from './issuer-key-set.js';
import { cryptoKeyIdentity, jwkIdentity } from './key-identity.js';
import { isProviderFault } from './provider-unavailable.js';

const TOKEN = { protected: '', payload: '', signature: '' };

async function publicJwk(alg: 'RS256' | 'ES256', kid?: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(publicKey)), alg, use: 'sig', ...(kid === undefined ? {} : { kid }) };
}

describe('IssuerKeySet', () => {
  let server: Server;
  let uri: string;
  let keys: JWK[] = [];
  let fetches = 0;
  const warn = jest.fn<(message: unknown) => void>();
  const logger = { warn, log: jest.fn(), error: jest.fn() } as unknown as LoggerService;
  const keySet = () => new IssuerKeySet(uri, { timeout: 1000, cooldown: 0, cacheMaxAge: 600_000, logger });

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    warn.mockClear();
    fetches = 0;
  });

  it('R20: publishes() follows the key itself (RFC 7638 thumbprint), not its kid', async () => {
    const first = await publicJwk('RS256', 'k1');
    keys = [first];
    const set = keySet();
    const key = (await set.getKey({ alg: 'RS256', kid: 'k1' }, TOKEN)) as CryptoKey;
    expect(cryptoKeyIdentity(key)).toBe(jwkIdentity(first));
    expect(jwkIdentity(first)).toBe(await calculateJwkThumbprint(first));
    expect(set.publishes(key)).toBe(true);

    // The provider reuses the kid for another key: the key that verified is gone.
    keys = [await publicJwk('RS256', 'k1'), await publicJwk('RS256', 'k2')];
    await set.getKey({ alg: 'RS256', kid: 'unknown' }, TOKEN).catch(() => undefined); // refetch
    expect(fetches).toBe(2);
    expect(set.publishes(key)).toBe(false);

    // The same key under another kid, or under none: still published.
    keys = [{ ...first, kid: 'renamed' }];
    await set.getKey({ alg: 'RS256', kid: 'unknown-2' }, TOKEN).catch(() => undefined);
    expect(set.publishes(key)).toBe(true);
    const { kid: _kid, ...withoutKid } = first;
    keys = [withoutKid];
    await set.getKey({ alg: 'RS256', kid: 'unknown-3' }, TOKEN).catch(() => undefined);
    expect(set.publishes(key)).toBe(true);
  });

  it('R20: a key off its curve is refused alone and reported once, without key material; the others work', async () => {
    const good = await publicJwk('ES256', 'good');
    const bad = await publicJwk('ES256', 'bad');
    const y = Buffer.from(bad.y!, 'base64url');
    y[y.length - 1] ^= 1;
    bad.y = y.toString('base64url');
    keys = [good, bad];
    const set = keySet();
    for (let i = 0; i < 3; i++) {
      await expect(set.getKey({ alg: 'ES256', kid: 'bad' }, TOKEN)).rejects.toBeInstanceOf(
        errors.JWKSNoMatchingKey,
      );
    }
    await expect(set.getKey({ alg: 'ES256', kid: 'good' }, TOKEN)).resolves.toBeDefined();
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toContain(uri);
    expect(message).toContain('"bad"');
    for (const material of [bad.x!, bad.y, good.x!]) expect(message).not.toContain(material);
    expect(fetches).toBe(1);
  });

  it('provider faults are recognized positively: a key that cannot be imported is not one', () => {
    expect(isProviderFault(ProviderFetchError.redirect(307, 'https://elsewhere.example/x'))).toBe(true);
    expect(isProviderFault(new errors.JWKSTimeout())).toBe(true);
    expect(isProviderFault(new errors.JOSEError('Expected 200 OK'))).toBe(true);
    expect(isProviderFault(new DOMException('Invalid keyData', 'DataError'))).toBe(false);
    expect(isProviderFault(new TypeError('Invalid JWK EC key'))).toBe(false);
    expect(isProviderFault(new errors.JWKInvalid())).toBe(false);
    expect(isProviderFault(new errors.JWKSNoMatchingKey())).toBe(false);
  });
});
