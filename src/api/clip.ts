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
import type { ClipInput, ClipOptions, ClipOutput, FragmentSource } from './types.js';

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
  fragments: FragmentSource,
  options: ClipOptions = {},
  keep: (fragment: CheckedFragment) => CheckedFragment = (fragment) => fragment,
): Promise<ClipOutput> {
  const checker = createCodecChecker(options);
  // Re-encoded as the fragments arrive, before `keep` lets go of their input bytes.
  let transcoder: AudioTranscoder | null | undefined;
  const inRange: CheckedFragment[] = [];
  for await (const fragment of fragmentsInRange(fragments, options)) {
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
