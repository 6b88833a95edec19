/**
 * The timed segments both packages are cut from: the clip pipeline's checked fragments
 * (api/fragmented.ts: selection, checks, audio output), placed by the discontinuity rule
 * (discontinuity.ts) on the timeline (src/timeline). One segment per KVS fragment.
 */
import { checkedFragments } from '../api/fragmented.js';
import { inputSource } from '../api/input.js';
import { timestampKind } from '../api/select.js';
import type { ClipInput } from '../api/types.js';
import { readFragments } from '../mkv/index.js';
import { createTimeline, type TimedSegment, type TimedTrack } from '../timeline/index.js';
import { FragmentRetimer } from './discontinuity.js';
import type { PackageOptions } from './types.js';

/** A media segment's samples with what the playlists say about it. */
export interface PackageSegment {
  /** 1-based position in the package. */
  number: number;
  timed: TimedSegment;
  /** The fragment's timestamp of the chosen kind (epoch ms), null for plain Matroska. */
  timestampMs: number | null;
  /** A discontinuity marker goes before this segment. */
  discontinuity: boolean;
}

/** What the segment source hands a package writer, in order. */
export type PackageEvent = { type: 'tracks'; tracks: readonly TimedTrack[] } | { type: 'segment'; segment: PackageSegment };

/**
 * Yields the tracks (once, before the first segment), then every segment. When the input breaks,
 * the segments before the bad spot still come out, then the error is thrown.
 */
export async function* packageSegments(input: ClipInput, options: PackageOptions): AsyncGenerator<PackageEvent> {
  const timestamps = timestampKind(options);
  const timeline = createTimeline({ timestamps, onWarning: options.onWarning });
  const retimer = new FragmentRetimer(options.discontinuity ?? 'on-discontinuity', timestamps);
  /** Placement of each fragment by its byte offset (a timed segment names its fragment's offset). */
  const placements = new Map<number, { timestampMs: number | null; discontinuity: boolean }>();
  let number = 0;
  let tracksGiven = false;
  const events = function* (segments: TimedSegment[]): Generator<PackageEvent> {
    for (const timed of segments) {
      if (!tracksGiven) {
        tracksGiven = true;
        yield { type: 'tracks', tracks: timeline.tracks! };
      }
      const placement = placements.get(timed.byteOffset);
      // Plain Matroska cuts a fragment into several segments: only the first follows the fragment's placement.
      placements.delete(timed.byteOffset);
      const discontinuity = placement?.discontinuity ?? (number > 0 && options.discontinuity === 'always');
      yield { type: 'segment', segment: { number: ++number, timed, timestampMs: placement?.timestampMs ?? null, discontinuity } };
    }
  };
  let failure: { error: unknown } | null = null;
  try {
    for await (const fragment of checkedFragments(readFragments(inputSource(input, options), options), options)) {
      const { placed, timestampMs, discontinuity } = retimer.place(fragment);
      placements.set(fragment.byteOffset, { timestampMs, discontinuity });
      yield* events(timeline.push(placed));
    }
  } catch (error) {
    failure = { error };
  }
  yield* events(timeline.end());
  if (failure !== null) throw failure.error;
}
