import { Reflector } from '@nestjs/core';

const PublicMetadata = Reflector.createDecorator<boolean>();

/** Opts a route (or a whole controller) out of `McpAuthGuard` when the guard is applied app-wide or per class. */
export function Public(): ClassDecorator & MethodDecorator {
  return PublicMetadata(true);
}
Public.KEY = PublicMetadata;
