/** The median (mean of the two middle values for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/**
 * A 95 % confidence interval of the median of `values` (distribution-free: the order statistics k and n − 1 − k,
 * k = ⌊(n − 1.96 √n) / 2⌋), as [low, high]; the extremes for fewer than 6 values.
 */
export function medianInterval(values: readonly number[]): [number, number] {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return [Number.NaN, Number.NaN];
  const k = Math.max(0, Math.floor((sorted.length - 1.96 * Math.sqrt(sorted.length)) / 2));
  return [sorted[k], sorted[sorted.length - 1 - k]];
}

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A markdown table (first row: header). */
export function table(rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const [head, ...body] = rows;
  const sep = head.map((_, i) => ((align?.[i] ?? 'r') === 'l' ? ':--' : '--:'));
  return [head, sep, ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
