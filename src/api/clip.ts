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
import { finishSelection, fragmentStartMs, fragmentsInRange, timestampKind } from './select.js';
import { createPayload } from './payload.js';
import type { ReaderWarning } from '../warnings.js';
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
 * With caps, what is worth holding: the caps cut the clip in time order (select.ts), and a fragment
 * that falls past them now stays past them whatever comes later (a later fragment can only push the
 * cut earlier), so only the fragments inside the caps so far (and their same-time twins, for the
 * duplicate rule) are kept: memory is bounded by the caps. `pastTheCap` says the newest fragment fell
 * past the cap and starts after every kept one, the sign of input in time order: reading stops there
 * (docs/getclip.md#caps), rather than reading a 3 GB input for its first ten fragments.
 */
function withinCaps(
  held: CheckedFragment[],
  options: ClipOptions,
): { retained: CheckedFragment[]; pastTheCap: boolean; capWarning?: ReaderWarning } {
  let selected: CheckedFragment[];
  let capWarning: ReaderWarning | undefined;
  try {
    selected = finishSelection(held, { ...options, onWarning: (w) => (capWarning = w.code === 'capped' ? w : capWarning) });
  } catch {
    return { retained: held, pastTheCap: false }; // nothing fits yet: keep all, the end decides
  }
  if (selected.length === held.length) return { retained: held, pastTheCap: false };
  const kind = timestampKind(options);
  const starts = new Set(selected.map((f) => fragmentStartMs(f, kind)));
  const newest = held[held.length - 1];
  const newestStart = fragmentStartMs(newest, kind);
  const lastKept = Math.max(...selected.map((f) => fragmentStartMs(f, kind) ?? -Infinity));
  return {
    capWarning,
    retained: held.filter((f) => starts.has(fragmentStartMs(f, kind))),
    pastTheCap: !selected.includes(newest) && newestStart !== null && newestStart > lastKept,
  };
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
  let inRange: CheckedFragment[] = [];
  const capped = options.maxFragments !== undefined || options.maxBytes !== undefined;
  let lastCapWarning: ReaderWarning | undefined;
  for await (const fragment of fragmentsInRange(fragments, options)) {
    options.signal?.throwIfAborted();
    const checked = checker.check(fragment);
    if (transcoder === undefined && checked.configs.length > 0) transcoder = await transcoderFor(options.audio ?? 'copy', checked);
    if (!transcoder) inRange.push(keep(checked));
    else {
      const { fragment: transcoded, error } = transcoder.apply(checked);
      if (error) throw error;
      inRange.push(keep(transcoded));
    }
    if (capped) {
      const { retained, pastTheCap, capWarning } = withinCaps(inRange, options);
      inRange = retained;
      lastCapWarning = capWarning ?? lastCapWarning;
      if (pastTheCap) break;
    }
  }
  // The fragments let go of were cut by the cap: its warning is the last one a pruning saw (the
  // final selection, over what was kept, has nothing left to cut).
  let warnedCap = false;
  const selected = finishSelection(inRange, {
    ...options,
    onWarning: (warning) => {
      warnedCap ||= warning.code === 'capped';
      options.onWarning?.(warning);
    },
  });
  if (!warnedCap && lastCapWarning) options.onWarning?.(lastCapWarning);
  const { chunks, byteLength } = buildFlatClip(selected, { timestamps: timestampKind(options), onWarning: options.onWarning });
  const type = inRange.some((f) => f.configs.some((c) => c.kind === 'video')) ? 'video/mp4' : 'audio/mp4';
  return { ContentType: type, Payload: createPayload(chunks, byteLength, type) };
}
