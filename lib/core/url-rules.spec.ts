import { urlProblem, type UrlKind } from './url-rules.js';

const rule = (value: unknown, kind: UrlKind) => urlProblem(value, kind)?.rule ?? 'ok';

describe('URL rules: one decision per kind of URL', () => {
  it.each([
    ['https://auth.example.com/tenant', 'ok', 'ok', 'ok'],
    ['http://127.0.0.1:3000/mcp', 'ok', 'ok', 'ok'],
    ['http://localhost/mcp', 'ok', 'ok', 'ok'],
    ['http://[::1]:8080', 'ok', 'ok', 'ok'],
    ['http://127.8.9.10', 'ok', 'ok', 'ok'],
    ['http://auth.example.com', 'plain-http', 'plain-http', 'ok'],
    ['http://keycloak:8080/realms/a', 'plain-http', 'plain-http', 'ok'],
    ['ftp://auth.example.com', 'scheme', 'scheme', 'scheme'],
    ['https://auth.example.com/keys?appid=1', 'query', 'ok', 'ok'],
    ['https://auth.example.com/#x', 'fragment', 'fragment', 'ok'],
    ['https://u:p@auth.example.com', 'credentials', 'credentials', 'credentials'],
    ['https:auth.example.com', 'absolute', 'absolute', 'absolute'],
    ['/token', 'absolute', 'absolute', 'absolute'],
    ['not a url', 'absolute', 'absolute', 'absolute'],
    ['', 'string', 'string', 'string'],
    [42, 'string', 'string', 'string'],
  ])('%j → identifier %s, endpoint %s, page %s', (value, identifier, endpoint, page) => {
    expect([rule(value, 'identifier'), rule(value, 'endpoint'), rule(value, 'page')]).toEqual([
      identifier,
      endpoint,
      page,
    ]);
  });
});
