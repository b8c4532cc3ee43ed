// The public API of nest-mcp-auth/testing: a local issuer for tests of protected apps. Nothing else is exported.
export {
  startLocalIssuer,
  type LocalIssuer,
  type LocalIssuerOptions,
  type MintHeader,
  type MintOptions,
} from './local-issuer.js';
export type { LocalIssuerAlgorithm } from './signing-keys.js';
