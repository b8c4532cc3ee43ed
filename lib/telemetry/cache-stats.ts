/** Hit and miss counts of a verified-token cache, and its size (read when metrics are collected). */
export interface CacheStats {
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
}
