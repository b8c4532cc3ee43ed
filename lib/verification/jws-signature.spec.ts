import { generateKeyPairSync, sign, constants } from 'node:crypto';
import { exportJWK, importJWK, type CryptoKey, type JWK } from 'jose';
import { verifyJwsSignature } from './jws-signature.js';

const input = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0';

async function pair(type: 'rsa' | 'ec' | 'ed25519', options: Record<string, unknown>, alg: string) {
  const { privateKey, publicKey } = generateKeyPairSync(type as never, options as never) as unknown as {
    privateKey: import('node:crypto').KeyObject;
    publicKey: import('node:crypto').KeyObject;
  };
  const jwk = (await exportJWK(publicKey)) as JWK;
  return { privateKey, key: (await importJWK(jwk, alg)) as CryptoKey };
}

describe('verifyJwsSignature (node:crypto)', () => {
  it('R20: verifies RS256, PS256, ES256 and EdDSA signatures, and refuses altered ones', async () => {
    const rsa = await pair('rsa', { modulusLength: 2048 }, 'RS256');
    const rs = sign('sha256', Buffer.from(input), rsa.privateKey);
    expect(verifyJwsSignature('RS256', Buffer.from(input), rs, rsa.key)).toBe(true);
    expect(verifyJwsSignature('RS256', Buffer.from(`${input}x`), rs, rsa.key)).toBe(false);

    const pssKey = await pair('rsa', { modulusLength: 2048 }, 'PS256');
    const ps = sign('sha256', Buffer.from(input), {
      key: pssKey.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
    expect(verifyJwsSignature('PS256', Buffer.from(input), ps, pssKey.key)).toBe(true);

    const ec = await pair('ec', { namedCurve: 'P-256' }, 'ES256');
    const es = sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(verifyJwsSignature('ES256', Buffer.from(input), es, ec.key)).toBe(true);
    const der = sign('sha256', Buffer.from(input), ec.privateKey); // DER, not the JWS (IEEE P1363) form
    expect(verifyJwsSignature('ES256', Buffer.from(input), der, ec.key)).toBe(false);

    const ed = await pair('ed25519', {}, 'EdDSA');
    expect(
      verifyJwsSignature('EdDSA', Buffer.from(input), sign(null, Buffer.from(input), ed.privateKey), ed.key),
    ).toBe(true);
  });

  it('R20: refuses a key that does not fit the algorithm (type, curve, RSA under 2048 bits)', async () => {
    const ec = await pair('ec', { namedCurve: 'P-256' }, 'ES256');
    const es = sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(verifyJwsSignature('ES384', Buffer.from(input), es, ec.key)).toBe(false);
    expect(verifyJwsSignature('RS256', Buffer.from(input), es, ec.key)).toBe(false);
    expect(verifyJwsSignature('HS256', Buffer.from(input), es, ec.key)).toBe(false);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const smallKey = (await crypto.subtle.importKey(
      'spki',
      small.publicKey.export({ type: 'spki', format: 'der' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      true,
      ['verify'],
    )) as CryptoKey;
    const rs = sign('sha256', Buffer.from(input), small.privateKey);
    expect(verifyJwsSignature('RS256', Buffer.from(input), rs, smallKey)).toBe(false);
  });
});
