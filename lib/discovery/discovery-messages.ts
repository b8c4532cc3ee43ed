/** Prefixes a message with the option path it concerns (`authorizationServers[0]: …`), when there is one. */
export function withOption(option: string | undefined, message: string): string {
  return option === undefined || option === '' ? message : `${option}: ${message}`;
}

/** Where a metadata document came from, at the start of a sentence: `The metadata at https://…` or `Inline metadata`. */
export function documentSource(url: string | undefined): string {
  return url === undefined ? 'Inline metadata' : `The metadata at ${url}`;
}

/** A short JSON rendering of an offending value (metadata holds no secrets; long values are cut). */
export function preview(value: unknown, max = 80): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
