/** An RFC 6570 URI template (the MCP SDK's implementation, of the line in use): its text and its matcher. */
export interface ResourceUriTemplate {
  readonly text: string;
  /** The variables of `uri` if it matches, else `null`. */
  match(uri: string): Record<string, string | string[]> | null;
}

/** The SDKs' `UriTemplate` class, as both lines export it. */
export type UriTemplateClass = new (template: string) => {
  match(uri: string): Record<string, string | string[]> | null;
};

/** Parses a URI template with `Template`; throws (a `TypeError`-like error of the SDK) when it is not one. */
export function resourceUriTemplate(text: string, Template: UriTemplateClass): ResourceUriTemplate {
  const template = new Template(text);
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
