/** Column alignment for {@link renderTable}. */
export type Align = 'left' | 'right';

/** Renders rows as a plain-text table with a header rule; columns sized to their widest cell. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const widths = headers.map((h, c) =>
    Math.max([...h].length, ...rows.map((row) => [...(row[c] ?? '')].length)),
  );
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, c) => {
        const cell = cells[c] ?? '';
        const pad = ' '.repeat(w - [...cell].length);
        return (align[c] ?? (c === 0 ? 'left' : 'right')) === 'left' ? cell + pad : pad + cell;
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Formats a number with thousands separators and a sensible number of digits. */
export function formatNumber(value: number): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `median (min–max)`, the form every measured cell takes. */
export function formatSpread(s: { median: number; min: number; max: number }): string {
  return `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

/** A ratio such as `1.73×`, or `n/a` when either side is missing. */
export function formatRatio(ours: number | undefined, theirs: number | undefined): string {
  if (ours === undefined || theirs === undefined || theirs === 0) return 'n/a';
  return `${ours / theirs >= 10 ? (ours / theirs).toFixed(1) : (ours / theirs).toFixed(2)}×`;
}
