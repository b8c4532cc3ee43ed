/**
 * The attack corpus: requests an attacker (or a confused client) sends to a protected route, each with the status
 * and challenge the requirements name (R7–R13, R18–R25). Free of jest: `test/attacks.e2e-spec.ts` runs it, and any
 * Node code can.
 *
 * Requests are sent as raw bytes over a socket (`sendRaw`), so duplicate headers, tabs, non-ASCII bytes and
 * oversized headers reach the server exactly as written, whatever an HTTP client library would allow.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';

import {
  CompactEncrypt,
  CompactSign,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

import { startTestProvider, type TestProvider } from './oidc-provider.js';

export type OAuthError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

export interface AttackRequest {
  method?: 'GET' | 'POST';
  /** Default `/api/me` (a guarded route that needs no scope). */
  path?: string;
  /** Raw header pairs `[name, value, name, value, …]`: repeats allowed, sent byte for byte (UTF-8). */
  headers: string[];
  body?: string;
  /** `strict`: the app configured with `strictJwtType: true` (R22). Default: the main app. */
  target?: 'main' | 'strict';
}

export interface AttackExpectation {
  /** 200 only for the controls; 431 is Node's own answer to an oversized header. */
  status: 200 | 400 | 401 | 403 | 431;
  /** The challenge's `error` attribute; `null`: the challenge must carry none (R7). Ignored for 200 and 431. */
  error?: OAuthError | null;
}

export interface AttackCase {
  /** Human-readable, unique. */
  name: string;
  /** The requirement this case proves, e.g. `R20`. */
  requirement: string;
  request: AttackRequest;
  expect: AttackExpectation;
  /** The credential sent (checked never to be echoed in headers or body, R25). */
  secret?: string;
  /** The token's issuer is not trusted: the case must not cause any JWKS (or discovery) request (R19). */
  noJwksFetch?: boolean;
  /** A control: proves the harness can accept (valid token → 200). */
  control?: boolean;
}

/** A server an attacker controls: OIDC discovery and a JWKS with the attacker's keys; counts every request. */
export interface AttackerServer {
  origin: string;
  /** `${origin}/jwks` */
  jwksUri: string;
  /** Requests received so far (any path). */
  requests(): number;
  /** The keys its JWKS serves. */
  serve(keys: JWK[]): void;
  close(): Promise<void>;
}

/** What the corpus needs to know about the app under attack. */
export interface AttackContext {
  /** The protected resource identifier (also the audience of valid tokens). */
  resource: string;
  /** Another resource of the same provider. */
  otherResource: string;
  /** The trusted provider the valid tokens come from (needs RS256, ES256 and PS256 keys). */
  provider: TestProvider;
  /** A second trusted issuer of the same resource. */
  secondProvider: TestProvider;
  /** A real token of `provider` for `resource` with `read:todos create:todos`. */
  validToken: string;
  /** A real token of `provider` for `resource` with only `read:todos`. */
  readOnlyToken: string;
  /** A real token of `provider` for `otherResource`. */
  otherResourceToken: string;
  /** A real token of `secondProvider` for `resource`. */
  secondProviderToken: string;
  attacker: AttackerServer;
}

const b64u = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');
const json64 = (value: unknown) => b64u(JSON.stringify(value));
const segments = (token: string) => token.split('.') as [string, string, string];
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ['Authorization', `Bearer ${token}`];

/** Starts the attacker's server on 127.0.0.1: discovery document, JWKS of `keys`, request counter. */
export async function startAttackerServer(keys: JWK[] = []): Promise<AttackerServer> {
  let count = 0;
  let origin = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    count++;
    const path = (req.url ?? '/').split('?', 1)[0];
    res.setHeader('content-type', 'application/json');
    if (path === '/jwks') return void res.end(JSON.stringify({ keys }));
    if (path.startsWith('/.well-known/')) {
      return void res.end(
        JSON.stringify({
          issuer: origin,
          jwks_uri: `${origin}/jwks`,
          authorization_endpoint: `${origin}/auth`,
          token_endpoint: `${origin}/token`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        }),
      );
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    jwksUri: `${origin}/jwks`,
    requests: () => count,
    serve: (next) => {
      keys = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Signs any header and payload bytes with an RS256 `key`, with no check at all (jose refuses to sign some). */
async function signRaw(
  key: CryptoKey,
  header: Record<string, unknown>,
  payload: string | Uint8Array,
): Promise<string> {
  const input = `${json64(header)}.${b64u(payload)}`;
  const sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, new TextEncoder().encode(input));
  return `${input}.${b64u(new Uint8Array(sig))}`;
}

/** HMAC-SHA-n over the signing input with `secret`: the classic RS→HS "algorithm confusion" forgery. */
async function hmacForgery(header: Record<string, unknown>, claims: JWTPayload, secret: string) {
  const input = `${json64(header)}.${json64(claims)}`;
  const hash = `SHA-${String(header.alg).slice(2)}`;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash },
    false,
    ['sign'],
  );
  const sig = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input));
  return `${input}.${b64u(new Uint8Array(sig))}`;
}

