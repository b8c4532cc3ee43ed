import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { AuthorizationServerMetadata } from './authorization-server-metadata.js';
import { documentSource, preview, withOption } from './discovery-messages.js';
import { ServerMetadataDocument } from './server-metadata.dto.js';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';

/** Options of {@link validateServerMetadata}. */
export interface ValidateServerMetadataOptions {
  /**
   * The configured issuer. When given, the document's `issuer` must be identical to it, byte for byte
   * (RFC 8414 §3.3). When omitted, any valid issuer URL is accepted.
   */
  expectedIssuer?: string;
  /** Require `jwks_uri` (to verify JWT access tokens). */
  requireJwksUri: boolean;
  /** Require `introspection_endpoint` (to verify opaque tokens). Default false. */
  requireIntrospection?: boolean;
  /** Where the document was fetched from, for messages (omitted: inline metadata). */
  url?: string;
  /** The option path of this authorization server, for messages (`authorizationServers[0]`). */
  option?: string;
}

/**
 * Checks an authorization server metadata document (RFC 8414 §2 / OpenID Connect Discovery 1.0 §3) with
 * class-validator, with the URL rules of `core/url-rules.ts`: `issuer` is an identifier (`https:`, plain `http:` on
 * loopback, no query, fragment or credentials); every endpoint field present is an endpoint URL (`https:`, plain
 * `http:` on loopback, no fragment); list fields are string arrays; flags are booleans; `jwks_uri` (and
 * `introspection_endpoint`) exist when required. Members this library does not know are kept as they are.
 *
 * @returns the document itself (not a copy), typed.
 * @throws McpAuthConfigError `ERR_ISSUER_MISMATCH` when `issuer` differs from `expectedIssuer` (RFC 8414 §3.3) —
 *   checked first, since a document of another issuer is not worth reading further; `ERR_METADATA_INVALID` naming
 *   every failing field otherwise.
 */
export function validateServerMetadata(
  document: Record<string, unknown>,
  options: ValidateServerMetadataOptions,
): AuthorizationServerMetadata {
  const { expectedIssuer, url, option } = options;
  const issuer = document.issuer;
  if (expectedIssuer !== undefined && typeof issuer === 'string' && issuer !== expectedIssuer) {
    throw new McpAuthConfigError(
      'ERR_ISSUER_MISMATCH',
      issuerMismatchMessage(issuer, expectedIssuer, options),
      {
        option,
        url,
      },
    );
  }

  const problems = validateSync(plainToInstance(ServerMetadataDocument, document), {
    forbidUnknownValues: false,
    validationError: { target: false, value: true },
  }).map(describeFailure);
  if (options.requireJwksUri && document.jwks_uri == null) {
    problems.push('jwks_uri is missing (it is required to verify JWT access tokens)');
  }
  if (options.requireIntrospection && document.introspection_endpoint == null) {
    problems.push('introspection_endpoint is missing (it is required to verify opaque access tokens)');
  }
  if (problems.length > 0) {
    const message = `${documentSource(url)} is not valid authorization server metadata: ${problems.join('; ')}.`;
    throw new McpAuthConfigError('ERR_METADATA_INVALID', withOption(option, message), { option, url });
  }
  return document as AuthorizationServerMetadata;
}

const TYPE_CONSTRAINTS = ['isString', 'isArray', 'isBoolean'];

function describeFailure(error: ValidationError): string {
  if (error.value === undefined || error.value === null) {
    return `${error.property} is missing`;
  }
  const constraints = error.constraints ?? {};
  // A value of the wrong type fails its format checks too: report only the type then.
  const typeFailures = TYPE_CONSTRAINTS.filter((name) => name in constraints);
  const failed = typeFailures.length > 0 ? typeFailures : Object.keys(constraints);
  const reasons = [...new Set(failed.map((name) => constraints[name]))];
  return `${error.property} ${reasons.join(', ')} (got ${preview(error.value)})`;
}

/** How two issuers that are not equal differ, when it is a common slip: `'a trailing slash'` or `'letter case'`. */
export function issuerDifference(
  actual: string,
  expected: string,
): 'a trailing slash' | 'letter case' | undefined {
  if (actual.replace(/\/$/, '') === expected.replace(/\/$/, '')) return 'a trailing slash';
  if (actual.toLowerCase() === expected.toLowerCase()) return 'letter case';
  return undefined;
}

function issuerMismatchMessage(
  actual: string,
  expected: string,
  { url, option }: ValidateServerMetadataOptions,
): string {
  const difference = issuerDifference(actual, expected);
  const hint = difference ? ` They differ only by ${difference}, which is significant.` : '';
  const message =
    `${documentSource(url)} declares issuer ${preview(actual, 200)}, but the configured issuer is ` +
    `${preview(expected, 200)}. They must be identical, byte for byte (RFC 8414 §3.3): configure the issuer ` +
    `exactly as the provider writes it in its metadata and in the tokens' "iss" claim.${hint}`;
  return withOption(option, message);
}
