import { jest } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { McpAuthError } from '../core/mcp-auth.error.js';
import { bearerTokenOf, extractBearerToken } from './bearer-token.js';

function req(authorization: string[] = [], extra: Record<string, unknown> = {}): IncomingMessage {
  const headers: Record<string, string> = {};
  if (authorization.length) headers.authorization = authorization[0];
  const rawHeaders = [
    'Host',
    'h',
    ...authorization.flatMap((a, i) => [i % 2 ? 'authorization' : 'Authorization', a]),
  ];
  return { headers, rawHeaders, url: '/x', ...extra } as never;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as McpAuthError).code;
  }
  return undefined;
}

describe('extractBearerToken', () => {
  it('returns the token of "Bearer <token>" with a case-insensitive scheme', () => {
    expect(extractBearerToken(req(['Bearer abc.def.ghi']))).toBe('abc.def.ghi');
    expect(extractBearerToken(req(['bearer abc']))).toBe('abc');
    expect(extractBearerToken(req(['BEARER  abc-_~+/=']))).toBe('abc-_~+/=');
  });

  it('R7: no Authorization header, or another scheme, is a missing token', () => {
    expect(codeOf(() => extractBearerToken(req()))).toBe('ERR_MISSING_TOKEN');
    expect(codeOf(() => extractBearerToken(req(['Basic dXNlcjpwYXNz'])))).toBe('ERR_MISSING_TOKEN');
  });

  it('R10: two Authorization headers are an invalid request', () => {
    expect(codeOf(() => extractBearerToken(req(['Bearer a', 'Bearer b'])))).toBe('ERR_INVALID_REQUEST');
  });

  it.each([
    ['AUTHORIZATION', 'AuThOrIzAtIoN'],
    ['Authorization', 'AUTHORIZATION'],
    ['authorization', 'authorizatioN'],
  ])('R10: two Authorization headers spelled %s and %s are an invalid request', (first, second) => {
    const twice = {
      headers: { authorization: 'Bearer a' },
      rawHeaders: [first, 'Bearer a', 'Host', 'h', second, 'Bearer b'],
      url: '/x',
    };
    expect(codeOf(() => extractBearerToken(twice as never))).toBe('ERR_INVALID_REQUEST');
    // Another 13-character header name is not counted.
    const other = { ...twice, rawHeaders: [first, 'Bearer a', 'Authorisation', 'x', 'X-Authorizati', 'y'] };
    expect(extractBearerToken(other as never)).toBe('a');
  });

  it.each([['Bearer'], ['Bearer '], ['Bearer a b'], ['Bearer\ta'], ['Bearer tökén'], ['Bearer a=b']])(
    'R10: a malformed bearer header %j is an invalid request',
    (header) => {
      expect(codeOf(() => extractBearerToken(req([header])))).toBe('ERR_INVALID_REQUEST');
    },
  );

  it('R23: a token in the query string is refused, alone or beside the header', () => {
    expect(codeOf(() => extractBearerToken(req([], { url: '/x?access_token=x' })))).toBe(
      'ERR_INVALID_REQUEST',
    );
    expect(codeOf(() => extractBearerToken(req(['Bearer a'], { url: '/x?a=1&access_token=a' })))).toBe(
      'ERR_INVALID_REQUEST',
    );
    expect(extractBearerToken(req(['Bearer a'], { url: '/x?note=access_token' }))).toBe('a');
  });

  it('R23: a token in a form-encoded body is refused; a JSON field of that name is not a token', () => {
    const form = req(['Bearer a'], { body: { access_token: 'a' } });
    form.headers['content-type'] = 'application/x-www-form-urlencoded';
    expect(codeOf(() => extractBearerToken(form))).toBe('ERR_INVALID_REQUEST');
    const json = req(['Bearer a'], { body: { access_token: 'a' } });
    json.headers['content-type'] = 'application/json';
    expect(extractBearerToken(json)).toBe('a');
  });
});

describe('bearerTokenOf', () => {
  // The grammar as written in RFC 6750 §2.1, case-insensitive scheme (`/i`): the oracle of the differential test.
  const GRAMMAR = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
  const oracle = (header: string) => GRAMMAR.exec(header)?.[1];
  const ALPHABET = [
    'B',
    'b',
    'E',
    'e',
    'A',
    'a',
    'R',
    'r',
    ' ',
    '\t',
    '=',
    '.',
    '-',
    '_',
    '~',
    '+',
    '/',
    '0',
    'z',
    'ö',
    'ſ',
    'K',
    '\u212a',
    ',',
    '"',
    '\n',
    ':',
  ];

  it('R10: accepts exactly the headers the RFC 6750 §2.1 grammar accepts, with the same token (differential)', () => {
    let seed = 14;
    const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
    const prefixes = [
      'Bearer ',
      'bearer  ',
      'BEARER ',
      'BeArEr',
      'Bearer',
      'Bearer\t',
      'Bear ',
      'Bearerx ',
      '',
    ];
    const mismatches: Array<[string, string | undefined, string | undefined]> = [];
    for (let k = 0; k < 20_000; k++) {
      let header = prefixes[random(prefixes.length)];
      const length = random(12);
      for (let i = 0; i < length; i++) header += ALPHABET[random(ALPHABET.length)];
      // Asked twice: the second answer may come from the headers already checked.
      const [ours, again, theirs] = [bearerTokenOf(header), bearerTokenOf(header), oracle(header)];
      if (ours !== theirs || again !== theirs) mismatches.push([header, ours, theirs]);
    }
    expect(mismatches).toEqual([]);
  });

  it('R10: a header checked just before is answered without reading it again — only the very same string', () => {
    const header = `Bearer ${'a'.repeat(900)}.b.cd`;
    expect(bearerTokenOf(header)).toBe(header.slice(7));
    const test = jest.spyOn(RegExp.prototype, 'test');
    try {
      expect(bearerTokenOf(Buffer.from(header).toString())).toBe(header.slice(7)); // an equal string, not the same
      expect(test).not.toHaveBeenCalled();
      // Same length and last characters (the same slot), one character apart: checked, and remembered instead.
      const other = `${header.slice(0, 20)}b${header.slice(21)}`;
      expect(bearerTokenOf(other)).toBe(other.slice(7));
      expect(test).toHaveBeenCalledTimes(1);
      // A malformed header of the same slot is never remembered, nor answered from the one remembered.
      const malformed = `${header.slice(0, 20)} ${header.slice(21)}`;
      expect([bearerTokenOf(malformed), bearerTokenOf(malformed)]).toEqual([undefined, undefined]);
      expect(test).toHaveBeenCalledTimes(3);
      expect(bearerTokenOf(other)).toBe(other.slice(7));
      expect(test).toHaveBeenCalledTimes(3);
    } finally {
      test.mockRestore();
    }
  });

  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bEaReR   a-b_c~d+e/f==  ', 'a-b_c~d+e/f=='],
    ['Bearer =', undefined],
    ['Bearer a=b', undefined],
    ['Bearer a ', 'a'],
    ['Bearer a\n', undefined],
    ['Bearer\u212a', undefined],
    ['Bearer ſ', undefined],
    ['Bearerabc', undefined],
  ])('R10: %j gives %j, as the grammar does', (header, token) => {
    expect(bearerTokenOf(header)).toBe(token);
    expect(oracle(header)).toBe(token);
  });
});
