/** Time text shared by the HLS playlist and the DASH manifest. */

/** ISO 8601 UTC with milliseconds, e.g. 2025-11-21T08:00:00.021Z (EXT-X-PROGRAM-DATE-TIME, MPD dates). */
export function isoTime(epochMs: number): string {
  return new Date(Math.round(epochMs)).toISOString();
}

/** Seconds as a decimal with at most 6 places and no trailing zeros (EXTINF, MPD durations). */
export function seconds(value: number): string {
  return String(Number(value.toFixed(6)));
}

/** A track's duration in its timescale, as seconds. */
export const ticksToSeconds = (ticks: number, timescale: number): number => ticks / timescale;

/** Sum of a run's sample durations. */
export function runDuration(durations: Uint32Array): number {
  let sum = 0;
  for (const d of durations) sum += d;
  return sum;
}
