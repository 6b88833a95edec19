/**
 * The flat clip, GetClip's output: the Matroska reader (src/mkv), GetClip's selection (select.ts),
 * the codec checks (src/codecs), then the MP4 writer (src/mp4, which places the frames with
 * src/timeline).
 */
import { readFragments } from '../mkv/index.js';
import { createCodecChecker } from '../codecs/index.js';
import type { CheckedFragment } from '../codecs/types.js';
import { layOutFlatClip, payloadViews, type PayloadCollector } from '../mp4/index.js';
import { packFrames, unpackFrames, type PackedFrames } from '../mkv/packed-frames.js';
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
  held: HeldFragment[],
  options: ClipOptions,
): { retained: HeldFragment[]; pastTheCap: boolean; capWarning?: ReaderWarning } {
  let selected: HeldFragment[];
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
export async function clipFromFragments(fragments: FragmentSource, options: ClipOptions = {}): Promise<ClipOutput> {
  const payload = payloadViews();
  const { ContentType, header, byteLength } = await clipKeeping(fragments, options, {
    hold: holdFragment,
    release: releaseFragment,
    payload,
  });
  payload.chunks[0] = header;
  return { ContentType, Payload: createPayload(payload.chunks, byteLength, ContentType) };
}

/** A checked fragment as the flat clip holds it until it writes: its frames packed (src/mkv/packed-frames.ts). */
export interface HeldFragment extends Omit<CheckedFragment, 'frames'> {
  frames: PackedFrames;
}

export function holdFragment(fragment: CheckedFragment): HeldFragment {
  return { ...fragment, frames: packFrames(fragment.frames) };
}

export function releaseFragment(held: HeldFragment): CheckedFragment {
  return { ...held, frames: unpackFrames(held.frames) };
}

/** How a flat clip holds the fragments it selects, and where their payload goes once placed. */
export interface ClipHolding {
  hold(fragment: CheckedFragment): HeldFragment;
  /** The fragment again, for the timeline: called once per selected fragment, in clip order. */
  release(held: HeldFragment): CheckedFragment;
  payload: PayloadCollector;
}

/**
 * `clipFromFragments` with the holding chosen by the caller: the CLI holds payloads as places in the
 * file, to copy from there later (src/cli/two-pass.ts), so a flat clip of a large file does not hold
 * the file in memory. Not part of the public API.
 */
export async function clipKeeping(
  fragments: FragmentSource,
  options: ClipOptions,
  holding: ClipHolding,
): Promise<{ ContentType: 'video/mp4' | 'audio/mp4'; header: Uint8Array; byteLength: number }> {
  const checker = createCodecChecker(options);
  // Re-encoded as the fragments arrive, before `keep` lets go of their input bytes.
  let transcoder: AudioTranscoder | null | undefined;
  let inRange: HeldFragment[] = [];
  const capped = options.maxFragments !== undefined || options.maxBytes !== undefined;
  let lastCapWarning: ReaderWarning | undefined;
  for await (const fragment of fragmentsInRange(fragments, options)) {
    options.signal?.throwIfAborted();
    const checked = checker.check(fragment);
    if (transcoder === undefined && checked.configs.length > 0) transcoder = await transcoderFor(options.audio ?? 'copy', checked);
    if (!transcoder) inRange.push(holding.hold(checked));
    else {
      const { fragment: transcoded, error } = transcoder.apply(checked);
      if (error) throw error;
      inRange.push(holding.hold(transcoded));
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
  const type = inRange.some((f) => f.configs.some((c) => c.kind === 'video')) ? 'video/mp4' : 'audio/mp4';
  inRange.length = 0; // `selected` holds what is placed, and lets go of each fragment once unpacked
  const { header, byteLength } = layOutFlatClip(
    released(selected, (held) => holding.release(held)),
    { timestamps: timestampKind(options), onWarning: options.onWarning },
    holding.payload,
  );
  return { ContentType: type, header, byteLength };
}

/** The selected fragments unpacked one at a time, each let go of once placed. */
function* released(selected: (HeldFragment | null)[], release: (held: HeldFragment) => CheckedFragment): Generator<CheckedFragment> {
  for (let i = 0; i < selected.length; i++) {
    const held = selected[i]!;
    selected[i] = null; // the clip's tables take the place of its packed frames
    yield release(held);
  }
}
