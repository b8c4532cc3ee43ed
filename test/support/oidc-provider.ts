// The real OpenID provider the e2e suites use is the sample's embedded development provider: one piece of code.
export * from '../../sample/dev-provider/oidc-provider.js';
