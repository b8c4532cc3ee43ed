import { McpAuthError } from '../core/mcp-auth.error.js';
import { decodeJwsCompact } from './jws-compact.js';

const b64u = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const HEADER = b64u({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' });
const PAYLOAD = b64u({ iss: 'https://issuer', sub: 'u1', exp: 2_000_000_000 });
const SIGNATURE = Buffer.from([1, 2, 3, 4, 5, 250, 251, 252]).toString('base64url'); // 11 characters
const TOKEN = `${HEADER}.${PAYLOAD}.${SIGNATURE}`;

/** The code and message `decodeJwsCompact` refuses `token` with. */
function refusal(token: string): string {
  try {
    decodeJwsCompact(token);
  } catch (error) {
    expect(error).toBeInstanceOf(McpAuthError);
    return `${(error as McpAuthError).code}: ${(error as Error).message}`;
  }
  return 'accepted';
}
const NOT_JWS = 'ERR_TOKEN_MALFORMED: The token is not a signed JWT (JWS compact serialization)';
const NOT_JWT = 'ERR_TOKEN_MALFORMED: The token is not a well-formed JWT';

/** `segment` with its last character replaced by one that decodes to the same bytes (unused low bits set). */
function unusedBitsSet(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(segment[segment.length - 1]);
  return segment.slice(0, -1) + alphabet[last | 1];
}

describe('decodeJwsCompact (RFC 7515 §7.1, §2)', () => {
  it('R20: decodes the header, the payload, the signature and the signing input of a well-formed token', () => {
    const jws = decodeJwsCompact(TOKEN);
    expect(jws.header).toEqual({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' });
    expect(jws.payload).toEqual({ iss: 'https://issuer', sub: 'u1', exp: 2_000_000_000 });
    expect(jws.segments).toEqual([HEADER, PAYLOAD, SIGNATURE]);
    expect(jws.signingInput.equals(Buffer.from(`${HEADER}.${PAYLOAD}`))).toBe(true);
    expect([...jws.signature]).toEqual([1, 2, 3, 4, 5, 250, 251, 252]);
  });

  it.each([
    ['two segments', `${HEADER}.${PAYLOAD}`],
    ['four segments', `${TOKEN}.${SIGNATURE}`],
    ['no dot', HEADER],
    ['an empty header', `.${PAYLOAD}.${SIGNATURE}`],
    ['an empty payload', `${HEADER}..${SIGNATURE}`],
    ['an empty signature', `${HEADER}.${PAYLOAD}.`],
    ['padding', `${HEADER}.${PAYLOAD}.${SIGNATURE}=`],
    ['padding in the payload', `${HEADER}.${PAYLOAD}==.${SIGNATURE}`],
    [
      'the standard alphabet (+ /)',
      `${HEADER}.${PAYLOAD}.${Buffer.from([251, 255, 191]).toString('base64')}`,
    ],
    ['unused bits set in the signature', `${HEADER}.${PAYLOAD}.${unusedBitsSet(SIGNATURE)}`],
    ['unused bits set in the payload', `${HEADER}.${unusedBitsSet(PAYLOAD)}.${SIGNATURE}`],
    ['an impossible length (4n + 1)', `${HEADER}.${PAYLOAD}.${SIGNATURE}AA`],
    ['whitespace inside a segment', `${HEADER}.${PAYLOAD.slice(0, 8)} ${PAYLOAD.slice(8)}.${SIGNATURE}`],
    ['a line break inside a segment', `${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, 4)}\n${SIGNATURE.slice(4)}`],
    ['a character outside the alphabet', `${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, -1)}*`],
    // U+0141 and U+FF21: characters whose low byte is a base64url letter ('A'), which a decoder reading bytes may take for it
    ['a non-ASCII character whose low byte is a letter', `${HEADER}.${PAYLOAD}.\u0141${SIGNATURE.slice(1)}`],
    ['a fullwidth letter', `${HEADER}.${PAYLOAD.slice(0, -1)}\uff21.${SIGNATURE}`],
  ])('R20: refuses %s as not a JWS (ERR_TOKEN_MALFORMED)', (_name, token) => {
    expect(refusal(token)).toBe(NOT_JWS);
  });

  it.each([
    ['a header that is not JSON', `${b64u('not json')}.${PAYLOAD}.${SIGNATURE}`],
    ['a payload that is a JSON array', `${HEADER}.${b64u([1, 2])}.${SIGNATURE}`],
    ['a payload that is JSON null', `${HEADER}.${b64u('null')}.${SIGNATURE}`],
    [
      'a payload that is not UTF-8',
      `${HEADER}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${SIGNATURE}`,
    ],
    [
      'a header with an overlong UTF-8 encoding',
      `${Buffer.from('{"alg":"RS256","x":"\xc0\xaf"}', 'latin1').toString('base64url')}.${PAYLOAD}.${SIGNATURE}`,
    ],
  ])('R20: refuses %s as not a JWT (ERR_TOKEN_MALFORMED)', (_name, token) => {
    expect(refusal(token)).toBe(NOT_JWT);
  });

  it('R20: a syntax error anywhere is reported before a JSON error (the same answer whatever the segment order)', () => {
    expect(refusal(`${b64u('not json')}.${PAYLOAD}.${SIGNATURE}=`)).toBe(NOT_JWS);
  });

  it('R20: a header decoded before is shared, frozen, and found only by the very same segment', () => {
    const header = b64u({ alg: 'ES256', kid: 'shared' });
    const first = decodeJwsCompact(`${header}.${PAYLOAD}.${SIGNATURE}`);
    const second = decodeJwsCompact(`${header}.${b64u({ sub: 'other' })}.${SIGNATURE}`);
    expect(second.header).toBe(first.header);
    expect(Object.isFrozen(first.header)).toBe(true);
    // Another spelling of the same header bytes is refused even after the canonical one was remembered.
    expect(refusal(`${header}=.${PAYLOAD}.${SIGNATURE}`)).toBe(NOT_JWS);
    // A header not JSON is never remembered: refused each time.
    const broken = `${b64u('{"alg":')}.${PAYLOAD}.${SIGNATURE}`;
    expect(refusal(broken)).toBe(NOT_JWT);
    expect(refusal(broken)).toBe(NOT_JWT);
  });

  it('R20: every canonical spelling of 1 to 40 bytes decodes; with padding, whitespace, + / . or NUL appended it is refused', () => {
    for (let length = 1; length <= 40; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 97 + length * 13) & 0xff));
      const signature = bytes.toString('base64url');
      expect([...decodeJwsCompact(`${HEADER}.${PAYLOAD}.${signature}`).signature]).toEqual([...bytes]);
      for (const extra of ['=', '==', ' ', '+', '/', '.', '\u0000']) {
        const spelled = `${HEADER}.${PAYLOAD}.${signature}${extra}`;
        expect(refusal(spelled)).toBe(NOT_JWS);
      }
    }
  });
});
