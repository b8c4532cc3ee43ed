/**
 * A strict RFC 7235 parser for one `Bearer` challenge: the scheme, then `name="quoted-string"` or `name=token`
 * pairs separated by commas. Throws on anything malformed and on a repeated attribute (R11).
 */
export function parseBearerChallenge(header: string | undefined): Record<string, string> {
  if (!header) throw new Error('no WWW-Authenticate header');
  const m = /^Bearer(?: +(.*))?$/.exec(header);
  if (!m) throw new Error(`not a Bearer challenge: ${header}`);
  const params: Record<string, string> = {};
  let rest = m[1] ?? '';
  while (rest.length > 0) {
    const pair =
      /^([A-Za-z0-9_\-.]+)=(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9!#$%&'*+\-.^_`|~]+))\s*(?:,\s*|$)/.exec(rest);
    if (!pair) throw new Error(`malformed challenge near: ${rest}`);
    const name = pair[1].toLowerCase();
    if (name in params) throw new Error(`attribute repeated: ${name}`);
    params[name] = pair[2] !== undefined ? pair[2].replace(/\\(.)/g, '$1') : pair[3];
    rest = rest.slice(pair[0].length);
  }
  return params;
}
