import type { Mp4SegmentChunks } from '../api/types.js';
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
 * Streaming fragmented-MP4 writer: an init segment, then one media segment per KVS fragment, each as
 * header bytes and payload views (the API joins them into `Mp4Segment.data` when asked).
 */
export interface FragmentedMuxer {
  /**
   * Adds a fragment; returns the init segment (the first time) and the media segments that became
   * final. One fragment is held back until the next shows how long its last samples last.
   */
  push(fragment: CheckedFragment): Mp4SegmentChunks[];
  /** Returns the remaining media segments. */
  end(): Mp4SegmentChunks[];
}
