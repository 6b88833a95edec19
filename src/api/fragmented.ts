/**
 * Fragmented MP4 as a stream, for Media Source Extensions: the Matroska reader (src/mkv), GetClip's
 * selection as fragments arrive (select.ts), the codec checks (src/codecs), then the segment muxer
 * (src/mp4, which places the frames with src/timeline). With `lowLatency`, the reader's block events
 * become CMAF chunks inside each fragment (low-latency.ts).
 */
import { concatBytes } from '../bytes.js';
import { InvalidArgumentException } from '../errors.js';
import { completeFragments, readFragmentEvents, readFragments } from '../mkv/index.js';
import type { FragmentEvent, MkvFragment } from '../mkv/types.js';
import { createCodecChecker, type PartialCheck } from '../codecs/index.js';
import { createFragmentedMuxer } from '../mp4/index.js';
import type { AudioTranscoder } from '../audio/transcode.js';
import type { CheckedFragment } from '../codecs/types.js';
import { transcoderFor } from './transcoder.js';
import { selectFragments, streamSelection, timestampKind } from './select.js';
import { chunkPolicy, fragmentPieces, type FragmentPiece } from './low-latency.js';
import { streamOf } from './payload.js';
import { inputSource } from './input.js';
import type { ClipInput, ClipOptions, FragmentedOptions, FragmentSource, Mp4Segment, Mp4SegmentChunks } from './types.js';

/**
 * The init segment, then one media segment per KVS fragment, each yielded as soon as its fragment is
 * complete; with `lowLatency`, one media segment (a CMAF chunk) per block, or per `lowLatency.frames`
 * frames / `lowLatency.ms` of media, as the blocks arrive (docs/kvs-mkv.md#low-latency-chunks).
 *
 * @param input - the stream's bytes (see {@link ClipInput}).
 * @param options - as for `clip`, plus `lowLatency`; with `signal`, reading stops on abort and the generator throws `signal.reason`.
 */
export async function* fragmentedMp4(input: ClipInput, options: FragmentedOptions = {}): AsyncGenerator<Mp4Segment> {
  yield* joined(fragmentedMp4Chunks(input, options));
}

/**
 * As `fragmentedMp4`, from fragments already read. Streaming keeps what is valid: when the input
 * breaks (a bad frame, a codec change, an in-band KVS error, damaged bytes), every segment before the
 * bad spot is still delivered, including the frames of the broken fragment before the bad one; then
 * the error is thrown. Whole fragments only: low-latency output needs the reader's block events
 * ({@link fragmentedMp4FromEvents}).
 */
export async function* fragmentedMp4FromFragments(fragments: FragmentSource, options: ClipOptions = {}): AsyncGenerator<Mp4Segment> {
  yield* joined(muxChecked(whole(checkedFragments(fragments, options)), options));
}

/**
 * As `fragmentedMp4`, from the reader's events (`readFragmentEvents`, or kvs-clip/aws
 * `followStreamEvents`): with `lowLatency`, CMAF chunks as blocks arrive; without, one media segment
 * per complete fragment.
 */
export async function* fragmentedMp4FromEvents(
  events: AsyncIterable<FragmentEvent>,
  options: FragmentedOptions = {},
): AsyncGenerator<Mp4Segment> {
  yield* joined(chunksFromEvents(events, options));
}

/**
 * As `fragmentedMp4`, each segment as its header bytes and payload views instead of one joined
 * buffer: for writers that take a list of buffers (writev, a Blob, an HTTP response), nothing copied.
 */
export async function* fragmentedMp4Chunks(input: ClipInput, options: FragmentedOptions = {}): AsyncGenerator<Mp4SegmentChunks> {
  if (chunkPolicy(options.lowLatency) === null) {
    yield* muxChecked(whole(checkedFragments(readFragments(inputSource(input, options), options), options)), options);
  } else yield* chunksFromEvents(readFragmentEvents(inputSource(input, options), options), options);
}

/** The segments of the reader's events: CMAF chunks with `lowLatency`, else whole fragments. */
async function* chunksFromEvents(events: AsyncIterable<FragmentEvent>, options: FragmentedOptions): AsyncGenerator<Mp4SegmentChunks> {
  const policy = chunkPolicy(options.lowLatency);
  if (policy === null) {
    yield* muxChecked(whole(checkedFragments(completeFragments(events), options)), options);
    return;
  }
  if (options.maxBytes !== undefined) {
    throw new InvalidArgumentException(
      "lowLatency sends a fragment's frames before the fragment is complete, so GetClip's byte cap (maxBytes) cannot apply",
    );
  }
  yield* muxChecked(checkedPieces(fragmentPieces(events, policy), options), options);
}

async function* joined(segments: AsyncIterable<Mp4SegmentChunks>): AsyncGenerator<Mp4Segment> {
  for await (const { chunks, byteLength, ...segment } of segments) yield { ...segment, data: concatBytes(chunks, byteLength) };
}

