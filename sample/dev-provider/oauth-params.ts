/** The scopes of a space-separated `scope` value (anything else: none). */
export function splitScope(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/** A request parameter that may be repeated (`resource`, `audience`) as a list of its string values. */
export function asArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}
