import { buildChallenge, quote } from './challenge.js';

describe('buildChallenge', () => {
  const resourceMetadata = 'https://h.example/.well-known/oauth-protected-resource/mcp';

  it('R7: without an error it carries only resource_metadata (and scope when given)', () => {
    expect(buildChallenge({ resourceMetadata })).toBe(`Bearer resource_metadata="${resourceMetadata}"`);
    expect(buildChallenge({ resourceMetadata, scope: ['a', 'b'] })).toBe(
      `Bearer scope="a b", resource_metadata="${resourceMetadata}"`,
    );
  });

  it('R8/R13: error, description, scope and resource_metadata, each once, in a fixed order (R11)', () => {
    const header = buildChallenge({
      error: 'insufficient_scope',
      errorDescription: 'The token lacks the scope(s): b',
      scope: ['a', 'b', 'a'],
      resourceMetadata,
    });
    expect(header).toBe(
      `Bearer error="insufficient_scope", error_description="The token lacks the scope(s): b", scope="a b", resource_metadata="${resourceMetadata}"`,
    );
    for (const name of ['error', 'error_description', 'scope', 'resource_metadata']) {
      expect(header.match(new RegExp(`(^|[ ,])${name}=`, 'g'))).toHaveLength(1);
    }
  });

  it('R11: quoted-string values escape " and \\ and drop control characters', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quote('line\r\nbreak')).toBe('"linebreak"');
    expect(buildChallenge({ resourceMetadata: 'https://h/"x"' })).toBe(
      'Bearer resource_metadata="https://h/\\"x\\""',
    );
  });

  it('R11: error_description keeps only the characters RFC 6750 allows (no quotes, no backslashes, no CRLF)', () => {
    const header = buildChallenge({
      error: 'invalid_token',
      errorDescription: 'bad "x"\\\r\nSet-Cookie: y',
      resourceMetadata,
    });
    expect(header).toContain('error_description="bad xSet-Cookie: y"');
    expect(header).not.toMatch(/[\r\n]/);
  });
});
