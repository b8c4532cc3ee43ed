// The headless OAuth client the e2e suites drive is the sample client's: one piece of code.
export * from '../../sample/client/headless-oauth-client.js';
