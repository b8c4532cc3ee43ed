/** The attributes of an RFC 6750 §3 `Bearer` challenge. */
export interface ChallengeParams {
  error?: string;
  errorDescription?: string;
  scope?: readonly string[];
  /** RFC 9728 §5.1: where the client finds the protected resource metadata. */
  resourceMetadata: string;
}

/** Characters RFC 6750 allows in `error_description` (%x20-21 / %x23-5B / %x5D-7E). */
const NOT_DESCRIPTION_CHAR = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;
/** Characters no quoted-string may carry raw (controls, non-ASCII). */
const NOT_QUOTABLE = /[^\x20-\x7e]/g;

/** An RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped, anything unprintable dropped. */
export function quote(value: string): string {
  return `"${value.replace(NOT_QUOTABLE, '').replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * `Bearer error="…", error_description="…", scope="…", resource_metadata="…"`: each attribute at most once, in a
 * fixed order (RFC 6750 §3). The scope list is deduplicated.
 */
export function buildChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.error) parts.push(`error=${quote(params.error)}`);
  if (params.errorDescription) {
    parts.push(`error_description=${quote(params.errorDescription.replace(NOT_DESCRIPTION_CHAR, ''))}`);
  }
  if (params.scope && params.scope.length > 0)
    parts.push(`scope=${quote([...new Set(params.scope)].join(' '))}`);
  parts.push(`resource_metadata=${quote(params.resourceMetadata)}`);
  return `Bearer ${parts.join(', ')}`;
}
