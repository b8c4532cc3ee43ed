import { Reflector } from '@nestjs/core';

const ProtectedResourceMetadata = Reflector.createDecorator<string>();

/**
 * Names the resource (one of the configured resource identifiers) a route or controller belongs to, when the
 * module protects several. Without it the guard picks the resource whose path is the longest prefix of the
 * request path. An unknown identifier fails at the first request with an error naming it.
 */
export function ProtectedResource(resource: string): ClassDecorator & MethodDecorator {
  return ProtectedResourceMetadata(resource);
}
ProtectedResource.KEY = ProtectedResourceMetadata;
