#!/usr/bin/env bash
# Proves the package is publishable: `npm pack` ships dist/ with its types, and a fresh Nest 12 app installs the
# tarball with its peers, type-checks against it and boots with it — one copy of @nestjs/* (peers, not bundled).
# Then the same for a fresh Nest 12 Fastify app WITHOUT @nestjs/platform-express, run with `express` and
# @nestjs/platform-express made unresolvable: no import of either is reachable from a Fastify app — which also
# mounts McpServerModule: the official SDK client calls a tool with a token of the packed local issuer
# (nest-mcp-auth/testing). Last, fresh Fastify apps on the MCP SDK 1.x line and on the 2.x line (express
# unresolvable) are started against the real development OpenID provider, and the official SDK client (v1, resp. v2)
# completes the whole OAuth flow and a tools/call against each (test/pack/oauth-flow.ts drives it).
# Run: npm run test:pack (needs the npm registry; not part of npm test).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
npm run build >/dev/null
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed $tarball"
tar -tzf "$work/$tarball" > "$work/files.txt"
for f in package/dist/index.d.ts package/dist/testing/index.d.ts package/dist/cli/main.js; do
  grep -q "$f" "$work/files.txt" || { echo "$f missing"; exit 1; }
done
if grep -qE '\.spec\.(js|d\.ts)$' "$work/files.txt"; then echo "specs shipped"; exit 1; fi

version() { node -p "require('$root/package-lock.json').packages['node_modules/$1'].version"; }
app="$work/app"
mkdir -p "$app/src"
cat > "$app/package.json" <<JSON
{ "name": "fresh-nest-app", "private": true, "type": "module" }
JSON
cd "$app"
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" \
  "@nestjs/common@$(version @nestjs/common)" "@nestjs/core@$(version @nestjs/core)" \
  "@nestjs/platform-express@$(version @nestjs/platform-express)" \
  "@modelcontextprotocol/sdk@$(version @modelcontextprotocol/sdk)" "jose@$(version jose)" "zod@$(version zod)" \
  "reflect-metadata@$(version reflect-metadata)" "rxjs@$(version rxjs)" \
  "typescript@$(version typescript)" "@types/node@$(version @types/node)"

copies="$(find node_modules -path '*/@nestjs/core/package.json' | wc -l)"
[ "$copies" = 1 ] || { echo "expected one copy of @nestjs/core, found $copies"; exit 1; }

cat > src/main.ts <<'TS'
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule, McpServerModule, McpTool, RequireScopes, type McpAuthInfo } from 'nest-mcp-auth';
import { startLocalIssuer } from 'nest-mcp-auth/testing';

@Injectable()
class Tools {
  @McpTool({ name: 'ping' })
  @RequireScopes('read')
  ping(): string {
    return 'pong';
  }
}

@Module({
  imports: [
    McpAuthModule.forRoot({
      resource: 'http://127.0.0.1:3999/mcp',
      authorizationServers: [{ metadata: { issuer: 'http://127.0.0.1:4999', jwks_uri: 'http://127.0.0.1:4999/jwks' } }],
    }),
    McpServerModule.forRoot({ name: 'fresh', version: '1.0.0' }),
  ],
  providers: [Tools],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const { port } = app.getHttpServer().address();
const prm = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`).then((r) => r.json());
const unauthorized = await fetch(`http://127.0.0.1:${port}/mcp`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
});
const info: Partial<McpAuthInfo> = { subject: 'typed' };
const issuer = await startLocalIssuer();
const minted = (await issuer.mint()).split('.').length;
await issuer.close();
console.log(JSON.stringify({ resource: prm.resource, status: unauthorized.status, typed: info.subject, minted }));
await app.close();
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2023", "module": "nodenext", "moduleResolution": "nodenext", "strict": true,
  "experimentalDecorators": true, "emitDecoratorMetadata": true, "types": ["node"], "outDir": "dist", "rootDir": "src",
  "skipLibCheck": false }, "include": ["src"] }
JSON
npx tsc -p tsconfig.json
out="$(node dist/main.js)"
echo "$out"
[ "$out" = '{"resource":"http://127.0.0.1:3999/mcp","status":401,"typed":"typed","minted":3}' ] || { echo "unexpected output"; exit 1; }
npx --no-install nest-mcp-auth --help > /dev/null || { echo "the nest-mcp-auth bin does not run"; exit 1; }
echo "express app passed"

