/**
 * The flat clip, GetClip's output: the Matroska reader (src/mkv), GetClip's selection (select.ts),
 * the codec checks (src/codecs), then the MP4 writer (src/mp4, which places the frames with
 * src/timeline).
 */
import { readFragments } from '../mkv/index.js';
import { createCodecChecker } from '../codecs/index.js';
import type { CheckedFragment } from '../codecs/types.js';
import { buildFlatClip } from '../mp4/index.js';
import type { AudioTranscoder } from '../audio/transcode.js';
import { transcoderFor } from './transcoder.js';
import { finishSelection, fragmentsInRange, timestampKind } from './select.js';
import { createPayload } from './payload.js';
import { inputSource } from './input.js';
import type { ClipInput, ClipOptions, ClipOutput, FragmentSource } from './types.js';

/**
 * GetClip in process: a GetMedia / GetMediaForFragmentList payload (or a plain Matroska file) in,
 * one MP4 (ftyp, moov, mdat) out, shaped like GetClipCommandOutput.
 *
 * @param input - the stream's bytes (see {@link ClipInput}); a wrong kind of input is an InvalidArgumentException.
 * @param options - selection, caps, audio output, warnings, `signal` and `onProgress` (see {@link ClipOptions}).
 * @returns the MP4 and its content type; rejects with KVS's exception names (docs/errors.md).
 */
export async function clip(input: ClipInput, options: ClipOptions = {}): Promise<ClipOutput> {
  return clipFromFragments(readFragments(inputSource(input, options), options), options);
}

/**
 * As `clip`, from fragments already read: by {@link readFragments}, or fetched by `kvs-clip/aws`.
 *
 * @param fragments - the fragments, in the order they were read.
 * @param options - as for `clip`; `signal` is checked between fragments.
 */
export function clipFromFragments(fragments: FragmentSource, options: ClipOptions = {}): Promise<ClipOutput> {
  return clipKeeping(fragments, options, (fragment) => fragment);
}

/**
 * `clipFromFragments` for the CLI: `keep` sees each checked fragment before it is held for the clip,
 * and swaps payloads for stand-ins to copy from the file later (src/cli/two-pass.ts), so a flat clip
 * of a large file does not hold the file in memory. Not part of the public API.
 */
export async function clipKeeping(
  fragments: FragmentSource,
  options: ClipOptions,
  keep: (fragment: CheckedFragment) => CheckedFragment,
): Promise<ClipOutput> {
  const checker = createCodecChecker(options);
  // Re-encoded as the fragments arrive, before `keep` lets go of their input bytes.
  let transcoder: AudioTranscoder | null | undefined;
  const inRange: CheckedFragment[] = [];
  for await (const fragment of fragmentsInRange(fragments, options)) {
    options.signal?.throwIfAborted();
    const checked = checker.check(fragment);
    if (transcoder === undefined && checked.configs.length > 0) transcoder = await transcoderFor(options.audio ?? 'copy', checked);
    if (!transcoder) {
      inRange.push(keep(checked));
      continue;
    }
    const { fragment: transcoded, error } = transcoder.apply(checked);
    if (error) throw error;
    inRange.push(keep(transcoded));
  }
  const { chunks, byteLength } = buildFlatClip(finishSelection(inRange, options), { timestamps: timestampKind(options) });
  const type = inRange.some((f) => f.configs.some((c) => c.kind === 'video')) ? 'video/mp4' : 'audio/mp4';
  return { ContentType: type, Payload: createPayload(chunks, byteLength, type) };
}