/** `value` with its last base64url character replaced by one that decodes to the same bytes (unused bits set). */
function nonCanonical(value: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const spare = [0, 0, 4, 2][value.length % 4];
  if (!spare) throw new Error('nonCanonical: this length has no unused bits');
  const last = alphabet.indexOf(value.at(-1)!);
  return value.slice(0, -1) + alphabet[last | ((1 << spare) - 1)];
}

/** A token whose base64url segments contain `-` or `_`, so that its base64 spelling differs. */
function hasUrlChars(token: string) {
  return /[-_]/.test(token);
}

/** Builds the corpus (signing the forged tokens). */
export async function buildAttackCorpus(ctx: AttackContext): Promise<AttackCase[]> {
  const { provider, secondProvider, resource, otherResource, validToken, readOnlyToken } = ctx;
  const issuer = provider.issuer;
  const jwkOf = (alg: string) => {
    const jwk = provider.jwks.keys.find((k) => k.alg === alg);
    if (!jwk) throw new Error(`the provider has no ${alg} key`);
    return jwk;
  };
  const rsJwk = jwkOf('RS256');
  const rsKid = rsJwk.kid!;
  const esKid = jwkOf('ES256').kid!;
  const psKid = jwkOf('PS256').kid!;
  const rsPem = await exportSPKI((await importJWK({ ...rsJwk, alg: 'RS256' }, 'RS256')) as CryptoKey);

  const claims = (extra: Record<string, unknown> = {}): JWTPayload => {
    const out: Record<string, unknown> = {
      iss: issuer,
      sub: 'svc',
      aud: resource,
      client_id: 'svc',
      scope: 'read:todos',
      iat: now(),
      exp: now() + 600,
      ...extra,
    };
    for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
    return out as JWTPayload;
  };
  /** Signed by the trusted provider's own key: refused only for what the claims say. */
  const providerSigned = (
    extra: Record<string, unknown>,
    header?: Parameters<TestProvider['signToken']>[1],
  ) => provider.signToken(claims(extra), header);

  const rs = await provider.signingKey('RS256');
  /** Signed by the trusted provider's RS256 key with any header and any payload bytes. */
  const providerRaw = (header: Record<string, unknown>, payload: string | Uint8Array) =>
    signRaw(rs.key, { alg: 'RS256', kid: rs.kid, typ: 'at+jwt', ...header }, payload);

  // The attacker's keys: RSA, P-256 and P-384; its JWKS serves the RSA one as "attacker-rs".
  const attackerRs = await generateKeyPair('RS256', { extractable: true });
  const attackerEs = await generateKeyPair('ES256', { extractable: true });
  const attackerEs384 = await generateKeyPair('ES384', { extractable: true });
  const attackerRsJwk = { ...(await exportJWK(attackerRs.publicKey)), kid: 'attacker-rs', alg: 'RS256' };
  ctx.attacker.serve([attackerRsJwk]);
  /** Signed by the attacker's RSA key (or `key`), header as given. */
  const forged = (
    header: Record<string, unknown>,
    payload: JWTPayload = claims(),
    key = attackerRs.privateKey,
  ) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', ...header } as never).sign(key);

  const [vh, vp, vs] = segments(validToken);
  const validClaims = decodeJwt(validToken);
  const withHeader = (header: Record<string, unknown>) => `${json64(header)}.${vp}.${vs}`;
  const validHeader = decodeProtectedHeader(validToken) as Record<string, unknown>;

  const cases: AttackCase[] = [];
  const add = (c: AttackCase) => {
    if (cases.some((x) => x.name === c.name)) throw new Error(`duplicate attack case name: ${c.name}`);
    cases.push(c);
  };
  const invalidToken = (
    requirement: string,
    name: string,
    token: string,
    extra: Partial<AttackCase> = {},
  ): AttackCase => ({
    requirement,
    name,
    request: { headers: bearer(token) },
    expect: { status: 401, error: 'invalid_token' },
    secret: token,
    ...extra,
  });
  const invalidRequest = (requirement: string, name: string, headers: string[], secret?: string) =>
    add({
      requirement,
      name,
      request: { headers },
      expect: { status: 400, error: 'invalid_request' },
      secret,
    });

  // --- Controls: the harness can accept. ---------------------------------------------------------------------
  add({
    requirement: 'R18',
    name: 'control — a real token of the provider for this resource',
    request: { headers: bearer(validToken) },
    expect: { status: 200 },
    control: true,
  });
  add({
    requirement: 'R19',
    name: 'control — a real token of the second trusted issuer',
    request: { headers: bearer(ctx.secondProviderToken) },
    expect: { status: 200 },
    control: true,
  });
  add({
    requirement: 'R20',
    name: 'control — valid claims signed with the recovered provider key (the forging harness works)',
    request: { headers: bearer(await providerRaw({}, JSON.stringify(claims()))) },
    expect: { status: 200 },
    control: true,
  });
  add({
    requirement: 'R23',
    name: 'control — the scheme is case-insensitive: "bEaReR <token>"',
    request: { headers: ['Authorization', `bEaReR ${validToken}`] },
    expect: { status: 200 },
    control: true,
  });

  // --- R7: no bearer credentials. ------------------------------------------------------------------------------
  add({
    requirement: 'R7',
    name: 'no Authorization header',
    request: { headers: [] },
    expect: { status: 401, error: null },
  });
  add({
    requirement: 'R7',
    name: 'Basic credentials (another scheme)',
    request: { headers: ['Authorization', 'Basic c3ZjOnN2Yy1zZWNyZXQ='] },
    expect: { status: 401, error: null },
  });
  add({
    requirement: 'R7',
    name: 'an empty Authorization header',
    request: { headers: ['Authorization', ''] },
    expect: { status: 401, error: null },
  });
  add({
    requirement: 'R7',
    name: 'the token in Proxy-Authorization instead of Authorization',
    request: { headers: ['Proxy-Authorization', `Bearer ${validToken}`] },
    expect: { status: 401, error: null },
    secret: validToken,
  });

  // --- R20: algorithms. ------------------------------------------------------------------------------------------
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    add(
      invalidToken(
        'R20',
        `alg "${alg}" with an empty signature`,
        `${json64({ alg, typ: 'JWT' })}.${json64(claims())}.`,
      ),
    );
  }
  add(invalidToken('R20', 'alg "none" keeping the real signature', `${json64({ alg: 'none' })}.${vp}.${vs}`));
  for (const alg of ['HS256', 'HS384', 'HS512']) {
    add(
      invalidToken(
        'R20',
        `${alg} signed with the provider's public key (PEM) as the secret (alg confusion)`,
        await hmacForgery({ alg, kid: rsKid, typ: 'at+jwt' }, claims(), rsPem),
      ),
    );
  }
  add(
    invalidToken(
      'R20',
      "HS256 signed with the provider's public JWK (JSON) as the secret",
      await hmacForgery({ alg: 'HS256', kid: rsKid }, claims(), JSON.stringify(rsJwk)),
    ),
  );
  add(
    invalidToken(
      'R20',
      "PS256 by the provider's PS256 key under the RS256 key's kid (alg/key mismatch)",
      await providerSigned({}, { alg: 'PS256', kid: rsKid }),
    ),
  );
  add(
    invalidToken(
      'R20',
      "ES256 by the provider's ES256 key under the RS256 key's kid (alg/key mismatch)",
      await providerSigned({}, { alg: 'ES256', kid: rsKid }),
    ),
  );
  add(
    invalidToken(
      'R20',
      "RS256 by the provider's RS256 key under the ES256 key's kid (alg/key mismatch)",
      await providerSigned({}, { alg: 'RS256', kid: esKid }),
    ),
  );
  add(
    invalidToken(
      'R20',
      "RS256 by the provider's RS256 key under the PS256 key's kid (alg/key mismatch)",
      await providerSigned({}, { alg: 'RS256', kid: psKid }),
    ),
  );
  add(
    invalidToken('R20', 'a real RS256 token relabelled PS256', withHeader({ ...validHeader, alg: 'PS256' })),
  );
  add(
    invalidToken('R20', 'a real RS256 token relabelled RS512', withHeader({ ...validHeader, alg: 'RS512' })),
  );
  add(
    invalidToken(
      'R20',
      'a real RS256 token relabelled "rs256" (case)',
      withHeader({ ...validHeader, alg: 'rs256' }),
    ),
  );
  add(
    invalidToken(
      'R20',
      "ES384 by an attacker key under the provider's ES256 kid",
      await forged({ alg: 'ES384', kid: esKid }, claims(), attackerEs384.privateKey),
    ),
  );

  // --- R20: keys named by the token itself are never followed. --------------------------------------------------
  const attackerJwks = ctx.attacker.jwksUri;
  add(
    invalidToken(
      'R20',
      'jku pointing at the attacker JWKS',
      await forged({ jku: attackerJwks, kid: 'attacker-rs' }),
    ),
  );
  add(
    invalidToken(
      'R20',
      "jku pointing at the attacker JWKS under the provider's kid",
      await forged({ jku: attackerJwks, kid: rsKid }),
    ),
  );
  add(
    invalidToken(
      'R20',
      'x5u pointing at an attacker certificate URL',
      await forged({ x5u: `${ctx.attacker.origin}/cert.pem`, kid: 'attacker-rs' }),
    ),
  );
  add(
    invalidToken(
      'R20',
      'x5c carrying an attacker certificate chain',
      await forged({ x5c: [b64u(Buffer.from(rsPem)), 'MIIBszCCAVmgAwIBAgIUattacker'] }),
    ),
  );
  add(
    invalidToken(
      'R20',
      'embedded jwk with the attacker public key, no kid',
      await forged({ jwk: attackerRsJwk }),
    ),
  );
  add(
    invalidToken(
      'R20',
      "embedded jwk with the attacker public key under the provider's kid",
      await forged({ jwk: { ...attackerRsJwk, kid: rsKid }, kid: rsKid }),
    ),
  );
  add(
    invalidToken(
      'R20',
      'embedded EC jwk (ES256) with the attacker public key',
      await forged(
        { alg: 'ES256', jwk: await exportJWK(attackerEs.publicKey) },
        claims(),
        attackerEs.privateKey,
      ),
    ),
  );

  // --- R20: crit, b64 and other headers, signed with the provider's own key. -------------------------------------
  add(
    invalidToken(
      'R20',
      'crit naming an unknown extension (provider-signed)',
      await providerRaw(
        { crit: ['urn:example:attack'], 'urn:example:attack': true },
        JSON.stringify(claims()),
      ),
    ),
  );
  add(
    invalidToken(
      'R20',
      'crit naming the "exp" claim as a header extension (provider-signed)',
      await providerRaw({ crit: ['exp'], exp: now() + 600 }, JSON.stringify(claims())),
    ),
  );
  add(
    invalidToken(
      'R20',
      'crit as an empty list (provider-signed)',
      await providerRaw({ crit: [] }, JSON.stringify(claims())),
    ),
  );
  add(
    invalidToken(
      'R20',
      'b64:false, an unencoded payload (RFC 7797) (provider-signed)',
      // With b64:false the signing input takes the payload segment verbatim: here, base64url text.
      await providerRaw({ b64: false, crit: ['b64'] }, JSON.stringify(claims())),
    ),
  );

  // --- R8/R20: kid. --------------------------------------------------------------------------------------------
  add(invalidToken('R20', 'kid missing (attacker-signed)', await forged({})));
  add(invalidToken('R20', 'kid unknown (attacker-signed)', await forged({ kid: 'no-such-key-4d1f' })));
  add(
    invalidToken(
      'R20',
      'kid path-like "../../../../etc/passwd"',
      await forged({ kid: '../../../../etc/passwd' }),
    ),
  );
  add(invalidToken('R20', 'kid path-like "/dev/null" (empty-key trick)', await forged({ kid: '/dev/null' })));
  add(
    invalidToken(
      'R20',
      "kid SQL-like \"x' UNION SELECT 'secret' --\"",
      await forged({ kid: "x' UNION SELECT 'secret' --" }),
    ),
  );
  add(invalidToken('R20', 'kid very long (6 000 characters)', await forged({ kid: 'k'.repeat(6000) })));
  add(invalidToken('R20', 'kid a number', await forged({ kid: 0 })));
  add(invalidToken('R20', 'kid an object', await forged({ kid: { $ne: null } })));
  add(invalidToken('R20', "kid an array holding the provider's kid", await forged({ kid: [rsKid] })));
  add(invalidToken('R20', 'kid null', await forged({ kid: null })));
  add(invalidToken('R20', "the provider's kid on an attacker signature", await forged({ kid: rsKid })));

  // --- R8/R20: the signature and the encoding. -------------------------------------------------------------------
  add(invalidToken('R20', 'signature stripped ("header.payload.")', `${vh}.${vp}.`));
  add(invalidToken('R8', 'signature segment removed ("header.payload")', `${vh}.${vp}`));
  add(invalidToken('R20', 'signature truncated by 4 characters', `${vh}.${vp}.${vs.slice(0, -4)}`));
  add(
    invalidToken(
      'R20',
      'signature of another real token (segment swap)',
      `${vh}.${vp}.${segments(readOnlyToken)[2]}`,
    ),
  );
  add(
    invalidToken(
      'R8',
      'signature re-encoded with base64 padding ("==")',
      `${vh}.${vp}.${vs}${'='.repeat((4 - (vs.length % 4)) % 4)}`,
    ),
  );
  add(
    invalidToken(
      'R8',
      'signature re-encoded non-canonically (unused trailing bits set)',
      `${vh}.${vp}.${nonCanonical(vs)}`,
    ),
  );
  if (!hasUrlChars(validToken))
    throw new Error('the valid token has no "-" or "_": pick another for the base64 case');
  add(
    invalidToken(
      'R8',
      'the token in base64 instead of base64url ("+" and "/")',
      validToken.replace(/-/g, '+').replace(/_/g, '/'),
    ),
  );
  add(invalidToken('R8', 'an extra empty segment ("header.payload.signature.")', `${validToken}.`));
  add(invalidToken('R8', 'header and payload segments swapped', `${vp}.${vh}.${vs}`));
  add(
    invalidToken(
      'R20',
      'payload edited after signing (scope raised)',
      `${vh}.${json64({ ...validClaims, scope: 'read:todos create:todos delete:todos admin' })}.${vs}`,
    ),
  );
  add(
    invalidToken(
      'R20',
      'payload edited after signing (sub changed)',
      `${vh}.${json64({ ...validClaims, sub: 'admin' })}.${vs}`,
    ),
  );
  add(
    invalidToken(
      'R20',
      'header edited after signing (kid removed)',
      withHeader({ alg: 'RS256', typ: 'at+jwt' }),
    ),
  );
  add(invalidToken('R8', 'garbage "abc.def.ghi"', 'abc.def.ghi'));
  add(invalidToken('R8', 'a header that is JSON null', `${b64u('null')}.${vp}.${vs}`));
  add(invalidToken('R8', 'a payload that is a JSON array', `${vh}.${b64u('[]')}.${vs}`));
  const claimsJson = JSON.stringify(claims());
  add(
    invalidToken(
      'R8',
      'a payload with malformed UTF-8 bytes in a claim (provider-signed)',
      await providerRaw(
        {},
        Buffer.concat([
          Buffer.from(`${claimsJson.slice(0, -1)},"name":"`),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"}'),
        ]),
      ),
    ),
  );
  invalidRequest(
    'R10',
    'a padded payload segment ("=" inside the token is not b64token syntax)',
    bearer(`${vh}.${vp}==.${vs}`),
  );

  // --- R8: other serializations. -------------------------------------------------------------------------------
  const rsaOaep = await importJWK({ kty: rsJwk.kty, n: rsJwk.n, e: rsJwk.e }, 'RSA-OAEP-256');
  add(
    invalidToken(
      'R8',
      "JWE (RSA-OAEP-256 to the provider's public key) instead of JWS",
      await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims())))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: rsKid, cty: 'JWT' })
        .encrypt(rsaOaep),
    ),
  );
  add(
    invalidToken(
      'R8',
      'nested JWT: the real token wrapped in an attacker-signed JWS (cty JWT)',
      await new CompactSign(new TextEncoder().encode(validToken))
        .setProtectedHeader({ alg: 'RS256', kid: rsKid, cty: 'JWT' })
        .sign(attackerRs.privateKey),
    ),
  );
  add(
    invalidToken(
      'R8',
      'nested JWT: a provider-signed JWS (cty JWT) whose payload is the real token',
      await providerRaw({ cty: 'JWT' }, validToken),
    ),
  );

  // --- R21: time. ------------------------------------------------------------------------------------------------
  add(invalidToken('R21', 'exp missing', await providerSigned({ exp: undefined })));
  add(invalidToken('R21', 'exp in the past', await providerSigned({ iat: now() - 3600, exp: now() - 60 })));
  add(
    invalidToken(
      'R21',
      'exp past by more than the clock tolerance (15 s)',
      await providerSigned({ iat: now() - 600, exp: now() - 15 }),
    ),
  );
  add(
    invalidToken(
      'R21',
      'exp non-numeric (a string of digits)',
      await providerSigned({ exp: String(now() + 600) }),
    ),
  );
  add(invalidToken('R21', 'exp null', await providerSigned({ exp: null })));
  add(invalidToken('R21', 'exp a boolean', await providerSigned({ exp: true })));
  add(
    invalidToken(
      'R21',
      'exp huge: 1e400 (Infinity once parsed)',
      await providerRaw({}, JSON.stringify(claims({ exp: 0 })).replace('"exp":0', '"exp":1e400')),
    ),
  );
  add(
    invalidToken(
      'R21',
      'exp huge: 1e16 (past the ECMAScript Date range)',
      await providerSigned({ exp: 1e16 }),
    ),
  );
  add(
    invalidToken(
      'R21',
      'nbf 120 s in the future (beyond the tolerance)',
      await providerSigned({ nbf: now() + 120 }),
    ),
  );
  add(
    invalidToken(
      'R21',
      'iat 120 s in the future (beyond the tolerance)',
      await providerSigned({ iat: now() + 120 }),
    ),
  );
  add(invalidToken('R21', 'nbf non-numeric', await providerSigned({ nbf: 'yesterday' })));
  add(invalidToken('R21', 'iat non-numeric', await providerSigned({ iat: String(now()) })));

  // --- R19: issuers. No request may reach any JWKS for an issuer that is not trusted. ---------------------------
  const untrusted = (name: string, token: string) =>
    add(invalidToken('R19', name, token, { noJwksFetch: true }));
  untrusted('iss with a trailing slash (provider-signed)', await providerSigned({ iss: `${issuer}/` }));
  untrusted('iss in upper case (provider-signed)', await providerSigned({ iss: issuer.toUpperCase() }));
  untrusted('iss with trailing whitespace (provider-signed)', await providerSigned({ iss: `${issuer} ` }));
  untrusted('iss missing (provider-signed)', await providerSigned({ iss: undefined }));
  untrusted('iss an array holding the issuer (provider-signed)', await providerSigned({ iss: [issuer] }));
  untrusted(
    "an untrusted issuer (the attacker's, which serves discovery and a JWKS)",
    await forged({ kid: 'attacker-rs' }, claims({ iss: ctx.attacker.origin })),
  );
  untrusted(
    'an untrusted issuer with a jku to its own JWKS',
    await forged({ kid: 'attacker-rs', jku: attackerJwks }, claims({ iss: ctx.attacker.origin })),
  );
  add(
    invalidToken(
      'R19',
      "the second trusted issuer's key with this issuer's name",
      await secondProvider.signToken(claims({ iss: issuer })),
    ),
  );
  add(
    invalidToken(
      'R19',
      "this issuer's key with the second trusted issuer's name",
      await providerSigned({ iss: secondProvider.issuer }),
    ),
  );

  // --- R18: audience. ------------------------------------------------------------------------------------------
  add(invalidToken('R18', 'aud missing', await providerSigned({ aud: undefined })));
  add(invalidToken('R18', 'aud another resource', await providerSigned({ aud: otherResource })));
  add(
    invalidToken(
      'R18',
      'aud an array without this resource',
      await providerSigned({ aud: [otherResource, 'https://evil.example/api'] }),
    ),
  );
  add(
    invalidToken(
      'R18',
      'aud a prefix of this resource',
      await providerSigned({ aud: resource.slice(0, -1) }),
    ),
  );
  add(
    invalidToken(
      'R18',
      'aud this resource with a trailing slash',
      await providerSigned({ aud: `${resource}/` }),
    ),
  );
  add(
    invalidToken('R18', 'aud this resource with a query', await providerSigned({ aud: `${resource}?x=1` })),
  );
  add(
    invalidToken(
      'R18',
      'aud this resource in upper case',
      await providerSigned({ aud: resource.toUpperCase() }),
    ),
  );
  add(invalidToken('R18', 'aud an empty array', await providerSigned({ aud: [] })));
  add(invalidToken('R18', 'aud a number', await providerSigned({ aud: 42 })));
  add(
    invalidToken(
      'R18',
      'aud an array holding this resource and a number (wrong type)',
      await providerSigned({ aud: [resource, 42] }),
    ),
  );
  add(invalidToken('R18', 'a real token of the same provider for another resource', ctx.otherResourceToken));

  // --- Claims of the wrong type (R8). ---------------------------------------------------------------------------
  add(invalidToken('R8', 'scope an array', await providerSigned({ scope: ['read:todos', 'create:todos'] })));
  add(invalidToken('R8', 'scope a number', await providerSigned({ scope: 1 })));
  add(invalidToken('R8', 'scope null', await providerSigned({ scope: null })));
  add(invalidToken('R8', 'scp an object', await providerSigned({ scp: { 'create:todos': true } })));
  add(invalidToken('R8', 'scopes an array of numbers', await providerSigned({ scopes: [1, 2] })));
  add(invalidToken('R8', 'sub a number', await providerSigned({ sub: 1 })));
  add(invalidToken('R8', 'client_id an object', await providerSigned({ client_id: { id: 'svc' } })));

  // --- R13: scopes. ----------------------------------------------------------------------------------------------
  add({
    requirement: 'R13',
    name: 'a real read-only token on a route that needs create:todos',
    request: { method: 'POST', path: '/api/todos', headers: bearer(readOnlyToken) },
    expect: { status: 403, error: 'insufficient_scope' },
    secret: readOnlyToken,
  });
  const caseVariant = await providerSigned({ scope: 'read:todos CREATE:todos' });
  add({
    requirement: 'R13',
    name: 'a scope differing only in case (CREATE:todos) grants nothing',
    request: { method: 'POST', path: '/api/todos', headers: bearer(caseVariant) },
    expect: { status: 403, error: 'insufficient_scope' },
    secret: caseVariant,
  });
  const prefixVariant = await providerSigned({ scope: 'read:todos create:todo' });
  add({
    requirement: 'R13',
    name: 'a scope that is a prefix of the required one grants nothing',
    request: { method: 'POST', path: '/api/todos', headers: bearer(prefixVariant) },
    expect: { status: 403, error: 'insufficient_scope' },
    secret: prefixVariant,
  });

  // --- R10: the Authorization header itself. ---------------------------------------------------------------------
  invalidRequest(
    'R10',
    'two Authorization headers, both with the real token',
    [...bearer(validToken), ...bearer(validToken)],
    validToken,
  );
  invalidRequest(
    'R10',
    'two Authorization headers, the real token and garbage',
    [...bearer(validToken), ...bearer('x.y.z')],
    validToken,
  );
  invalidRequest(
    'R10',
    'two Authorization headers spelled in different cases',
    ['authorization', `Bearer ${validToken}`, 'AUTHORIZATION', `Bearer ${validToken}`],
    validToken,
  );
  invalidRequest(
    'R10',
    'two Authorization headers, Basic then Bearer',
    ['Authorization', 'Basic YTpi', ...bearer(validToken)],
    validToken,
  );
  invalidRequest('R10', '"Bearer" with no token', ['Authorization', 'Bearer']);
  invalidRequest('R10', '"Bearer" followed by spaces only', ['Authorization', 'Bearer    ']);
  invalidRequest(
    'R10',
    '"Bearer" with two tokens',
    ['Authorization', `Bearer ${validToken} ${validToken}`],
    validToken,
  );
  invalidRequest(
    'R10',
    'a tab between "Bearer" and the token',
    ['Authorization', `Bearer\t${validToken}`],
    validToken,
  );
  invalidRequest('R10', 'a non-ASCII token ("tökén", UTF-8 bytes)', ['Authorization', 'Bearer tökén']);
  invalidRequest(
    'R10',
    'the real token with a non-ASCII suffix',
    ['Authorization', `Bearer ${validToken}é`],
    validToken,
  );
  invalidRequest(
    'R10',
    'the real token with an emoji inside',
    ['Authorization', `Bearer ${vh}.😀${vp}.${vs}`],
    validToken,
  );
  invalidRequest(
    'R10',
    'the token in double quotes',
    ['Authorization', `Bearer "${validToken}"`],
    validToken,
  );
  invalidRequest(
    'R10',
    'the real token followed by a comma',
    ['Authorization', `Bearer ${validToken},`],
    validToken,
  );
  add({
    requirement: 'R10',
    name: 'a 100 KB Authorization header (refused by Node: 431)',
    request: { headers: ['Authorization', `Bearer ${'A'.repeat(100 * 1024)}`] },
    expect: { status: 431 },
  });
  add(
    invalidToken(
      'R8',
      'a 12 KB token just under the header limit',
      `${'a'.repeat(4000)}.${'b'.repeat(4000)}.${'c'.repeat(4000)}`,
    ),
  );

  // --- R23: the token anywhere but the Authorization header. ------------------------------------------------------
  add({
    requirement: 'R23',
    name: 'the token only in the query string',
    request: { path: `/api/me?access_token=${validToken}`, headers: [] },
    expect: { status: 400, error: 'invalid_request' },
    secret: validToken,
  });
  add({
    requirement: 'R23',
    name: 'the token in the query string and in the header',
    request: { path: `/api/me?access_token=${validToken}`, headers: bearer(validToken) },
    expect: { status: 400, error: 'invalid_request' },
    secret: validToken,
  });
  const form = ['Content-Type', 'application/x-www-form-urlencoded'];
  add({
    requirement: 'R23',
    name: 'the token only in a form-encoded body',
    request: { method: 'POST', path: '/api/todos', headers: form, body: `access_token=${validToken}` },
    expect: { status: 400, error: 'invalid_request' },
    secret: validToken,
  });
  add({
    requirement: 'R23',
    name: 'the token in a form-encoded body and in the header',
    request: {
      method: 'POST',
      path: '/api/todos',
      headers: [...form, ...bearer(validToken)],
      body: `access_token=${validToken}`,
    },
    expect: { status: 400, error: 'invalid_request' },
    secret: validToken,
  });
  add({
    requirement: 'R23',
    name: 'the token only in a JSON body (not a credential)',
    request: {
      method: 'POST',
      path: '/api/todos',
      headers: ['Content-Type', 'application/json'],
      body: JSON.stringify({ access_token: validToken }),
    },
    expect: { status: 401, error: null },
    secret: validToken,
  });
  add({
    requirement: 'R23',
    name: 'the token only in a cookie',
    request: { headers: ['Cookie', `access_token=${validToken}`] },
    expect: { status: 401, error: null },
    secret: validToken,
  });
  add({
    requirement: 'R23',
    name: 'the token only in an X-Access-Token header',
    request: { headers: ['X-Access-Token', validToken] },
    expect: { status: 401, error: null },
    secret: validToken,
  });

  // --- R12: the challenge's metadata URL comes from configuration. ----------------------------------------------
  add({
    requirement: 'R12',
    name: 'a forged Host header does not move resource_metadata',
    request: { headers: ['Host', 'evil.example:666'] },
    expect: { status: 401, error: null },
  });
  add({
    requirement: 'R12',
    name: 'X-Forwarded-Host / X-Forwarded-Proto do not move resource_metadata',
    request: {
      headers: ['X-Forwarded-Host', 'evil.example', 'X-Forwarded-Proto', 'https', ...bearer('abc.def.ghi')],
    },
    expect: { status: 401, error: 'invalid_token' },
  });

  // --- R22: strict RFC 9068 mode (an app with strictJwtType: true). ------------------------------------------------
  const strict = (name: string, token: string, status: 200 | 401) =>
    add({
      requirement: 'R22',
      name: `strict mode: ${name}`,
      request: { headers: bearer(token), target: 'strict' },
      expect: status === 200 ? { status } : { status, error: 'invalid_token' },
      secret: token,
      control: status === 200,
    });
  strict('control — a real token (typ at+jwt)', validToken, 200);
  strict(
    'control — typ "application/at+jwt" (RFC 9068 §4)',
    await providerSigned({}, { typ: 'application/at+jwt' }),
    200,
  );
  strict('typ "JWT" (an ordinary JWT, e.g. an ID token)', await providerSigned({}, { typ: 'JWT' }), 401);
  strict('typ missing', await providerRaw({ typ: undefined }, JSON.stringify(claims())), 401);
  strict('typ "dpop+jwt"', await providerSigned({}, { typ: 'dpop+jwt' }), 401);
  strict('typ "at+jwt " with a trailing space', await providerSigned({}, { typ: 'at+jwt ' }), 401);
  strict('typ a number', await providerRaw({ typ: 1 }, JSON.stringify(claims())), 401);

  return cases;
}

