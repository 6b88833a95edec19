/**
 * What kvs-clip knows about one codec, in one place: the Matroska CodecIDs it is read from, how its
 * CodecPrivate becomes a checked TrackConfig (codec string and sample entry type included), how its
 * frames are framed and checked, and how long an audio frame lasts. Each codec is one module
 * (avc-codec.ts, hevc-codec.ts, aac-codec.ts, g711-codec.ts) and one row of CODECS (registry.ts),
 * whose type makes a codec without a row a compile error; the MP4 layer's sample entries are the
 * only other table keyed by codec (mp4/sample-entry.ts).
 */
import type { MkvTrack } from '../mkv/types.js';
import type { NalLengthSize } from './annexb.js';
import type { Codec, TrackConfig } from './types.js';

/**
 * How a codec's frames are laid out, which decides how they are checked (frames.ts):
 * - 'nal-units': NAL units with length prefixes (or Annex-B start codes, converted);
 * - 'access-units': one opaque access unit per frame, never empty;
 * - 'sample-frames': whole sample frames of `channels × bitsPerSample / 8` bytes;
 * - 'flac-frames': FLAC frames, each starting with a frame header whose block size reads.
 */
export type Framing = 'nal-units' | 'access-units' | 'sample-frames' | 'flac-frames';

interface CommonDefinition<C extends Codec> {
  readonly codec: C;
  /** The name in messages: 'H.264', 'G.711 A-law'. */
  readonly name: string;
  /** The name in lists of what a track may be: 'G.711' for both G.711 laws. */
  readonly family: string;
  /** The Matroska CodecID a producer should write (the first) and the others read as this codec. */
  readonly codecIds: readonly string[];
  /** Whether a CodecID is this codec's (exact IDs, or a family of IDs such as A_AAC/MPEG4/LC). */
  matchesCodecId(codecId: string): boolean;
  /**
   * For CodecIDs that several codecs share (A_MS/ACM is A-law or µ-law): whether this track is this
   * codec, from its CodecPrivate. Throws the KVS error when the CodecPrivate says it is none of them.
   */
  readonly identifies?: (track: MkvTrack) => boolean;
  readonly framing: Framing;
}

/** What a video config is built from: the track's CodecPrivate and its first key frame, if any. */
export interface VideoSource {
  trackNumber: number;
  codecPrivate?: Uint8Array;
  firstKeyFrame?: Uint8Array;
}

export interface VideoCodecDefinition<C extends Codec = Codec> extends CommonDefinition<C> {
  readonly kind: 'video';
  /** The checked config; parameter sets missing from CodecPrivate may come from the first key frame. */
  configure(source: VideoSource): TrackConfig;
  /** The parameter sets a config's decoder configuration record holds. */
  recordParameterSets(config: TrackConfig): Uint8Array[];
  /** The parameter sets a frame carries in band (to compare later key frames with a derived config). */
  inBandParameterSets(frame: Uint8Array, lengthSize: NalLengthSize): Uint8Array[];
}

export interface AudioCodecDefinition<C extends Codec = Codec> extends CommonDefinition<C> {
  readonly kind: 'audio';
  configure(track: MkvTrack): TrackConfig;
  /** How many samples (per channel) a checked frame holds: its duration in the track's timescale. */
  samplesInFrame(config: TrackConfig, frame: Uint8Array): number;
}

export type CodecDefinition<C extends Codec = Codec> = VideoCodecDefinition<C> | AudioCodecDefinition<C>;

/** `matchesCodecId` for codecs read from a fixed list of CodecIDs. */
export function oneOf(codecIds: readonly string[]): (codecId: string) => boolean {
  return (codecId) => codecIds.includes(codecId);
}
