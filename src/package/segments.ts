/**
 * The timed segments both packages are cut from: the clip pipeline's checked fragments
 * (api/fragmented.ts: selection, checks, audio output), placed by the discontinuity rule
 * (discontinuity.ts) on the timeline (src/timeline). One segment per KVS fragment.
 */
import { checkedFragments } from '../api/fragmented.js';
import { inputSource } from '../api/input.js';
import { nothingSelectedError, timestampKind } from '../api/select.js';
import type { ClipInput } from '../api/types.js';
import type { TrackConfig } from '../codecs/types.js';
import { readFragments } from '../mkv/index.js';
import { fragmentTracks, type FragmentTrack } from '../mp4/fragmented.js';
import { createTimeline, sameConfigs, type TimedSegment, type TimedTrack } from '../timeline/index.js';
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
  /**
   * The tracks a new init segment describes, with this segment's configs: set on the first segment
   * and on the first one of each new video configuration (docs/codecs.md#codec-private-data-that-changes),
   * null on the others.
   */
  init: readonly TimedTrack[] | null;
  /** The writers' per-track settings (reorder delay, audio-only sample flags), from the first segment. */
  tracks: readonly FragmentTrack[];
}

/**
 * Yields every segment. When the input breaks, the segments before the bad spot still come out,
 * then the error is thrown. An input without a single frame (or none in the selected range) is
 * ResourceNotFoundException, as for GetClip: a package of nothing would be an empty playlist.
 */
export async function* packageSegments(input: ClipInput, options: PackageOptions): AsyncGenerator<PackageSegment> {
  const timestamps = timestampKind(options);
  const timeline = createTimeline({ timestamps, onWarning: options.onWarning });
  const retimer = new FragmentRetimer(options.discontinuity ?? 'on-discontinuity', timestamps);
  /** Placement of each fragment by its byte offset (a timed segment names its fragment's offset). */
  const placements = new Map<number, { timestampMs: number | null; discontinuity: boolean }>();
  let number = 0;
  let tracks: FragmentTrack[] | null = null;
  let configs: readonly TrackConfig[] = [];
  const events = function* (segments: TimedSegment[]): Generator<PackageSegment> {
    for (const timed of segments) {
      let init: TimedTrack[] | null = null;
      if (tracks === null || !sameConfigs(timed.configs, configs)) {
        init = timeline.tracks!.map((track, i) => ({ ...track, config: timed.configs[i] ?? track.config }));
        // The reorder delays go into the init segment's edit list: they come from the first segment and stay.
        tracks ??= fragmentTracks(init, timed.runs);
        configs = timed.configs;
      }
      const placement = placements.get(timed.byteOffset);
      // Plain Matroska cuts a fragment into several segments: only the first follows the fragment's placement.
      placements.delete(timed.byteOffset);
      const discontinuity = placement?.discontinuity ?? (number > 0 && options.discontinuity === 'always');
      yield { number: ++number, timed, timestampMs: placement?.timestampMs ?? null, discontinuity, init, tracks };
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
  if (number === 0) throw nothingSelectedError(options);
}
