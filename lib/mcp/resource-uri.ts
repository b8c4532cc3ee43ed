import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';

/** An RFC 6570 URI template (the MCP SDK's implementation): its text and its matcher. */
export interface ResourceUriTemplate {
  readonly text: string;
  /** The variables of `uri` if it matches, else `null`. */
  match(uri: string): Record<string, string | string[]> | null;
}

/** Parses a URI template; throws (a `TypeError`-like error of the SDK) when it is not one. */
export function resourceUriTemplate(text: string): ResourceUriTemplate {
  const template = new UriTemplate(text);
  return { text, match: (uri) => template.match(uri) };
}

/** A URI as the lists and the lookups compare it: the WHATWG URL serialisation when it parses, else as given. */
export function normalizeResourceUri(uri: string): string {
  try {
    return new URL(uri).href;
  } catch {
    return uri;
  }
}
