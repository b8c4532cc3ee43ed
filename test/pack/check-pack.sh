#!/usr/bin/env bash
# Proves the package is publishable: `npm pack` ships dist/ with its types, and a fresh Nest 12 app installs the
# tarball with its peers, type-checks against it and boots with it — one copy of @nestjs/* (peers, not bundled).
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
echo "pack check passed"
