import type { Mp4Segment } from '../api/types.js';
import type { CheckedFragment } from '../codecs/types.js';

/** A flat MP4 file (ftyp, moov, mdat) as GetClip returns it. */
export interface FlatClip {
  /** Header bytes (ftyp + moov + mdat header) followed by views of every sample's bytes, in file order. */
  readonly chunks: Uint8Array[];
  readonly byteLength: number;
  /** The clip as one buffer (copies every chunk once). */
  bytes(): Uint8Array;
}

/**
 * A segment as the muxer writes it: its header bytes, then (media) views of its payloads, not yet
 * joined. The API joins them into `Mp4Segment.data`; the CLI writes them with writev.
 */
export interface SegmentChunks extends Omit<Mp4Segment, 'data'> {
  chunks: Uint8Array[];
  byteLength: number;
}

/** Streaming fragmented-MP4 writer: an init segment, then one media segment per KVS fragment. */
export interface FragmentedMuxer {
  /**
   * Adds a fragment; returns the init segment (the first time) and the media segments that became
   * final. One fragment is held back until the next shows how long its last samples last.
   */
  push(fragment: CheckedFragment): SegmentChunks[];
  /** Returns the remaining media segments. */
  end(): SegmentChunks[];
}
