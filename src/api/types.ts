import type { ByteSource, MkvFragment, ReaderLimits } from '../mkv/types.js';
import type { ReaderWarning } from '../warnings.js';
import type { CheckOptions } from '../codecs/types.js';
import type { TimestampKind } from '../timeline/types.js';
import type { AudioOutput } from '../audio/output.js';

export type { AudioOutput } from '../audio/output.js';

/** GetClip's selector, as the AWS SDK shapes it (Date or epoch seconds). */
export interface ClipFragmentSelector {
  FragmentSelectorType: 'PRODUCER_TIMESTAMP' | 'SERVER_TIMESTAMP';
  TimestampRange: { StartTimestamp: Date | number; EndTimestamp: Date | number };
}

/** A validated selector: inclusive bounds in epoch ms. */
export interface TimeRange {
  kind: TimestampKind;
  startMs: number;
  endMs: number;
}

/**
 * Which fragment wins when two share a start timestamp. The KVS docs disagree (docs/getclip.md): the
 * ClipFragmentSelector reference says the oldest ingested is returned (our default,
 * 'first-ingested' = lowest fragment number); another page keeps the larger fragment number.
 */
export type DuplicateTimestampRule = 'highest-fragment-number' | 'first-ingested';

/** Also takes the reader's per-fragment limits (ReaderLimits), each with a safe default. */
export interface ClipOptions extends CheckOptions, ReaderLimits {
  ClipFragmentSelector?: ClipFragmentSelector;
  /** Which KVS timestamps place fragments when no selector says so (default producer). */
  timestamps?: TimestampKind;
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
  onWarning?: (warning: ReaderWarning) => void;
}

/** What the flat clip call returns, shaped like GetClipCommandOutput. */
export interface ClipOutput {
  /** video/mp4 for a clip; audio/mp4 when the stream has no video; audio/wav from audioClip. */
  ContentType: 'video/mp4' | 'audio/mp4' | 'audio/wav';
  Payload: ClipPayload;
}

export interface ClipPayload {
  readonly byteLength: number;
  /** The file as a list of chunks (views; payload bytes are not copied). */
  chunks(): Uint8Array[];
  /** The file as one buffer (one copy). */
  bytes(): Uint8Array;
  stream(): ReadableStream<Uint8Array>;
  /** The file as a Blob of the chunks (for URL.createObjectURL in a browser). */
  blob(): Blob;
  /** Like the SDK's payload mixin. */
  transformToByteArray(): Promise<Uint8Array>;
}

export type { Mp4Segment, Mp4SegmentChunks } from '../mp4/types.js';

export type ClipInput = ByteSource;

/** Fragments already read (by readFragments, or fetched by kvs-clip/aws), for the `…FromFragments` calls. */
export type FragmentSource = AsyncIterable<MkvFragment> | Iterable<MkvFragment>;
