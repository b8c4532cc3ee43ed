/**
 * The strict decoders every encoded value the library reads goes through: one spelling per value, and text that is
 * really UTF-8. Decoders are lenient (padding optional, whitespace and foreign characters skipped, unused bits
 * ignored, malformed UTF-8 replaced by U+FFFD), which would let one value be sent many ways.
 */

/**
 * The bytes `value` encodes when it is their canonical spelling in `encoding` — encoding the decoded bytes gives
 * `value` back, character for character — else `undefined`. One comparison refuses every spelling a decoder
 * forgives: missing or extra padding, whitespace, the other alphabet, unused low bits set, an impossible length,
 * characters outside the alphabet. `base64url` is unpadded (RFC 7515 §2), `base64` padded (RFC 4648 §4).
 */
export function canonicalBytes(value: string, encoding: 'base64' | 'base64url'): Buffer | undefined {
  const bytes = Buffer.from(value, encoding);
  return bytes.toString(encoding) === value ? bytes : undefined;
}

/** UTF-8 that refuses malformed bytes instead of replacing them (a leading BOM is dropped, RFC 8259 §8.1). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `bytes` as text when they are well-formed UTF-8, else `undefined`. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
