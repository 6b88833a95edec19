/**
 * What the Matroska/KVS reader hands to the layers above it (docs/kvs-mkv.md).
 * Payloads are `subarray` views of the input chunks: nothing is copied here.
 */
import type { ReaderWarning } from '../warnings.js';

/** Anything the reader accepts as input (defined with the chunked reading, in ebml/). */
export type { ByteSource } from '../ebml/chunk-reader.js';
/** Warnings are shared by every layer; re-exported here for the modules that import them from mkv. */
export type { ReaderWarning, WarningCode } from '../warnings.js';

/** A Matroska TrackType as a word: 1 video, 2 audio, 17 subtitle; anything else `'other'`. */
export type TrackType = 'video' | 'audio' | 'subtitle' | 'other';

/** One TrackEntry of a fragment's Tracks, as Matroska declares it (before any codec check). */
export interface MkvTrack {
  /** TrackNumber as written (1 = video, 2 = audio in KVS streams). */
  number: number;
  /** TrackType mapped to a word; `typeCode` keeps the raw Matroska value. */
  type: TrackType;
  /** The raw Matroska TrackType (1 video, 2 audio, 17 subtitle, …). */
  typeCode: number;
  /** CodecID with trailing NULs removed. */
  codecId: string;
  /** CodecPrivate bytes (avcC / hvcC / AudioSpecificConfig / …), a view of the input; absent when the track has none. */
  codecPrivate?: Uint8Array;
  /** The track's Name, when it has one (KVS producers write e.g. `kinesis_video`). */
  name?: string;
  /** DefaultDuration in nanoseconds. */
  defaultDurationNs?: number;
  /** The Video element's sizes, for video tracks that have one. */
  video?: {
    /** PixelWidth, in pixels. */
    width: number;
    /** PixelHeight, in pixels. */
    height: number;
  };
  /** The Audio element's values, for audio tracks that have one. */
  audio?: {
    /** SamplingFrequency in Hz (default 8000, as Matroska's). */
    samplingFrequency: number;
    /** Channels (default 1). */
    channels: number;
    /** BitDepth in bits per sample, when given (PCM tracks). */
    bitDepth?: number;
  };
  /**
   * The track's ContentEncoding, when it has one (docs/kvs-mkv.md, "ContentEncoding"). Frames of a
   * `zlib` or `header-stripping` track are handed out decoded; an `unsupported` one is refused by
   * the codec checks when the track is used.
   */
  contentEncoding?: TrackContentEncoding;
}

/** What a track's ContentEncodings say is done to its frames. */
export type TrackContentEncoding =
  | {
      /** Every frame is a zlib stream (ContentCompAlgo 0). */
      kind: 'zlib';
    }
  | {
      /** `header` was stripped from the start of every frame (ContentCompAlgo 3). */
      kind: 'header-stripping';
      /** The bytes stripped (ContentCompSettings), put back in front of each frame. */
      header: Uint8Array;
    }
  | {
      /** Anything else (encryption, bzlib, lzo1x, another scope, chained encodings). */
      kind: 'unsupported';
      /** What the encoding is, for people (e.g. in the error that refuses the track). */
      description: string;
    };

/** One frame of a block (a laced block gives several), with its time in the fragment. */
export interface MkvFrame {
  /** The TrackNumber of the track it belongs to. */
  track: number;
  /**
   * Presentation time in Matroska ticks (TimecodeScale ns each): the cluster's Timecode plus the
   * block's signed 16-bit offset. For laced blocks the reader spreads laced frames using the block
   * duration / DefaultDuration when known (frame i at block time + round(i × total / count));
   * otherwise every laced frame has the block's time.
   */
  timestamp: number;
  /** SimpleBlock key flag; for BlockGroup blocks: no ReferenceBlock. */
  keyframe: boolean;
  /**
   * Duration in ticks when the stream says it: BlockDuration, or DefaultDuration converted (the
   * exact quotient, so it may be fractional), divided evenly among laced frames.
   */
  duration?: number;
  /** SimpleBlock's discardable flag (false for BlockGroup blocks, which have none). */
  discardable?: boolean;
  /** A view of the frame's bytes in the input. */
  data: Uint8Array;
}

/** A SimpleTag name/value pair, in the order they appeared. */
export interface MkvTag {
  /** TagName, e.g. `AWS_KINESISVIDEO_FRAGMENT_NUMBER`. */
  name: string;
  /** TagString (empty when the SimpleTag has none). */
  value: string;
}

