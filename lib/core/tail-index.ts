/**
 * A direct-mapped table's index for a string by its length and last two characters, read without scanning it: for
 * a bearer header or a JWT those are its signature's, distinct from token to token (their leading characters are
 * the issuer's header, the same for all). `slots` is a power of two. Used by the tables that recognise the string a
 * client resends — the bearer parser's memo and the verified-token cache's identity slots; an index only narrows
 * the lookup, the caller still compares the strings.
 */
export function tailIndex(value: string, slots: number): number {
  const n = value.length;
  if (n < 2) return n & (slots - 1);
  return (n ^ (value.charCodeAt(n - 1) * 31) ^ (value.charCodeAt(n - 2) * 7)) & (slots - 1);
}