# A Fastify app: the optional peer @nestjs/platform-express is not installed.
fastify_app="$work/fastify-app"
mkdir -p "$fastify_app/src"
cp "$app/tsconfig.json" "$fastify_app/"
cat > "$fastify_app/package.json" <<JSON
{ "name": "fresh-nest-fastify-app", "private": true, "type": "module" }
JSON
cd "$fastify_app"
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" \
  "@nestjs/common@$(version @nestjs/common)" "@nestjs/core@$(version @nestjs/core)" \
  "@nestjs/platform-fastify@$(version @nestjs/platform-fastify)" \
  "@modelcontextprotocol/sdk@$(version @modelcontextprotocol/sdk)" "jose@$(version jose)" "zod@$(version zod)" \
  "reflect-metadata@$(version reflect-metadata)" "rxjs@$(version rxjs)" \
  "typescript@$(version typescript)" "@types/node@$(version @types/node)"
[ ! -e node_modules/@nestjs/platform-express ] || { echo "@nestjs/platform-express was installed"; exit 1; }

cat > src/main.ts <<'TS'
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  AuthInfo,
  McpAuthGuard,
  McpAuthModule,
  McpServerModule,
  McpTool,
  RequireScopes,
  type McpAuthInfo,
} from 'nest-mcp-auth';
import { startLocalIssuer } from 'nest-mcp-auth/testing';

const resource = 'http://127.0.0.1:3999/api';
const issuer = await startLocalIssuer({ audience: resource });

@Controller('api')
@UseGuards(McpAuthGuard)
class MeController {
  @Get('me')
  @RequireScopes('read')
  me(@AuthInfo() auth: McpAuthInfo) {
    return { subject: auth.subject };
  }
}

@Injectable()
class Tools {
  @McpTool({ name: 'whoami' })
  @RequireScopes('read')
  whoami(@AuthInfo('subject') subject: string): string {
    return `hello ${subject}`;
  }
}

@Module({
  imports: [
    McpAuthModule.forRoot({ resource, authorizationServers: [issuer.authorizationServer], context: true }),
    McpServerModule.forRoot({ name: 'fresh', version: '1.0.0', path: '/api/mcp' }),
  ],
  controllers: [MeController],
  providers: [Tools],
})
class AppModule {}

