// Number formatting for the page.

export function fmtNum(n: number | null | undefined, digits = 3): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return `${+n.toPrecision(digits)}`;
}

export function fmtSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${+(s / 3600).toPrecision(2)} h`;
  return `${+(s / 86400).toPrecision(2)} days`;
}

export function fmtFlops(f: number): string {
  if (f >= 1e15) return `${+(f / 1e15).toPrecision(3)} PFLOP`;
  if (f >= 1e12) return `${+(f / 1e12).toPrecision(3)} TFLOP`;
  if (f >= 1e9) return `${+(f / 1e9).toPrecision(3)} GFLOP`;
  return `${+(f / 1e6).toPrecision(3)} MFLOP`;
}
