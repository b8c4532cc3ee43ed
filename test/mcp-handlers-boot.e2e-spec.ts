/** MCP handlers that cannot be served as written fail the boot, naming the method (never silently skipped). */
import { Controller, Injectable, Scope, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { z } from 'zod';
import {
  AuthInfo,
  McpAuthConfigError,
  McpPrompt,
  McpResource,
  McpServerModule,
  McpTool,
  Public,
  RequireScopes,
  type McpServerModuleOptions,
} from '../lib/index.js';

async function boot(
  classes: { providers?: Type[]; controllers?: Type[] },
  options: Partial<McpServerModuleOptions> = {},
) {
  const moduleRef = await Test.createTestingModule({
    imports: [McpServerModule.forRoot({ name: 't', version: '1', auth: false, ...options })],
    providers: classes.providers ?? [],
    controllers: classes.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
  } finally {
    await app.close();
  }
}

async function bootError(classes: { providers?: Type[]; controllers?: Type[] }, options = {}) {
  const error = await boot(classes, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpAuthConfigError);
  return error as McpAuthConfigError;
}

@Injectable()
class Prompts {
  @McpPrompt({ name: 'p' })
  one() {
    return 'one';
  }
}
@Injectable()
class MorePrompts {
  @McpPrompt({ name: 'p' })
  two() {
    return 'two';
  }
}
@Injectable()
class Files {
  @McpResource({ uri: 'file:///a', name: 'a' })
  a() {
    return 'a';
  }
  @McpResource({ uri: 'file:///a', name: 'b' })
  b() {
    return 'b';
  }
}
@Injectable()
class ProviderTools {
  @McpTool({ name: 't' })
  t() {
    return 't';
  }
}
@Controller()
class ControllerTools {
  @McpTool({ name: 't' })
  t() {
    return 't';
  }
}
@Injectable()
class PublicTool {
  @McpTool({ name: 'p' })
  @Public()
  p() {
    return 'p';
  }
}
@Injectable()
class MixedParams {
  @McpTool({ name: 'mixed', input: { a: z.string() } })
  mixed(args: unknown, extra: unknown, call: unknown, more: unknown, @AuthInfo() auth: unknown) {
    return [args, extra, call, more, auth];
  }
}
@Controller({ scope: Scope.REQUEST })
class RequestScopedController {
  @McpTool({ name: 'rs' })
  rs() {
    return 'rs';
  }
}
@Injectable()
class ScopedResource {
  @McpResource({ uriTemplate: 'todo://{id}', name: 'todo' })
  @RequireScopes('read')
  todo() {
    return 'x';
  }
}
@Injectable()
class BadTemplate {
  @McpResource({ uriTemplate: 'todo://{id', name: 'todo' })
  todo() {
    return 'x';
  }
}
@Injectable()
class BadInput {
  @McpTool({ name: 'bad', input: 42 as never })
  bad() {
    return 'x';
  }
}

describe('MCP handler declarations checked at boot', () => {
  it('ERR_DUPLICATE_HANDLER: two prompts, two resources with one URI, a tool on a provider and on a controller', async () => {
    expect(await bootError({ providers: [Prompts, MorePrompts] })).toMatchObject({
      code: 'ERR_DUPLICATE_HANDLER',
      message: '@McpPrompt name "p" is used twice: Prompts.one and MorePrompts.two',
    });
    expect((await bootError({ providers: [Files] })).message).toBe(
      '@McpResource uri "file:///a" is used twice: Files.a and Files.b',
    );
    expect((await bootError({ providers: [ProviderTools], controllers: [ControllerTools] })).message).toBe(
      '@McpTool name "t" is used twice: ProviderTools.t and ControllerTools.t',
    );
  });

  it('ERR_INVALID_HANDLER: @Public() on a handler, a fourth undecorated parameter beside decorated ones, a request-scoped controller, an invalid template or input', async () => {
    expect(await bootError({ providers: [PublicTool] })).toMatchObject({
      code: 'ERR_INVALID_HANDLER',
      message: expect.stringContaining('PublicTool.p: @Public() does not apply to MCP handlers'),
    });
    expect((await bootError({ providers: [MixedParams] })).message).toContain(
      'MixedParams.mixed: parameter 3 has no decorator: beside decorated parameters, the undecorated ones receive',
    );
    expect((await bootError({ controllers: [RequestScopedController] })).message).toContain(
      'RequestScopedController.rs: MCP handlers on request-scoped or transient controllers are not supported',
    );
    expect((await bootError({ providers: [BadTemplate] })).message).toContain(
      'BadTemplate.todo: invalid uriTemplate',
    );
    expect((await bootError({ providers: [BadInput] })).message).toContain('BadInput.bad: input must be');
  });

  it('a resource with @RequireScopes on a public endpoint (auth: false) fails the boot', async () => {
    expect((await bootError({ providers: [ScopedResource] })).message).toContain(
      '@RequireScopes protects "todo" (ScopedResource.todo: read)',
    );
  });

  it('R45: listAllTools (removed) and an unknown visibility fail the boot, naming the option', async () => {
    expect(await bootError({ providers: [ProviderTools] }, { listAllTools: true })).toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      option: 'listAllTools',
    });
    expect(await bootError({ providers: [ProviderTools] }, { visibility: 'mine' })).toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      option: 'visibility',
    });
  });
});