const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false });
app.setGlobalPrefix('v1');
await app.listen(0, '127.0.0.1');
const base = await app.getUrl();
const prm = await fetch(`${base}/.well-known/oauth-protected-resource/api`).then((r) => r.json());
const unauthorized = await fetch(`${base}/v1/api/me`);
const token = await issuer.mint({ subject: 'alice', scopes: ['read'] });
const me = await fetch(`${base}/v1/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
// The MCP endpoint on Fastify: anonymous → 401; the official SDK client with a token → initialize + tools/call.
const mcpUrl = new URL(`${base}/v1/api/mcp`);
const anonymous = await fetch(mcpUrl, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
});
const client = new Client({ name: 'pack', version: '1.0.0' });
await client.connect(
  new StreamableHTTPClientTransport(mcpUrl, { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
);
const called = await client.callTool({ name: 'whoami', arguments: {} });
await client.close();
await issuer.close();
await app.close();
console.log(
  JSON.stringify({
    adapter: app.getHttpAdapter().getType(),
    resource: prm.resource,
    status: unauthorized.status,
    challenge: unauthorized.headers.get('www-authenticate'),
    subject: me.subject,
    mcp: anonymous.status,
    tool: (called.content as Array<{ text: string }>)[0].text,
  }),
);
TS
# Resolving express or @nestjs/platform-express (or any file of theirs) fails, and is reported.
cat > block-express.mjs <<'JS'
import { register } from 'node:module';
register('./block-express-hooks.mjs', import.meta.url);
JS
cat > block-express-hooks.mjs <<'JS'
const BLOCKED = /^(express|@nestjs\/platform-express)(\/|$)|\/node_modules\/(express|@nestjs\/platform-express)\//;
export async function resolve(specifier, context, next) {
  const resolved = BLOCKED.test(specifier) ? undefined : await next(specifier, context);
  if (!resolved || BLOCKED.test(resolved.url)) {
    process.stderr.write(`blocked import of ${specifier} from ${context.parentURL}\n`);
    throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return resolved;
}
JS
# The block works: express itself (a dependency of the MCP SDK) is installed, and cannot be imported.
if node --import ./block-express.mjs --input-type=module -e "await import('express')" 2>/dev/null; then
  echo "the express block does not block"; exit 1
fi
npx tsc -p tsconfig.json
out="$(node --import ./block-express.mjs dist/main.js)"
echo "$out"
expected='{"adapter":"fastify","resource":"http://127.0.0.1:3999/api","status":401,"challenge":"Bearer scope=\"read\", resource_metadata=\"http://127.0.0.1:3999/.well-known/oauth-protected-resource/api\"","subject":"alice","mcp":401,"tool":"hello alice"}'
[ "$out" = "$expected" ] || { echo "unexpected output"; exit 1; }
echo "fastify app passed"

# The OAuth flow against a fresh Fastify app: its server (below; it imports only nest-mcp-auth and its own deps)
# takes its issuer and resource from the environment; the repository side (test/pack/oauth-flow.ts) starts the real
# development OpenID provider and drives the official SDK client through the whole flow — 401 → resource metadata →
# authorization server metadata → dynamic registration → authorization (PKCE + resource) → token — to a tools/call.
cat > "$work/server.ts" <<'TS'
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthInfo, McpAuthModule, McpServerModule, McpTool, RequireScopes } from 'nest-mcp-auth';

const { ISSUER, RESOURCE, PORT } = process.env;
if (!ISSUER || !RESOURCE || !PORT) throw new Error('set ISSUER, RESOURCE and PORT');

@Injectable()
class Tools {
  @McpTool({ name: 'whoami' })
  @RequireScopes('read')
  whoami(@AuthInfo('subject') subject: string): string {
    return `hello ${subject}`;
  }
}

@Module({
  imports: [
    McpAuthModule.forRoot({
      resource: RESOURCE,
      authorizationServers: [{ issuer: ISSUER, type: 'oidc' }],
      scopesSupported: ['read'],
    }),
    // sdk 'auto' (the default): the line this app installed.
    McpServerModule.forRoot({ name: 'fresh', version: '1.0.0', path: new URL(RESOURCE).pathname }),
  ],
  providers: [Tools],
})
class AppModule {}

const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: ['error'] });
await app.listen(Number(PORT), '127.0.0.1');
console.log(`listening ${await app.getUrl()}`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
TS
(cd "$root" && npx tsc -p tsconfig.scripts.json)
oauth_flow() { # <fresh app dir> <client line>: the flow against its dist/server.js, express made unresolvable
  cp "$work/server.ts" "$1/src/server.ts"
  (cd "$1" && npx tsc -p tsconfig.json)
  local out
  out="$(node "$root/dist-scripts/test/pack/oauth-flow.js" "$1/dist/server.js" "$2" --import ./block-express.mjs)"
  echo "$out"
  [ "$out" = "{\"client\":\"$2\",\"tool\":\"hello alice\",\"challenges\":[401],\"authorizations\":1,\"registered\":true,\"tokenRequests\":1}" ] ||
    { echo "unexpected output"; exit 1; }
}
oauth_flow "$fastify_app" v1
echo "fastify app (SDK 1.x): OAuth flow passed"

# The SDK 2.x server line: a fresh Fastify app with @modelcontextprotocol/server + /node instead of /sdk.
v2_app="$work/fastify-v2-app"
mkdir -p "$v2_app/src"
cp "$fastify_app/tsconfig.json" "$fastify_app/block-express.mjs" "$fastify_app/block-express-hooks.mjs" "$v2_app/"
cat > "$v2_app/package.json" <<JSON
{ "name": "fresh-nest-fastify-v2-app", "private": true, "type": "module" }
JSON
cd "$v2_app"
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" \
  "@nestjs/common@$(version @nestjs/common)" "@nestjs/core@$(version @nestjs/core)" \
  "@nestjs/platform-fastify@$(version @nestjs/platform-fastify)" \
  "@modelcontextprotocol/server@$(version @modelcontextprotocol/server)" \
  "@modelcontextprotocol/node@$(version @modelcontextprotocol/node)" "jose@$(version jose)" "zod@$(version zod)" \
  "reflect-metadata@$(version reflect-metadata)" "rxjs@$(version rxjs)" \
  "typescript@$(version typescript)" "@types/node@$(version @types/node)"
[ ! -e node_modules/@modelcontextprotocol/sdk ] || { echo "@modelcontextprotocol/sdk was installed"; exit 1; }
oauth_flow "$v2_app" v2
echo "fastify app (SDK 2.x): OAuth flow passed"
echo "pack check passed"
