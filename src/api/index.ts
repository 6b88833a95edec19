import { readFragments } from '../mkv/index.js';
import { createCodecChecker } from '../codecs/index.js';
import { concatBytes } from '../bytes.js';
import { buildFlatClip, createFragmentedMuxer } from '../mp4/index.js';
import type { MkvFragment } from '../mkv/types.js';
import type { CheckedFragment } from '../codecs/types.js';
import { finishSelection, fragmentsInRange, selectFragments, timestampKind } from './select.js';
import { createPayload, streamOf } from './payload.js';
import type { ClipInput, ClipOptions, ClipOutput, Mp4Segment, Mp4SegmentChunks } from './types.js';

type Fragments = AsyncIterable<MkvFragment> | Iterable<MkvFragment>;

/**
 * GetClip in process: a GetMedia / GetMediaForFragmentList payload (or a plain Matroska file) in,
 * one MP4 (ftyp, moov, mdat) out, shaped like GetClipCommandOutput.
 */
export async function clip(input: ClipInput, options: ClipOptions = {}): Promise<ClipOutput> {
  return clipFromFragments(readFragments(input, options), options);
}

/**
 * As `clip`, from fragments already read (the AWS entry uses this). `keep` sees each checked
 * fragment before it is held for the clip: the CLI uses it to swap payloads for stand-ins and copy
 * them from the file later, so a flat clip of a large file does not hold the file in memory.
 */
export async function clipFromFragments(
  fragments: Fragments,
  options: ClipOptions = {},
  keep: (fragment: CheckedFragment) => CheckedFragment = (fragment) => fragment,
): Promise<ClipOutput> {
  const checker = createCodecChecker(options);
  const inRange: CheckedFragment[] = [];
  for await (const fragment of fragmentsInRange(fragments, options)) inRange.push(keep(checker.check(fragment)));
  const { chunks, byteLength } = buildFlatClip(finishSelection(inRange, options), { timestamps: timestampKind(options) });
  return { ContentType: 'video/mp4', Payload: createPayload(chunks, byteLength) };
}

/**
 * Fragmented MP4 as a stream: the init segment, then one media segment per KVS fragment, each
 * yielded as soon as it is complete (the muxer holds one fragment back to learn its last duration).
 */
export async function* fragmentedMp4(input: ClipInput, options: ClipOptions = {}): AsyncGenerator<Mp4Segment> {
  yield* fragmentedMp4FromFragments(readFragments(input, options), options);
}

/**
 * As `fragmentedMp4`, from fragments already read. Streaming keeps what is valid: when the input
 * breaks (a bad frame, a codec change, an in-band KVS error, damaged bytes), every segment before the
 * bad spot is still delivered, including the frames of the broken fragment before the bad one; then
 * the error is thrown.
 */
export async function* fragmentedMp4FromFragments(fragments: Fragments, options: ClipOptions = {}): AsyncGenerator<Mp4Segment> {
  for await (const { chunks, byteLength, ...segment } of chunksFromFragments(fragments, options)) {
    yield { ...segment, data: concatBytes(chunks, byteLength) };
  }
}

/**
 * As `fragmentedMp4`, each segment as its header bytes and payload views instead of one joined
 * buffer: for writers that take a list of buffers (writev, a Blob, an HTTP response), nothing copied.
 */
export async function* fragmentedMp4Chunks(input: ClipInput, options: ClipOptions = {}): AsyncGenerator<Mp4SegmentChunks> {
  yield* chunksFromFragments(readFragments(input, options), options);
}

async function* chunksFromFragments(fragments: Fragments, options: ClipOptions): AsyncGenerator<Mp4SegmentChunks> {
  const muxer = createFragmentedMuxer({ timestamps: timestampKind(options) });
  const checker = createCodecChecker(options);
  let pushed = false;
  let failure: unknown = null;
  try {
    for await (const fragment of selectFragments(fragments, options)) {
      const { fragment: checked, error } = checker.checkPartial(fragment);
      if (checked && checked.frames.length > 0) {
        yield* muxer.push(checked);
        pushed = true;
      }
      if (error) throw error;
    }
  } catch (error) {
    failure = error;
  }
  if (pushed) yield* muxer.end();
  if (failure) throw failure;
}

/**
 * The fragmented call as a transform pair, so `response.body.pipeThrough(fragmentedMp4Stream())`
 * works in a browser: bytes in, segments out.
 */
export function fragmentedMp4Stream(options: ClipOptions = {}): ReadableWritablePair<Mp4Segment, Uint8Array> {
  const bytes = new TransformStream<Uint8Array, Uint8Array>();
  return { writable: bytes.writable, readable: streamOf(fragmentedMp4(bytes.readable, options)) };
}

export { validateSelector, selectFragments, compareFragmentNumbers } from './select.js';
export type * from './types.js';
