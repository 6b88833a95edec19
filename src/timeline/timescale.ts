/**
 * Timescales and exact time conversion. Times on the clip's timeline are integer nanoseconds from
 * the clip's origin (safe integers for ~104 days), converted once per frame into track ticks.
 */

const NS_PER_SECOND = 1_000_000_000;
export const NS_PER_MS = 1_000_000;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The video timescale that represents every time exactly: a Matroska tick is `timecodeScaleNs` ns and
 * KVS fragment timestamps are whole ms, so the rate must be a multiple of both 1e9/gcd(scale, 1e9)
 * and 1000. Prefer 90 kHz (what players and MPEG tools expect) when it is such a multiple.
 */
export function videoTimescale(timecodeScaleNs: number): number {
  const scale = Number.isSafeInteger(timecodeScaleNs) && timecodeScaleNs > 0 ? timecodeScaleNs : NS_PER_MS;
  const tickRate = NS_PER_SECOND / gcd(scale, NS_PER_SECOND);
  const exact = (tickRate * 1000) / gcd(tickRate, 1000);
  return 90_000 % exact === 0 ? 90_000 : exact;
}

/**
 * `value` in units of 1/`from` s → units of 1/`to` s, rounded to nearest. Split into whole seconds
 * and a remainder so the product stays within double precision for any clip length.
 */
export function rescale(value: number, from: number, to: number): number {
  const seconds = Math.floor(value / from);
  const rest = value - seconds * from;
  return seconds * to + Math.round((rest * to) / from);
}

/** Nanoseconds → ticks of `timescale`, rounded to nearest. */
export function nsToTicks(ns: number, timescale: number): number {
  return rescale(ns, NS_PER_SECOND, timescale);
}

/** Ticks → nanoseconds, rounded up (for shifts that must be at least a given number of ticks). */
export function ticksToNsCeil(ticks: number, timescale: number): number {
  const seconds = Math.floor(ticks / timescale);
  const rest = ticks - seconds * timescale;
  return seconds * NS_PER_SECOND + Math.ceil((rest * NS_PER_SECOND) / timescale);
}
