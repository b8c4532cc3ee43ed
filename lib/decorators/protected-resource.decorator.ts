import { Reflector } from '@nestjs/core';

const ProtectedResourceMetadata = Reflector.createDecorator<string>();

/**
 * Names the resource (one of the configured resource identifiers) a route or controller belongs to, when the
 * module protects several. Without it the guard picks the resource whose path is the longest segment prefix of the
 * route's declared path (global prefix included) — never of the request URL — and refuses a route under none. A
 * controller naming a resource that is not configured fails the app's boot with a message naming both.
 */
export function ProtectedResource(resource: string): ClassDecorator & MethodDecorator {
  return ProtectedResourceMetadata(resource);
}
ProtectedResource.KEY = ProtectedResourceMetadata;
