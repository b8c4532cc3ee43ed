/** A protected resource, normalised: everything the guard and the metadata routes need, computed once. */
export interface ResolvedResource {
  /** The resource identifier, verbatim (RFC 9728 §3.3). */
  readonly id: string;
  /** The identifier parsed once (`AuthInfo.resource`). */
  readonly url: URL;
  /** Its path without a trailing slash (`''` for an origin), for matching request paths. */
  readonly path: string;
  /** The protected resource metadata URL (RFC 9728 §3.1 insertion), built from configuration. */
  readonly metadataUrl: string;
  /** The path part of `metadataUrl`, where this app serves the document. */
  readonly metadataPath: string;
  /** Issuers trusted for this resource, in configuration order. */
  readonly issuers: readonly string[];
  /** Accepted `aud` values, or `false` when the check was turned off explicitly. */
  readonly audience: readonly string[] | false;
  /** The claim the audience rule reads (`aud` unless configured otherwise). */
  readonly audienceClaim: string;
  /** Advertised scopes (never `offline_access`). */
  readonly scopesSupported?: readonly string[];
  /** Scopes every 401 challenge names (never `offline_access`). */
  readonly defaultScopes: readonly string[];
  readonly resourceName?: string;
  readonly resourceDocumentation?: string;
}
