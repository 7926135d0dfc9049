/** Shared by the benchmark's sections: statistics, number formats, the targets table's rows. */

/** Progress on stderr, so stdout stays free. */
export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Nearest rank: the value below which q of the samples fall. */
export function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
export const median = (xs: number[]) => quantile(xs, 0.5);

export const fmt = (x: number, digits = 1) => x.toFixed(digits);
export const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
export const secs = (ms: number | null) => (ms === null ? "–" : `${fmt(ms / 1000)} s`);
export const exactBytes = (n: number) => `${Math.round(n).toLocaleString("en")} B`;
export const bytes = (n: number) =>
  n >= 1_000_000 ? `${fmt(n / 1_000_000, 2)} MB` : n >= 1000 ? `${fmt(n / 1000, 1)} kB` : `${n} B`;
export const yes = (ok: boolean) => (ok ? "**met**" : "**missed**");

/** One row of the targets table. */
export interface Check {
  target: string;
  measured: string;
  ok: boolean;
}
