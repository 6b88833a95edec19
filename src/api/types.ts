import type { ByteSource, MkvFragment, ReadOptions } from '../mkv/types.js';
import type { ReaderWarning } from '../warnings.js';
import type { CheckOptions } from '../codecs/types.js';
import type { TimestampKind } from '../timeline/types.js';
import type { AudioOutput } from '../audio/output.js';

export type { AudioOutput } from '../audio/output.js';

/** GetClip's selector, as the AWS SDK shapes it (Date or epoch seconds). */
export interface ClipFragmentSelector {
  /** Which timestamps the range is on: the producer's (from the camera) or the server's (ingestion). */
  FragmentSelectorType: 'PRODUCER_TIMESTAMP' | 'SERVER_TIMESTAMP';
  /**
   * A fragment is in the clip when its start timestamp is ≥ StartTimestamp and ≤ EndTimestamp (a Date,
   * or epoch seconds as the SDK takes them); End after Start, at most 24 hours apart (docs/getclip.md).
   */
  TimestampRange: {
    /** The earliest fragment start time taken (inclusive): a Date, or epoch seconds. */
    StartTimestamp: Date | number;
    /** The latest fragment start time taken (inclusive), after StartTimestamp and at most 24 h from it. */
    EndTimestamp: Date | number;
  };
}

/** A validated selector: inclusive bounds in epoch ms. */
export interface TimeRange {
  /** The timestamps the bounds are on. */
  kind: TimestampKind;
  /** First start time taken, epoch ms. */
  startMs: number;
  /** Last start time taken, epoch ms. */
  endMs: number;
}

/** How much input a call has read, told to `onProgress` after each chunk. */
export interface ReadProgress {
  /** Bytes read so far. */
  bytesRead: number;
  /** The input's size when it is known (a buffer or a Blob), else null (a stream). */
  totalBytes: number | null;
}

/**
 * Which fragment wins when two share a start timestamp. The KVS docs disagree (docs/getclip.md): the
 * ClipFragmentSelector reference says the oldest ingested is returned (our default,
 * 'first-ingested' = lowest fragment number); another page keeps the larger fragment number.
 */
export type DuplicateTimestampRule = 'highest-fragment-number' | 'first-ingested';

/** Options of every call that reads a KVS stream: clip, fragmentedMp4 and friends, audioClip, wavStream. */
export interface ClipOptions extends CheckOptions, ReadOptions {
  /** GetClip's selector: only fragments that start within the range are used. Without it, every fragment is. */
  ClipFragmentSelector?: ClipFragmentSelector;
  /** Which KVS timestamps place fragments when no selector says so (default producer). */
  timestamps?: TimestampKind;
  /** Which fragment wins when two share a start timestamp (default 'first-ingested'). */
  duplicateTimestamps?: DuplicateTimestampRule;
  /**
   * GetClip's caps, off by default: stop after this many fragments / bytes of fragments. With a cap,
   * the flat clip holds only the fragments inside it and stops reading once a fragment in time order
   * falls past it, so memory is bounded by the cap (docs/getclip.md#caps).
   */
  maxFragments?: number;
  /** GetClip's byte cap (frame payload bytes), off by default; bounds memory as `maxFragments` does. */
  maxBytes?: number;
  /**
   * What becomes of audio tracks in MP4 output: `'copy'` (default, GetClip's output) or `'flac'`:
   * G.711 A-law/µ-law become lossless FLAC, which browsers play through MSE (docs/audio.md). 16-bit
   * PCM is written as FLAC either way (MP4 players take no raw PCM); AAC is never touched.
   */
  audio?: AudioOutput;
  /** Told about everything kvs-clip works around rather than fails on (a truncated stream, a capped clip, duplicates…). */
  onWarning?: (warning: ReaderWarning) => void;
  /**
   * Stops the call: reading stops (a stream is cancelled) and the call rejects (a generator throws)
   * with `signal.reason`, an `AbortError` DOMException unless `abort()` was given another reason.
   */
  signal?: AbortSignal;
  /** Told how much input has been read, after each chunk (once for a whole buffer). */
  onProgress?: (progress: ReadProgress) => void;
}

/**
 * How low-latency output cuts each KVS fragment into CMAF chunks (docs/kvs-mkv.md#low-latency-chunks).
 * A chunk is cut when either bound is reached, and the rest of a fragment when it completes.
 */
export interface LowLatencyOptions {
  /** A chunk once this many frames (of all tracks) are waiting; default 1 (every block at once) unless `ms` is given. */
  frames?: number;
  /** A chunk once the waiting frames span this many milliseconds of media time. */
  ms?: number;
}

/** Options of the fragmented MP4 calls: those of `clip`, plus low-latency chunking. */
export interface FragmentedOptions extends ClipOptions {
  /**
   * Send each fragment's frames as they arrive, as CMAF chunks (a moof + mdat each) inside the open
   * fragment, instead of one media segment once the fragment is complete: `true` for one chunk per
   * block, or {@link LowLatencyOptions}. The last frame of a chunk lasts the track's usual step
   * (DefaultDuration, the last step seen); the next chunk's decode time (tfdt) is the real one, so
   * the frames keep the times they have in the normal output. Not with `maxBytes`.
   */
  lowLatency?: boolean | LowLatencyOptions;
}

/** What the flat clip call returns, shaped like GetClipCommandOutput. */
export interface ClipOutput {
  /** The file's MIME type: video/mp4 for a clip; audio/mp4 when the stream has no video; audio/wav from audioClip. */
  ContentType: 'video/mp4' | 'audio/mp4' | 'audio/wav';
  /** The file. */
  Payload: ClipPayload;
}

/** The clip's bytes, in whichever form the caller wants them (like the SDK's Payload). */
export interface ClipPayload {
  /** The file's size in bytes. */
  readonly byteLength: number;
  /** The file as a list of chunks (views; payload bytes are not copied). */
  chunks(): Uint8Array[];
  /** The file as one buffer (one copy), ArrayBuffer-backed: `new Blob([payload.bytes()])` compiles and works. */
  bytes(): Uint8Array<ArrayBuffer>;
  /** The file as a stream of its chunks. */
  stream(): ReadableStream<Uint8Array>;
  /** The file as a Blob of the chunks (for URL.createObjectURL in a browser). */
  blob(): Blob;
  /** Like the SDK's payload mixin: the file as one buffer. */
  transformToByteArray(): Promise<Uint8Array<ArrayBuffer>>;
}

export type { Mp4Segment, Mp4SegmentChunks } from '../mp4/types.js';

/**
 * A KVS stream (a GetMedia or GetMediaForFragmentList body) or a Matroska file: one buffer, a Blob or
 * File (read as a stream), a ReadableStream, or an (async) iterable of Uint8Array chunks (a Node stream).
 */
export type ClipInput = ByteSource | Blob;

/** Fragments already read (by readFragments, or fetched by kvs-clip/aws), for the `…FromFragments` calls. */
export type FragmentSource = AsyncIterable<MkvFragment> | Iterable<MkvFragment>;
