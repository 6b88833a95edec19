/**
 * KVS's DiscontinuityMode applied to fragments as they come, and the media timeline that follows it
 * (docs/packages.md#discontinuities).
 */
import type { CheckedFragment } from '../codecs/types.js';
import type { TimestampKind } from '../timeline/types.js';
import type { DiscontinuityMode } from './types.js';

/** ON_DISCONTINUITY's threshold: a gap or overlap above this many ms between two fragments. */
export const DISCONTINUITY_THRESHOLD_MS = 50;

/** Whether a boundary between fragments gets a marker, given the gap (negative: overlap) in ms. */
export function isDiscontinuity(mode: DiscontinuityMode, gapMs: number): boolean {
  return mode === 'always' || (mode === 'on-discontinuity' && Math.abs(gapMs) > DISCONTINUITY_THRESHOLD_MS);
}

/** A fragment's extent in wall-clock ms: its earliest frame, and its last frames' ends. */
export interface FragmentSpan {
  startMs: number;
  endMs: number;
}

/**
 * Where a fragment lies in wall-clock time, from its timestamp (which dates its cluster Timecode) and
 * its frames. A track's end is its latest frame plus the track's usual step (median of the fragment's
 * positive frame steps, else the step seen last for that track), as a fragment's duration counts its
 * last frame.
 */
export function fragmentSpan(fragment: CheckedFragment, stampMs: number, lastSteps: Map<number, number>): FragmentSpan {
  const msPerTick = fragment.timecodeScale / 1e6;
  const cluster = fragment.clusterTimecode ?? 0;
  const byTrack = new Map<number, number[]>();
  for (const frame of fragment.frames) {
    const times = byTrack.get(frame.track) ?? [];
    times.push(stampMs + (frame.timestamp - cluster) * msPerTick);
    byTrack.set(frame.track, times);
  }
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const [track, times] of byTrack) {
    times.sort((a, b) => a - b);
    const steps: number[] = [];
    for (let i = 1; i < times.length; i++) if (times[i] > times[i - 1]) steps.push(times[i] - times[i - 1]);
    if (steps.length > 0) lastSteps.set(track, steps.sort((a, b) => a - b)[steps.length >> 1]);
    startMs = Math.min(startMs, times[0]);
    endMs = Math.max(endMs, times[times.length - 1] + (lastSteps.get(track) ?? 0));
  }
  return { startMs, endMs };
}

/** What the retimer decided for one fragment. */
export interface FragmentPlacement {
  /** The fragment as the timeline should place it (its timestamp moved when a gap closes). */
  placed: CheckedFragment;
  /** Its real timestamp of the chosen kind (epoch ms), or null when it has none. */
  timestampMs: number | null;
  /** A marker goes before this fragment. */
  discontinuity: boolean;
}

/**
 * Decides each boundary and moves fragments after a marked one so they start where the previous one
 * ends: KVS's players reset their timeline at a marker and play the next fragment at once, so the
 * package's media timeline does the same and needs no reset (no stall on a gap, no jump back on an
 * overlap). Fragments without a timestamp (plain Matroska) are left to the timeline's cluster times.
 */
export class FragmentRetimer {
  readonly #mode: DiscontinuityMode;
  readonly #useServer: boolean;
  /** Wall-clock ms minus timeline ms, grown by every closed gap. */
  #offsetMs = 0;
  #previous: FragmentSpan | null = null;
  #seenAny = false;
  readonly #lastSteps = new Map<number, number>();

  constructor(mode: DiscontinuityMode, timestamps: TimestampKind) {
    this.#mode = mode;
    this.#useServer = timestamps === 'server';
  }

  place(fragment: CheckedFragment): FragmentPlacement {
    const stamp = this.#useServer ? fragment.serverTimestamp : fragment.producerTimestamp;
    const first = !this.#seenAny;
    this.#seenAny = true;
    if (stamp === null) {
      this.#previous = null;
      return { placed: fragment, timestampMs: null, discontinuity: !first && this.#mode === 'always' };
    }
    const span = fragmentSpan(fragment, stamp, this.#lastSteps);
    const gap = this.#previous === null ? null : span.startMs - this.#previous.endMs;
    const discontinuity = gap === null ? !first && this.#mode === 'always' : isDiscontinuity(this.#mode, gap);
    if (discontinuity && gap !== null) this.#offsetMs += gap;
    this.#previous = span;
    if (this.#offsetMs === 0) return { placed: fragment, timestampMs: stamp, discontinuity };
    const moved = stamp - this.#offsetMs;
    const placed = this.#useServer ? { ...fragment, serverTimestamp: moved } : { ...fragment, producerTimestamp: moved };
    return { placed, timestampMs: stamp, discontinuity };
  }
}
