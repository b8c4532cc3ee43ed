import {
  Controller,
  forwardRef,
  Get,
  Inject,
  Injectable,
  Module,
  Scope,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { MCP_AUTH_CONTEXT } from '../core/internal-tokens.js';
import { findConsumers } from './context-consumers.js';
import { McpAuthContext } from './mcp-auth-context.js';

/** The consumers `findConsumers` sees in an app made of `McpAuthContext` and `feature`. */
async function consumersOf(feature: { providers?: unknown[]; controllers?: unknown[] }): Promise<string[]> {
  @Module({
    providers: [
      McpAuthContext,
      { provide: MCP_AUTH_CONTEXT, useExisting: McpAuthContext },
      ...((feature.providers ?? []) as never[]),
    ],
    controllers: (feature.controllers ?? []) as never[],
  })
  class Feature {}
  const moduleRef = await Test.createTestingModule({ imports: [Feature] }).compile();
  try {
    return findConsumers(moduleRef.get(ModulesContainer), McpAuthContext);
  } finally {
    await moduleRef.close();
  }
}

describe("findConsumers (context: 'auto')", () => {
  it('finds nothing when nothing injects the class', async () => {
    @Injectable()
    class Plain {
      hello() {
        return 'hi';
      }
    }
    expect(await consumersOf({ providers: [Plain] })).toEqual([]);
  });

  it('does not count the internal token (the module’s own classes inject MCP_AUTH_CONTEXT)', async () => {
    @Injectable()
    class Internal {
      constructor(@Inject(MCP_AUTH_CONTEXT) readonly context: McpAuthContext) {}
    }
    expect(await consumersOf({ providers: [Internal] })).toEqual([]);
  });

  it('finds a constructor parameter', async () => {
    @Injectable()
    class ByType {
      constructor(readonly context: McpAuthContext) {}
    }
    expect(await consumersOf({ providers: [ByType] })).toEqual(['Feature.ByType']);
  });

  it('finds @Inject(McpAuthContext) on a parameter typed otherwise', async () => {
    interface CallerSource {
      current: unknown;
    }
    @Injectable()
    class ByInject {
      constructor(@Inject(McpAuthContext) readonly context: CallerSource) {}
    }
    expect(await consumersOf({ providers: [ByInject] })).toEqual(['Feature.ByInject']);
  });

  it('finds forwardRef(() => McpAuthContext)', async () => {
    @Injectable()
    class ByForwardRef {
      constructor(@Inject(forwardRef(() => McpAuthContext)) readonly context: McpAuthContext) {}
    }
    expect(await consumersOf({ providers: [ByForwardRef] })).toEqual(['Feature.ByForwardRef']);
  });

  it('finds property injection', async () => {
    @Injectable()
    class ByProperty {
      @Inject(McpAuthContext) readonly context!: McpAuthContext;
    }
    expect(await consumersOf({ providers: [ByProperty] })).toEqual(['Feature.ByProperty']);
  });

  it('finds a factory provider’s inject, plain and optional', async () => {
    const providers = [
      { provide: 'plain', inject: [McpAuthContext], useFactory: (c: McpAuthContext) => c },
      {
        provide: 'optional',
        inject: [{ token: McpAuthContext, optional: true }],
        useFactory: (c?: McpAuthContext) => c,
      },
      { provide: 'unrelated', inject: [], useFactory: () => 1 },
    ];
    expect(await consumersOf({ providers })).toEqual(['Feature.plain', 'Feature.optional']);
  });

  it('finds request-scoped providers, controllers and interceptors bound with @UseInterceptors', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      constructor(readonly context: McpAuthContext) {}
    }
    @Injectable()
    class AuditInterceptor implements NestInterceptor {
      constructor(readonly context: McpAuthContext) {}
      intercept(_: ExecutionContext, next: CallHandler) {
        return next.handle();
      }
    }
    @Controller('x')
    class Plain {
      @Get() @UseInterceptors(AuditInterceptor) get() {
        return 1;
      }
    }
    @Controller('y')
    class Reading {
      constructor(readonly context: McpAuthContext) {}
    }
    const found = await consumersOf({ providers: [PerRequest], controllers: [Plain, Reading] });
    expect(found.sort()).toEqual(['Feature.AuditInterceptor', 'Feature.PerRequest', 'Feature.Reading']);
  });
});
