/** The median (mean of the two middle values for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
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
