import type { CheckedFragment } from '../codecs/types.js';

/** One segment of a fragmented MP4: the init segment (ftyp + moov), or a media segment (moof + mdat) per KVS fragment. */
export interface Mp4Segment {
  /**
   * `init` first, then one `media` segment per fragment; with `lowLatency`, `media` segments are the
   * CMAF chunks of a fragment (several share its fragmentNumber, timestamps and byteOffset).
   */
  type: 'init' | 'media';
  /** The KVS fragment number of a media segment (null for init, or when the input had none). */
  fragmentNumber: string | null;
  /** Epoch ms of the fragment's producer timestamp, when known. */
  producerTimestamp: number | null;
  /** Epoch ms of the fragment's server timestamp, when known. */
  serverTimestamp: number | null;
  /**
   * Where the media segment's (first) fragment starts in the input, in bytes; null for init. Segments
   * come in input order and are copies, so once one is out nothing before this offset is read again:
   * whoever supplies the input may reuse the buffers that held those bytes.
   */
  byteOffset: number | null;
  /** The segment's bytes, in a buffer of its own (what `SourceBuffer.appendBuffer` takes). */
  data: Uint8Array<ArrayBuffer>;
  /** MIME type with codecs, e.g. 'video/mp4; codecs="avc1.64001f,mp4a.40.2"', for MSE. */
  mimeType: string;
  /** The RFC 6381 codec strings of the tracks. */
  codecs: string[];
}

/**
 * A segment as header bytes and payload views, for writers that take a list of buffers (writev, a
 * Blob, an HTTP response written chunk by chunk): the same bytes as `Mp4Segment.data`, nothing copied.
 * The views point into the input's chunks, so they stay valid as long as the input's buffers are not
 * reused by whoever supplied them.
 */
export interface Mp4SegmentChunks extends Omit<Mp4Segment, 'data'> {
  /** The segment's header (the init segment whole, or moof + mdat header), then each sample's bytes. */
  chunks: Uint8Array[];
  /** The sum of the chunks' lengths. */
  byteLength: number;
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
  /**
   * Adds frames that continue the fragment of the previous push or pushChunk (`fragment` holding only
   * them): one media segment (a CMAF chunk) for them at once, its samples timed as the whole
   * fragment's would be (docs/kvs-mkv.md#low-latency-chunks).
   */
  pushChunk(fragment: CheckedFragment): Mp4SegmentChunks[];
  /** Returns the remaining media segments. */
  end(): Mp4SegmentChunks[];
}