/** The resource the corpus attacks, another of the same provider, and the client its real tokens come from. */
export const ATTACK_RESOURCE = 'http://127.0.0.1/api';
export const ATTACK_OTHER_RESOURCE = 'http://127.0.0.1/other';
export const ATTACK_CLIENT = { clientId: 'svc', clientSecret: 'svc-secret-0123456789abcdef' };
export const ATTACK_SCOPES = ['read:todos', 'create:todos'];

/** What the corpus runs in: two trusted providers, the attacker's server, and the cases built from their tokens. */
export interface AttackWorld {
  /** Trusted; RS256, ES256 and PS256 keys (PS256 for the other resource). */
  provider: TestProvider;
  /** A second trusted issuer of the resource. */
  secondProvider: TestProvider;
  attacker: AttackerServer;
  cases: AttackCase[];
  close(): Promise<void>;
}

/** Starts the providers and the attacker's server and builds the corpus; closes what it started if that fails. */
export async function startAttackWorld(): Promise<AttackWorld> {
  const started: Array<{ close(): Promise<unknown> }> = [];
  const close = async () => void (await Promise.allSettled(started.reverse().map((s) => s.close())));
  try {
    const provider = await startTestProvider({
      resources: {
        [ATTACK_RESOURCE]: { scopes: ATTACK_SCOPES },
        // PS256 for the other resource gives the provider a PS256 key, for the alg/key mismatch cases.
        [ATTACK_OTHER_RESOURCE]: { scopes: ['read:todos'], alg: 'PS256' },
      },
      clients: [{ ...ATTACK_CLIENT, scopes: ATTACK_SCOPES }],
    });
    started.push(provider);
    const secondProvider = await startTestProvider({
      resources: { [ATTACK_RESOURCE]: { scopes: ATTACK_SCOPES } },
      clients: [{ ...ATTACK_CLIENT, scopes: ATTACK_SCOPES }],
    });
    started.push(secondProvider);
    const attacker = await startAttackerServer();
    started.push(attacker);
    const token = (p: TestProvider, scope: string, resource = ATTACK_RESOURCE) =>
      p.clientCredentialsToken({ ...ATTACK_CLIENT, scope, resource });
    const cases = await buildAttackCorpus({
      resource: ATTACK_RESOURCE,
      otherResource: ATTACK_OTHER_RESOURCE,
      provider,
      secondProvider,
      validToken: await token(provider, 'read:todos create:todos'),
      readOnlyToken: await token(provider, 'read:todos'),
      otherResourceToken: await token(provider, 'read:todos', ATTACK_OTHER_RESOURCE),
      secondProviderToken: await token(secondProvider, 'read:todos'),
      attacker,
    });
    return { provider, secondProvider, attacker, cases, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface RawResponse {
  status: number;
  /** Lower-cased names → every value. */
  headers: Record<string, string[]>;
  body: string;
}

/**
 * Sends one request as raw bytes (`Connection: close`) and parses the answer. Adds `Host` unless the request
 * names one, and `Content-Length` for a body. An answer followed by a reset (Node refusing a huge header) counts.
 */
export function sendRaw(port: number, request: AttackRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const { method = 'GET', path = '/api/me', headers, body } = request;
  const lines = [`${method} ${path} HTTP/1.1`];
  const names = new Set<string>();
  for (let i = 0; i < headers.length; i += 2) {
    lines.push(`${headers[i]}: ${headers[i + 1]}`);
    names.add(headers[i].toLowerCase());
  }
  if (!names.has('host')) lines.push(`Host: 127.0.0.1:${port}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  lines.push('Connection: close');
  const bytes = Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`, 'utf8');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      try {
        resolve(parseResponse(raw));
      } catch (parseError) {
        reject(error ?? parseError);
      }
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (e) => finish(e));
    socket.write(bytes);
  });
}

function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete HTTP response (${raw.length} bytes)`);
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP response: ${statusLine}`);
  const headers: Record<string, string[]> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  let rest = raw.subarray(end + 4);
  if (headers['transfer-encoding']?.some((v) => /chunked/i.test(v))) {
    const parts: Buffer[] = [];
    for (;;) {
      const eol = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.subarray(0, eol).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    rest = Buffer.concat(parts);
  } else if (headers['content-length']) {
    rest = rest.subarray(0, Number(headers['content-length'][0]));
  }
  return { status: Number(m[1]), headers, body: rest.toString('utf8') };
}
