import { resolveOptions } from '../options/resolve-options.js';
import { literalSegments, matchRouteResource, resourceSegments } from './route-resource.js';

const resources = (...ids: string[]) =>
  resolveOptions({ resource: ids, authorizationServers: ['https://idp.example.com'] }).resources.map(
    (resource) => ({ resource, segments: resourceSegments(resource) }),
  );
const owner = (ids: string[], pattern: string) => {
  const match = matchRouteResource(resources(...ids), pattern);
  return 'problem' in match ? match.problem : match.resource.id;
};

describe('the resource of a route pattern', () => {
  it('R35: literal segments stop at the first parameter, wildcard or optional part', () => {
    expect(literalSegments('/v1/admin/secret')).toEqual(['v1', 'admin', 'secret']);
    expect(literalSegments('/admin/:id')).toEqual(['admin']);
    expect(literalSegments('/admin/*rest')).toEqual(['admin']);
    expect(literalSegments('/admin/{*path}')).toEqual(['admin']);
    expect(literalSegments('/admin{/:x}')).toEqual(['admin']);
    expect(literalSegments('/admin{s}')).toEqual([]);
    expect(literalSegments('/admin-:id')).toEqual([]);
    expect(literalSegments('/:tenant/admin')).toEqual([]);
    expect(literalSegments('*')).toEqual([]);
    expect(literalSegments('/')).toEqual([]);
  });

  it('R35: slashes do not make segments; letter case and percent-encoding do not distinguish them', () => {
    expect(literalSegments('/admin/')).toEqual(['admin']);
    expect(literalSegments('//admin//secret/')).toEqual(['admin', 'secret']);
    expect(literalSegments('/ADMIN/Secret')).toEqual(['admin', 'secret']);
    expect(literalSegments('/%61dmin')).toEqual(['admin']);
    expect(literalSegments('/100%')).toEqual(['100%']);
  });

  it('R35: the longest segment-prefix wins; /admin owns /admin and /admin/x, not /administrator', () => {
    const ids = ['https://h.example/mcp', 'https://h.example/admin', 'https://h.example/admin/reports'];
    expect(owner(ids, '/admin')).toBe('https://h.example/admin');
    expect(owner(ids, '/admin/x')).toBe('https://h.example/admin');
    expect(owner(ids, '/Admin/Secret')).toBe('https://h.example/admin');
    expect(owner(ids, '/admin/:id')).toBe('https://h.example/admin');
    expect(owner(ids, '/admin/reports/:id')).toBe('https://h.example/admin/reports');
    expect(owner(ids, '/admin/reportsx')).toBe('https://h.example/admin');
    expect(owner(ids, '/administrator')).toBe('none');
    expect(owner(ids, '/adm:x')).toBe('none');
    expect(owner(ids, '/:section/x')).toBe('none');
  });

  it('R35: global prefix and URI version are part of the pattern and of the resource path', () => {
    const ids = ['https://h.example/v1/mcp', 'https://h.example/v1/admin/'];
    expect(owner(ids, '/v1/admin/secret')).toBe('https://h.example/v1/admin/');
    expect(owner(ids, '/admin/secret')).toBe('none');
  });

  it('R35: an origin-only resource owns every route no resource with a longer path owns', () => {
    const ids = ['https://h.example', 'https://h.example/admin'];
    expect(owner(ids, '/elsewhere')).toBe('https://h.example');
    expect(owner(ids, '/:x')).toBe('https://h.example');
    expect(owner(ids, '/admin/x')).toBe('https://h.example/admin');
  });

  it('R35: two resources equally long (same path on two origins, or differing in case) → no owner', () => {
    expect(owner(['https://a.example/mcp', 'https://b.example/mcp'], '/mcp')).toBe('ambiguous');
    expect(owner(['https://h.example/Admin', 'https://h.example/admin'], '/admin/x')).toBe('ambiguous');
    expect(
      owner(['https://a.example/mcp', 'https://b.example/mcp', 'https://a.example/mcp/x'], '/mcp/x/y'),
    ).toBe('https://a.example/mcp/x');
  });
});
