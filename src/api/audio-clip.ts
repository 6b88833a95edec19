/**
 * The audio of a KVS stream as a WAV (docs/audio.md#wav): Amazon Connect and Chime Voice Connector
 * calls, or a camera's G.711 track, for transcription and archives. The Matroska reader, GetClip's
 * selection (streaming form), the codec checks, the timeline on the audio tracks alone, then the
 * WAV assembler: memory is bounded by a fragment and the assembler's window, not by the call.
 */
import { createCodecChecker } from '../codecs/index.js';
import type { CheckedFragment } from '../codecs/types.js';
import { ResourceNotFoundException } from '../errors.js';
import { readFragments } from '../mkv/index.js';
import { createTimeline, type TimedSegment } from '../timeline/index.js';
import { WavAssembler } from '../audio/wav-assembler.js';
import { streamingWavHeader, wavHeader, type WavFormat } from '../audio/wav.js';
import { createPayload } from './payload.js';
import { inputSource } from './input.js';
import { selectFragments, timestampKind } from './select.js';
import type { ClipInput, ClipOptions, ClipOutput, FragmentSource } from './types.js';

/**
 * One WAV of the stream's audio tracks: 16-bit PCM at their sample rate, one channel per track
 * channel in track order, silence where fragments leave gaps, so a sample's place is its wall-clock
 * time from the first sample. G.711 and 16-bit PCM tracks (AAC and FLAC are not decoded: an
 * UnsupportedStreamMediaTypeException names the track, as it does for tracks of different rates).
 * Takes the same options as `clip` (selector, timestamps, duplicates, caps).
 */
export async function audioClip(input: ClipInput, options: ClipOptions = {}): Promise<ClipOutput> {
  let format: WavFormat | null = null;
  const data: Uint8Array[] = [];
  let byteLength = 0;
  for await (const part of wavParts(readFragments(inputSource(input, options), options), options)) {
    if (part instanceof Uint8Array) {
      data.push(part);
      byteLength += part.byteLength;
    } else format = part;
  }
  const header = wavHeader(format!, byteLength);
  return { ContentType: 'audio/wav', Payload: createPayload([header, ...data], header.byteLength + byteLength, 'audio/wav') };
}

/**
 * The same WAV as a stream for outputs of unknown length (a pipe, an HTTP response): a header whose
 * sizes say "until the end" (what ffmpeg writes to a pipe), then the samples as they become final.
 * When the stream breaks, everything before the bad spot has been yielded; then the error is thrown.
 */
export async function* wavStream(input: ClipInput, options: ClipOptions = {}): AsyncGenerator<Uint8Array> {
  for await (const part of wavParts(readFragments(inputSource(input, options), options), options)) {
    yield part instanceof Uint8Array ? part : streamingWavHeader(part);
  }
}

/**
 * The WAV's format once the first audio frames are placed, then its sample bytes in order. Exported
 * for the CLI, which writes the header last when its output can seek, and reuses its read buffers:
 * `onInputDone(offset)` says that no input byte before `offset` will be read again (the samples of
 * every fragment before the one the timeline holds back have been yielded).
 */
export async function* wavParts(
  fragments: FragmentSource,
  options: ClipOptions,
  onInputDone?: (byteOffset: number) => void,
): AsyncGenerator<WavFormat | Uint8Array> {
  const checker = createCodecChecker(options);
  const timeline = createTimeline({ timestamps: timestampKind(options), onWarning: options.onWarning });
  let assembler: WavAssembler | null = null;
  function* assemble(segments: TimedSegment[]): Generator<WavFormat | Uint8Array> {
    for (const segment of segments) {
      if (assembler === null) {
        assembler = new WavAssembler(timeline.tracks!);
        yield assembler.format;
      }
      yield* assembler.push(segment);
    }
  }
  /** What broke the stream, thrown once everything before it is out. */
  let failure: { error: unknown } | null = null;
  try {
    for await (const fragment of selectFragments(fragments, options)) {
      options.signal?.throwIfAborted();
      const { fragment: checked, error } = checker.checkPartial(fragment);
      if (checked) yield* assemble(timeline.push(audioOf(checked)));
      if (error) throw error;
      onInputDone?.(fragment.byteOffset);
    }
  } catch (error) {
    if (options.signal?.aborted) throw error; // the caller wants nothing more
    failure = { error };
  }
  yield* assemble(timeline.end());
  if (assembler !== null) yield* (assembler as WavAssembler).end();
  if (failure !== null) throw failure.error;
  if (assembler === null) throw new ResourceNotFoundException('No audio frames to write: the selected fragments hold no audio');
}

/** The fragment's audio tracks and frames alone (a camera's video is left out of its WAV). */
function audioOf(fragment: CheckedFragment): CheckedFragment {
  const configs = fragment.configs.filter((c) => c.kind === 'audio');
  if (configs.length === fragment.configs.length) return fragment;
  const frames = fragment.frames.filter((f) => configs.some((c) => c.trackNumber === f.track));
  return { ...fragment, configs, frames };
}
