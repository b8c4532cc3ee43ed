/**
 * A hook that fixes a provider's quirks in its raw metadata document before validation (an authorization server's
 * `transpile` option; `fetchServerConfig`'s `transpile`).
 */
export type MetadataTranspiler = (raw: Record<string, unknown>) => Record<string, unknown>;
