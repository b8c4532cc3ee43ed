import { RequestMethod, VERSION_NEUTRAL, VersioningType } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { servedPatterns } from './route-resource-check.js';

const post = (path: string) => ({ method: RequestMethod.POST, path });
const config = (setup: (c: ApplicationConfig) => void = () => {}) => {
  const c = new ApplicationConfig();
  setup(c);
  return c;
};

describe('the patterns Nest serves a module-declared route at', () => {
  it('R35: the route as declared without a global prefix, slashes normalised', () => {
    expect(servedPatterns(config(), post('mcp'))).toEqual(['/mcp']);
    expect(servedPatterns(config(), post('/mcp/'))).toEqual(['/mcp']);
    expect(servedPatterns(config(), post('/'))).toEqual(['/']);
  });

  it('R35: the global prefix goes first, unless the route is excluded from it for its method', () => {
    const prefixed = config((c) => c.setGlobalPrefix('/v1/'));
    expect(servedPatterns(prefixed, post('/mcp'))).toEqual(['/v1/mcp']);
    const excluded = config((c) => {
      c.setGlobalPrefix('v1');
      c.setGlobalPrefixOptions({
        exclude: [{ path: 'mcp', pathRegex: /^\/mcp\/?$/i, requestMethod: RequestMethod.POST }],
      });
    });
    expect(servedPatterns(excluded, post('/mcp'))).toEqual(['/mcp']);
    expect(servedPatterns(excluded, { method: RequestMethod.GET, path: '/mcp' })).toEqual(['/v1/mcp']);
  });

  it('R35: URI versioning adds each default version (none for VERSION_NEUTRAL); other types add none', () => {
    const uri = (options: object) =>
      config((c) => {
        c.setGlobalPrefix('api');
        c.enableVersioning({ type: VersioningType.URI, ...options });
      });
    expect(servedPatterns(uri({}), post('/mcp'))).toEqual(['/api/mcp']);
    expect(servedPatterns(uri({ defaultVersion: '1' }), post('/mcp'))).toEqual(['/api/v1/mcp']);
    expect(
      servedPatterns(uri({ defaultVersion: ['1', VERSION_NEUTRAL], prefix: 'ver' }), post('/mcp')),
    ).toEqual(['/api/ver1/mcp', '/api/mcp']);
    expect(servedPatterns(uri({ defaultVersion: '2', prefix: false }), post('/mcp'))).toEqual(['/api/2/mcp']);
    const header = config((c) =>
      c.enableVersioning({ type: VersioningType.HEADER, header: 'x-v', defaultVersion: '1' }),
    );
    expect(servedPatterns(header, post('/mcp'))).toEqual(['/mcp']);
  });
});
