import { createHash } from 'node:crypto';
import { tailIndex } from '../core/tail-index.js';
import type { CacheAdmission } from '../options/token-cache.settings.js';

/**
 * How many trailing characters of a key index the map. A JWT's are its signature's — distinct for every token —
 * while its leading ones (the header) are the same for all tokens of an issuer. Hashing a whole ~1 000-character
 * token is what a lookup costs, and a fresh string (each request's header) is hashed again every time: indexing by
 * the last 64 characters and comparing the whole key on a hit costs ~0.3 µs instead of ~2.5 µs (measured, Node 20
 * and 24). Two keys with the same tail share a slot: the newer replaces the older (never a wrong answer).
 */
const SLOT_LENGTH = 64;

/** Fingerprints the second-use table holds at most (256 KB), and at least. */
const MAX_FINGERPRINTS = 1 << 16;
const MIN_FINGERPRINTS = 1 << 6;

/**
 * Entries found by the key string itself, before the map: a client resends one token, and the bearer parser hands
 * over the very string it parsed last time (`bearerTokenOf`), so a hit is an identity check — no tail to slice and
 * hash. Direct-mapped by the key's length and last characters; an entry found there counts only while it is still
 * the map's (`live`) and its key is equal (the same string, or compared in full).
 */
const RECENT_SLOTS = 64;

interface Entry<T> {
  readonly key: string;
  readonly value: T;
  readonly until: number;
  used: number;
  /** False once the entry left the map (expired, evicted, replaced, deleted): `recent` may still point at it. */
  live: boolean;
}

/**
 * A bounded cache of verification results: entries expire at their own `until` (seconds since the epoch) and the
 * least recently used (to the second) is evicted beyond `maxEntries`. Keys are the caller's: the token itself, or
 * `keyOf(token)` where the token should not be kept.
 */
export class TokenCache<T> {
  /** By slot (the key's tail); `used`: when the entry last moved to the most-recent end (at most once a second). */
  private readonly entries = new Map<string, Entry<T>>();
  /**
   * Walks the slots oldest first, kept across evictions: `entries.keys().next()` would start from the beginning
   * every time and step over every entry deleted since the map's last rehash (~10 µs per eviction at 10 000
   * entries, measured), while a live Map iterator resumes where it stopped and still yields, in order, the entries
   * set after it was created (a refreshed entry is re-set, so it comes after the older ones).
   */
  private oldest?: Iterator<string>;
  /** The entries last set or found, by the `tailIndex` of their key (see {@link RECENT_SLOTS}). */
  private readonly recent = new Array<Entry<T> | undefined>(RECENT_SLOTS).fill(undefined);
  /**
   * Second-use admission: the fingerprints of keys offered once, direct-mapped by an index hash independent of the
   * fingerprint (a newer key on the same index overwrites). A key is admitted when its fingerprint is found there;
   * no per-key memory, no allocation. The smallest power of two ≥ `maxEntries` slots (64 to 65 536: 64 KiB at the
   * default 10 000).
   */
  private readonly offered?: Int32Array;
  /** Lookups answered from the cache, and lookups that found nothing usable (for the metrics). */
  hits = 0;
  misses = 0;

  /**
   * @param maxEntries entries kept at most (least recently used evicted); 0 keeps none.
   * @param admission `'second-use'`: `set` keeps a key only when it is offered a second time (a key already cached
   *   is replaced at once). Default `'first-use'`.
   */
  constructor(
    private readonly maxEntries: number,
    admission: CacheAdmission = 'first-use',
  ) {
    if (admission === 'second-use' && maxEntries > 0) {
      let size = MIN_FINGERPRINTS;
      while (size < maxEntries && size < MAX_FINGERPRINTS) size <<= 1;
      this.offered = new Int32Array(size);
    }
  }

  /** The cache key of a token: its SHA-256, base64url. */
  static keyOf(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now = Date.now() / 1000): T | undefined {
    const index = tailIndex(key, RECENT_SLOTS);
    let entry = this.recent[index];
    let slot: string | undefined;
    if (entry === undefined || !entry.live || entry.key !== key) {
      slot = slotOf(key);
      entry = this.entries.get(slot);
      if (!entry || entry.key !== key) {
        this.misses++;
        return undefined;
      }
      this.recent[index] = entry;
    }
    if (entry.until <= now) {
      this.remove(slot ?? slotOf(key), entry);
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (now - entry.used >= 1) {
      entry.used = now;
      slot ??= slotOf(key);
      this.entries.delete(slot);
      this.entries.set(slot, entry); // most recently used last
    }
    return entry.value;
  }

  set(key: string, value: T, until: number, now = Date.now() / 1000): void {
    if (this.maxEntries <= 0) return;
    const slot = slotOf(key);
    const previous = this.entries.get(slot);
    if (this.offered !== undefined && previous?.key !== key && !this.admit(key)) return;
    if (previous) this.remove(slot, previous);
    const entry: Entry<T> = { key, value, until, used: now, live: true };
    this.entries.set(slot, entry);
    this.recent[tailIndex(key, RECENT_SLOTS)] = entry;
    if (this.entries.size > this.maxEntries) this.evictOldest();
  }

  /** Second-use admission: true when `key` was offered before (and forgets it), else remembers it. */
  private admit(key: string): boolean {
    const table = this.offered!;
    const print = fingerprint(key);
    const index = slotIndex(key) & (table.length - 1);
    if (table[index] === print) {
      table[index] = 0;
      return true;
    }
    table[index] = print;
    return false;
  }

  private evictOldest(): void {
    let next = this.oldest?.next();
    if (!next || next.done) {
      this.oldest = this.entries.keys();
      next = this.oldest.next();
    }
    if (!next.done) this.remove(next.value, this.entries.get(next.value)!);
  }

  /** Takes `entry` (the map's at `slot`) out of the map, and out of `recent` by its flag. */
  private remove(slot: string, entry: Entry<T>): void {
    entry.live = false;
    this.entries.delete(slot);
  }

  /** Drops every entry for which `predicate` holds. */
  deleteWhere(predicate: (value: T) => boolean): void {
    for (const [slot, entry] of this.entries) if (predicate(entry.value)) this.remove(slot, entry);
  }

  clear(): void {
    for (const entry of this.entries.values()) entry.live = false;
    this.entries.clear();
  }
}

/** The map index of a key: its last {@link SLOT_LENGTH} characters (the whole key when shorter). */
function slotOf(key: string): string {
  return key.length > SLOT_LENGTH ? key.slice(key.length - SLOT_LENGTH) : key;
}

/**
 * Where a key's fingerprint goes in the second-use table: a hash of its last characters independent of the
 * fingerprint — were the index the fingerprint's own low bits, only its other bits would tell two keys apart, and
 * about one key in 2^18 would be admitted at its first offer (measured: 4 of 750 000 in the memory bench).
 */
function slotIndex(key: string): number {
  let hash = 5381;
  for (let i = Math.max(0, key.length - 8); i < key.length; i++)
    hash = Math.imul(hash, 33) ^ key.charCodeAt(i);
  return hash >>> 0;
}

/** FNV-1a (32 bits) of a key's last {@link SLOT_LENGTH} characters, never 0 (an empty fingerprint slot). */
function fingerprint(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, key.length - SLOT_LENGTH); i < key.length; i++)
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash | 1;
}
