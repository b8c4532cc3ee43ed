import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTHeaderParameters } from 'jose';
import type { KeyRing, LocalIssuerAlgorithm } from './signing-keys.js';

/** Header parameters of a minted token. Other members (e.g. `jku`, `x5u`, `crit`) are written as given. */
export interface MintHeader {
  /** Picks the signing key: the first published key of this algorithm. Default: the first published key. */
  alg?: LocalIssuerAlgorithm;
  /**
   * A kid the issuer holds (published or removed) selects that key. Any other string is written to the header as
   * is, the token being signed by the default key (unknown-kid tests). `null` omits `kid`. Default: the kid of the
   * signing key.
   */
  kid?: string | null;
  /** Default `'at+jwt'` (RFC 9068); `null` omits `typ`. */
  typ?: string | null;
  [parameter: string]: unknown;
}

/**
 * What to put in a minted access token. Times are in seconds relative to now; for absolute values set
 * `claims: { exp, nbf, iat }`.
 */
export interface MintOptions {
  /** `sub`. Default `'test-user'`. */
  subject?: string;
  /**
   * `scope`: a list (joined with spaces) or the exact string. Default: no `scope` claim; `[]` removes one set by
   * the issuer's `claims`. For `scp`-style providers use `claims: { scp: … }`.
   */
  scopes?: string[] | string;
  /** `aud`. Default: the issuer's `audience` option. `null` omits `aud`. */
  audience?: string | string[] | null;
  /** `exp` = now + `expiresIn`. Default 300; negative: already expired. */
  expiresIn?: number;
  /** `nbf` = now + `notBefore` (positive: not yet valid). Default: no `nbf`. */
  notBefore?: number;
  /** `iat` = now + `issuedAt` (positive: issued in the future). Default 0. */
  issuedAt?: number;
  /** `client_id` (RFC 9068). Default `'test-client'`. */
  clientId?: string;
  /** Extra or overriding claims, applied last (`iss` included); a key whose value is `undefined` removes it. */
  claims?: Record<string, unknown>;
  /** Header parameters: key choice, `kid`, `typ`. */
  header?: MintHeader;
}

/** What the issuer puts in every token before the mint options. */
export interface IssuerClaims {
  issuer: string;
  /** The issuer's `audience` option. */
  audience?: string | string[];
  /** The issuer's `claims` option. */
  claims?: Record<string, unknown>;
}

/** Signs an access token with a key of `keys`: the issuer's claims, then `mint` (see `LocalIssuer.mint`). */
export async function mintAccessToken(
  keys: KeyRing,
  issuer: IssuerClaims,
  mint: MintOptions = {},
): Promise<string> {
  const { alg, kid, typ, ...extraHeader } = mint.header ?? {};
  const choice = keys.choose(alg, kid);
  const header: JWTHeaderParameters = { ...extraHeader, alg: choice.key.alg };
  if (choice.kid !== null) header.kid = choice.kid;
  if (typ !== null) header.typ = typ ?? 'at+jwt';
  return new SignJWT(tokenClaims(issuer, mint)).setProtectedHeader(header).sign(choice.key.privateKey);
}

function tokenClaims(issuer: IssuerClaims, mint: MintOptions): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: issuer.issuer,
    sub: 'test-user',
    aud: issuer.audience,
    client_id: 'test-client',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...issuer.claims,
  };
  if (mint.subject !== undefined) claims.sub = mint.subject;
  if (mint.audience !== undefined) claims.aud = mint.audience ?? undefined;
  if (mint.clientId !== undefined) claims.client_id = mint.clientId;
  if (mint.scopes !== undefined) {
    claims.scope = typeof mint.scopes === 'string' ? mint.scopes : mint.scopes.join(' ') || undefined;
  }
  if (mint.issuedAt !== undefined) claims.iat = now + mint.issuedAt;
  if (mint.expiresIn !== undefined) claims.exp = now + mint.expiresIn;
  if (mint.notBefore !== undefined) claims.nbf = now + mint.notBefore;
  Object.assign(claims, mint.claims);
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}
