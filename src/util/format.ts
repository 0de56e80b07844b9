// Numbers for people: a count with a k/M/B/T suffix at three significant digits (parameters,
// tokens, batch sizes in tokens). The one formatter for counts, in the page, the reports and
// validation messages alike.

/** '—' for null or a non-finite value (an unknown size). */
export function formatCount(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e12) return `${+(n / 1e12).toPrecision(3)}T`;
  if (a >= 1e9) return `${+(n / 1e9).toPrecision(3)}B`;
  if (a >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return `${+n.toPrecision(3)}`;
}