/** Checked frames for the muxer: a whole fragment (or a low-latency chunk's first piece), or frames continuing it. */
interface CheckedPiece {
  fragment: CheckedFragment;
  continues: boolean;
}

async function* whole(fragments: AsyncIterable<CheckedFragment>): AsyncGenerator<CheckedPiece> {
  for await (const fragment of fragments) yield { fragment, continues: false };
}

async function* muxChecked(pieces: AsyncIterable<CheckedPiece>, options: ClipOptions): AsyncGenerator<Mp4SegmentChunks> {
  const muxer = createFragmentedMuxer({ timestamps: timestampKind(options), onWarning: options.onWarning });
  let pushed = false;
  /** What broke the stream, thrown once everything before it is out. */
  let failure: { error: unknown } | null = null;
  try {
    for await (const { fragment, continues } of pieces) {
      options.signal?.throwIfAborted();
      yield* continues ? muxer.pushChunk(fragment) : muxer.push(fragment);
      pushed = true;
    }
  } catch (error) {
    // Aborted: the caller wants nothing more, not even the fragment held back.
    if (options.signal?.aborted) throw error;
    failure = { error };
  }
  if (pushed) yield* muxer.end();
  if (failure !== null) throw failure.error;
}

/**
 * The fragments a muxer takes: GetClip's selection, the codec checks and the audio output choice
 * applied, only fragments with frames. When the input breaks, the valid frames of the broken fragment
 * come out first, then the error is thrown (so a muxer can still flush what it holds).
 */
export async function* checkedFragments(fragments: FragmentSource, options: ClipOptions): AsyncGenerator<CheckedFragment> {
  const check = fragmentCheck(options);
  for await (const fragment of selectFragments(fragments, options)) {
    const { fragment: checked, error } = await check(fragment);
    if (checked && checked.frames.length > 0) yield checked;
    if (error) throw error;
  }
}

/**
 * As `checkedFragments` for low-latency pieces: a fragment is selected on its first piece (its tags
 * and first frames are there), the later pieces follow that choice.
 */
async function* checkedPieces(pieces: AsyncIterable<FragmentPiece>, options: ClipOptions): AsyncGenerator<CheckedPiece> {
  const selection = streamSelection(options);
  const check = fragmentCheck(options);
  let taking = false;
  /** Something of the current fragment went to the muxer: later pieces continue it. */
  let started = false;
  for await (const piece of pieces) {
    if (!piece.continues) {
      const admission = selection.admit(piece.fragment);
      if (admission === 'stop') break; // capped: the rest of the input is not read
      taking = admission === 'take';
      started = false;
    }
    if (!taking) continue;
    const { fragment, error } = await check(piece.fragment);
    if (fragment && fragment.frames.length > 0) {
      yield { fragment, continues: started };
      started = true;
    }
    if (error) throw error;
  }
  selection.finish();
}

/**
 * The codec checks and the audio output choice for the fragments (or pieces of fragments) of one
 * clip, in order: what was valid, and the error after it.
 */
function fragmentCheck(options: ClipOptions): (fragment: MkvFragment) => Promise<PartialCheck> {
  const checker = createCodecChecker(options);
  /** Decided by the first fragment with tracks (undefined before it). */
  let transcoder: AudioTranscoder | null | undefined;
  return async (fragment) => {
    const checked = checker.checkPartial(fragment);
    if (transcoder === undefined && checked.fragment && checked.fragment.configs.length > 0) {
      transcoder = await transcoderFor(options.audio ?? 'copy', checked.fragment);
    }
    // The transcoder stops at a frame it cannot re-encode, which comes before any the checker refused.
    const transcoded = checked.fragment && (transcoder ? transcoder.apply(checked.fragment) : { fragment: checked.fragment, error: null });
    return { fragment: transcoded?.fragment ?? null, error: transcoded?.error ?? checked.error };
  };
}

/**
 * The fragmented call as a transform pair, so `response.body.pipeThrough(fragmentedMp4Stream())`
 * works in a browser: bytes in, segments out (CMAF chunks with `lowLatency`). The shape of the DOM's
 * `ReadableWritablePair`, spelled out so that the declaration needs no DOM library.
 */
export function fragmentedMp4Stream(options: FragmentedOptions = {}): {
  /** Where the stream's bytes go (pipe a fetch body or any byte stream into it); errors when the input is bad. */
  writable: WritableStream<Uint8Array>;
  /** The init segment, then one media segment per fragment (or CMAF chunk); cancelling it stops reading the bytes. */
  readable: ReadableStream<Mp4Segment>;
} {
  chunkPolicy(options.lowLatency); // a bad option is refused here, not on the first read
  const bytes = new TransformStream<Uint8Array, Uint8Array>();
  const events = readFragmentEvents(bytes.readable, options);
  // Cancelling the segments cancels the bytes at once (the reader's return), even with a read in
  // flight; that errors the writable side, which cancels whatever is piped into it.
  return {
    writable: bytes.writable,
    readable: streamOf(fragmentedMp4FromEvents(events, options), () => events.return(undefined)),
  };
}
