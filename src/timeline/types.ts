import type { TrackConfig } from '../codecs/types.js';
import type { ReaderWarning } from '../warnings.js';

/** Which KVS timestamp places fragments on the clip's timeline (GetClip's FragmentSelectorType). */
export type TimestampKind = 'producer' | 'server';

export interface TimelineOptions {
  /**
   * Place each fragment by its PRODUCER_TIMESTAMP (default) or SERVER_TIMESTAMP tag. Fragments
   * without the tag (plain Matroska) are placed by their cluster timecodes instead.
   */
  timestamps?: TimestampKind;
  /**
   * Hand each segment out as soon as its fragment is complete instead of holding it back until the
   * next one: the last sample of each track then lasts its BlockDuration, DefaultDuration or the
   * track's usual step (audio: its samples), and the next segment's decode time (`tfdt`) is the real
   * one, so a player meets the small gap or overlap once. For streams (docs/kvs-mkv.md#timeline).
   */
  closeEachSegment?: boolean;
  /** Told when a gap between fragments too long for one sample duration is closed (`'gap-closed'`). */
  onWarning?: (warning: ReaderWarning) => void;
}

/** One output track: its checked configuration and the timescale its times are in. */
export interface TimedTrack {
  /** MP4 track_ID (1-based, video first). */
  id: number;
  config: TrackConfig;
  /**
   * Ticks per second. Video: 90 000 when that represents every input time exactly, else the
   * Matroska tick rate (in both cases a multiple of 1000, so fragment timestamps in ms are exact).
   * Audio: the sample rate.
   */
  timescale: number;
}

/** Per-sample flag bits in {@link TrackRun.flags}. */
export const SAMPLE_SYNC = 1;
/** No other frame depends on this one (Matroska's discardable flag); becomes is_depended_on = 2. */
export const SAMPLE_DISPOSABLE = 2;

/**
 * The samples of one track within one media segment, as parallel arrays in decode order (no object
 * per sample). Decode times are implied: sample i starts at baseDts + durations[0..i).
 */
export interface TrackRun {
  trackId: number;
  /** Decode time of the first sample, in the track's timescale, ≥ 0. */
  baseDts: number;
  /** Views of the (normalised) frame bytes. */
  data: Uint8Array[];
  /** Sample durations, all > 0. */
  durations: Uint32Array;
  /**
   * Presentation minus decode time, before any writer shift. Negative for frames decoded before
   * frames they are shown after (B-frame references); writers add the track's reorder delay.
   */
  ctos: Int32Array;
  /** SAMPLE_SYNC | SAMPLE_DISPOSABLE bits. */
  flags: Uint8Array;
}

/** One media segment's worth of timed samples: a KVS fragment, or a key-frame group of plain Matroska. */
export interface TimedSegment {
  /** The KVS fragment number of the (first) source fragment, or null. */
  fragmentNumber: string | null;
  /** Its producer timestamp in epoch ms, or null. */
  producerTimestamp: number | null;
  /** Its server timestamp in epoch ms, or null. */
  serverTimestamp: number | null;
  /** Where that fragment starts in the input, in bytes. */
  byteOffset: number;
  /**
   * Milliseconds from the fragment's timestamp (its cluster Timecode) to the first run's first sample:
   * 0 for a whole fragment that starts with its cluster, more for a later chunk of it. The sample's
   * wall-clock time is the fragment's timestamp plus this (the prft box).
   */
  referenceOffsetMs: number;
  /** One run per track that has samples here, in track id order. */
  runs: TrackRun[];
  /**
   * The track configs its samples are described by, in track id order: the checker's array, so a
   * new array is a new configuration (outside strict mode the video CodecPrivate may change; the
   * fragmented output then writes a new init segment).
   */
  configs: readonly TrackConfig[];
}
