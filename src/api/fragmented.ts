/**
 * Fragmented MP4 as a stream, for Media Source Extensions: the Matroska reader (src/mkv), GetClip's
 * selection as fragments arrive (select.ts), the codec checks (src/codecs), then the segment muxer
 * (src/mp4, which places the frames with src/timeline).
 */
import { concatBytes } from '../bytes.js';
import { readFragments } from '../mkv/index.js';
import { createCodecChecker } from '../codecs/index.js';
import { createFragmentedMuxer } from '../mp4/index.js';
import type { AudioTranscoder } from '../audio/transcode.js';
import type { CheckedFragment } from '../codecs/types.js';
import { transcoderFor } from './transcoder.js';
import { selectFragments, timestampKind } from './select.js';
import { streamOf } from './payload.js';
import { inputSource } from './input.js';
import type { ClipInput, ClipOptions, FragmentSource, Mp4Segment, Mp4SegmentChunks } from './types.js';

/**
 * The init segment, then one media segment per KVS fragment, each yielded as soon as it is complete
 * (the muxer holds one fragment back to learn its last duration).
 *
 * @param input - the stream's bytes (see {@link ClipInput}).
 * @param options - as for `clip`; with `signal`, reading stops on abort and the generator throws `signal.reason`.
 */
export async function* fragmentedMp4(input: ClipInput, options: ClipOptions = {}): AsyncGenerator<Mp4Segment> {
  yield* fragmentedMp4FromFragments(readFragments(inputSource(input, options), options), options);
}

/**
 * As `fragmentedMp4`, from fragments already read. Streaming keeps what is valid: when the input
 * breaks (a bad frame, a codec change, an in-band KVS error, damaged bytes), every segment before the
 * bad spot is still delivered, including the frames of the broken fragment before the bad one; then
 * the error is thrown.
 */
export async function* fragmentedMp4FromFragments(fragments: FragmentSource, options: ClipOptions = {}): AsyncGenerator<Mp4Segment> {
  for await (const { chunks, byteLength, ...segment } of chunksFromFragments(fragments, options)) {
    yield { ...segment, data: concatBytes(chunks, byteLength) };
  }
}

/**
 * As `fragmentedMp4`, each segment as its header bytes and payload views instead of one joined
 * buffer: for writers that take a list of buffers (writev, a Blob, an HTTP response), nothing copied.
 */
export async function* fragmentedMp4Chunks(input: ClipInput, options: ClipOptions = {}): AsyncGenerator<Mp4SegmentChunks> {
  yield* chunksFromFragments(readFragments(inputSource(input, options), options), options);
}

async function* chunksFromFragments(fragments: FragmentSource, options: ClipOptions): AsyncGenerator<Mp4SegmentChunks> {
  const muxer = createFragmentedMuxer({ timestamps: timestampKind(options), onWarning: options.onWarning });
  let pushed = false;
  /** What broke the stream, thrown once everything before it is out. */
  let failure: { error: unknown } | null = null;
  try {
    for await (const fragment of checkedFragments(fragments, options)) {
      options.signal?.throwIfAborted();
      yield* muxer.push(fragment);
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
  const checker = createCodecChecker(options);
  /** Decided by the first fragment with tracks (undefined before it). */
  let transcoder: AudioTranscoder | null | undefined;
  for await (const fragment of selectFragments(fragments, options)) {
    const checked = checker.checkPartial(fragment);
    if (transcoder === undefined && checked.fragment && checked.fragment.configs.length > 0) {
      transcoder = await transcoderFor(options.audio ?? 'copy', checked.fragment);
    }
    // The transcoder stops at a frame it cannot re-encode, which comes before any the checker refused.
    const transcoded = checked.fragment && (transcoder ? transcoder.apply(checked.fragment) : { fragment: checked.fragment, error: null });
    if (transcoded && transcoded.fragment.frames.length > 0) yield transcoded.fragment;
    const error = transcoded?.error ?? checked.error;
    if (error) throw error;
  }
}

/**
 * The fragmented call as a transform pair, so `response.body.pipeThrough(fragmentedMp4Stream())`
 * works in a browser: bytes in, segments out. The shape of the DOM's `ReadableWritablePair`, spelled
 * out so that the declaration needs no DOM library.
 */
export function fragmentedMp4Stream(options: ClipOptions = {}): {
  /** Where the stream's bytes go (pipe a fetch body or any byte stream into it); errors when the input is bad. */
  writable: WritableStream<Uint8Array>;
  /** The init segment, then one media segment per fragment; cancelling it stops reading the bytes. */
  readable: ReadableStream<Mp4Segment>;
} {
  const bytes = new TransformStream<Uint8Array, Uint8Array>();
  const fragments = readFragments(bytes.readable, options);
  // Cancelling the segments cancels the bytes at once (readFragments' return), even with a read in
  // flight; that errors the writable side, which cancels whatever is piped into it.
  return {
    writable: bytes.writable,
    readable: streamOf(fragmentedMp4FromFragments(fragments, options), () => fragments.return(undefined)),
  };
}