/**
 * One KVS fragment as the reader hands it out: its tags (number, timestamps), tracks and frames. A
 * plain Matroska file gives one per cluster, cut at key frames (docs/kvs-mkv.md).
 */
export interface MkvFragment {
  /** 0-based position of this fragment in the input. */
  index: number;
  /** AWS_KINESISVIDEO_FRAGMENT_NUMBER (decimal string, up to 128 digits) or null. */
  fragmentNumber: string | null;
  /** Epoch milliseconds (integer) parsed from AWS_KINESISVIDEO_PRODUCER_TIMESTAMP, or null. */
  producerTimestamp: number | null;
  /** Epoch milliseconds (integer) parsed from AWS_KINESISVIDEO_SERVER_TIMESTAMP, or null. */
  serverTimestamp: number | null;
  /** AWS_KINESISVIDEO_MILLIS_BEHIND_NOW, when GetMedia sent it. */
  millisBehindNow?: number;
  /** AWS_KINESISVIDEO_CONTINUATION_TOKEN, when GetMedia sent it. */
  continuationToken?: string;
  /** Nanoseconds per tick (Info/TimecodeScale, default 1 000 000). */
  timecodeScale: number;
  /**
   * Timecode of the fragment's (first) cluster, in ticks; null when it had no cluster. For a plain
   * Matroska fragment cut at a key frame inside a cluster, that key frame's time instead: the time
   * the fragment starts at, which frame times are counted from.
   */
  clusterTimecode: number | null;
  /** The tracks of the Matroska document the fragment is in (KVS repeats them in every fragment). */
  tracks: MkvTrack[];
  /** Frames in stream (decode) order. */
  frames: MkvFrame[];
  /** Every other SimpleTag seen in this fragment (producer tags, AWS_KINESISVIDEO_END_OF_FRAGMENT, …). */
  tags: MkvTag[];
  /**
   * Byte offset of the fragment's first byte in the input (its EBML header, or the element that
   * started it inside a document), and its length.
   */
  byteOffset: number;
  /** The fragment's length in the input, in bytes. */
  byteLength: number;
  /**
   * True when the input ended or broke inside this fragment: `frames` then holds its complete
   * frames only (a 'truncated' warning or an error follows).
   */
  partial?: boolean;
}

/**
 * What the reader holds for one fragment at most, so that memory stays proportional to what a
 * caller allows whatever the input declares or repeats (a Cluster of unknown size that never ends,
 * a block laced into one frame per byte, a tag of megabytes). Exceeding one is an
 * InvalidArgumentException naming the option and the byte offset, after every fragment before it
 * (and the open one's frames so far, marked `partial`) has been delivered. The defaults are far
 * above anything a camera sends.
 */
export interface ReaderLimits {
  /** Largest element body buffered whole (tags, codec private…); defaults to 64 MiB. */
  maxElementSize?: number;
  /** Frames one fragment may hold; defaults to 1 048 576 (KVS fragments hold a few hundred). */
  maxFramesPerFragment?: number;
  /** Bytes of blocks one fragment may hold; defaults to 256 MiB (KVS refuses far smaller fragments, docs/kvs-mkv.md#reader-limits). */
  maxFragmentBytes?: number;
  /** Longest SimpleTag name or value in bytes; defaults to 64 KiB (KVS's own tags are short strings). */
  maxTagLength?: number;
  /** SimpleTags one fragment may hold; defaults to 4096 (KVS writes a handful). */
  maxTagsPerFragment?: number;
}

/** Options of `readFragments`: the reader's memory limits and where warnings go. */
export interface ReadOptions extends ReaderLimits {
  /** Called for recoverable problems, e.g. a stream cut off in the middle of an element. */
  onWarning?: (warning: ReaderWarning) => void;
}

/**
 * What {@link readFragmentEvents} hands out, in input order: the frames of each block as it arrives,
 * and each fragment once it is complete (exactly what `readFragments` yields).
 */
export type FragmentEvent =
  | {
      /** A block has been read: its frames, inside the fragment still open. */
      type: 'frames';
      /**
       * The open fragment as read so far: its tags, tracks and cluster time, `index` as it will be
       * handed out, and `frames` up to and including these. The same object is later handed out complete.
       */
      fragment: MkvFragment;
      /** The frames of the block just read (one, or several when laced), also at the end of `fragment.frames`. */
      frames: MkvFrame[];
    }
  | {
      /** A fragment has ended. */
      type: 'fragment';
      /** A complete fragment, as `readFragments` yields it. */
      fragment: MkvFragment;
    };
