/**
 * Audio a browser can play: G.711 (with `audio: 'flac'`) and 16-bit PCM (always: MP4 players take
 * no raw PCM) become FLAC, losslessly. Each input frame becomes one FLAC frame of the same number of
 * samples (a variable block size stream), so every frame keeps its time and duration and audio stays
 * in sync with video. AAC and video pass through untouched. Sits between the codec checks and the
 * timeline: checked fragments in, checked fragments out (docs/audio.md).
 */
import { flacTrackConfig } from '../codecs/flac-codec.js';
import type { CheckedFragment, TrackConfig } from '../codecs/types.js';
import { fragmentPlace, InvalidMediaFrameException, UnsupportedStreamMediaTypeException } from '../errors.js';
import type { MkvFrame } from '../mkv/types.js';
import { keepLayout } from '../jit.js';
import { FlacEncoder } from './flac/encoder.js';
import { dfLaPayload } from './flac/metadata.js';
import { becomesFlac, type AudioOutput } from './output.js';
import { readPcm16le } from './pcm.js';

/** The largest block a FLAC frame holds (RFC 9639: a 16-bit block size field). */
const MAX_FLAC_BLOCK = 65535;
/** The highest rate a FLAC STREAMINFO can state (20 bits). */
const MAX_FLAC_RATE = 0xfffff;

/** A track that is re-encoded: its encoder, its FLAC config, and a reusable buffer for PCM samples. */
interface Reencoded {
  source: TrackConfig;
  encoder: FlacEncoder;
  config: TrackConfig;
  samples: Int16Array;
}

export interface TranscodedFragment {
  fragment: CheckedFragment;
  /** Why a frame could not be re-encoded (the fragment then holds the frames before it), or null. */
  error: InvalidMediaFrameException | null;
}

/**
 * The transcoder of one clip's fragments, in order. With nothing to re-encode (video with AAC, or
 * G.711 under `'copy'`) fragments pass through as the same objects.
 */
export class AudioTranscoder {
  readonly #output: AudioOutput;
  /** Re-encoded tracks by track number, once the first fragment with configs has been seen. */
  #tracks: Map<number, Reencoded> | null = null;
  #configs: TrackConfig[] = [];

  constructor(output: AudioOutput) {
    this.#output = output;
  }

  /**
   * The fragment with its re-encoded tracks as FLAC: all of it, or, when a frame cannot be
   * re-encoded, the frames before it and the error (a streaming caller delivers those first).
   */
  apply(fragment: CheckedFragment): TranscodedFragment {
    if (fragment.configs.length === 0) return { fragment, error: null };
    if (this.#tracks === null) this.#start(fragment);
    const tracks = this.#tracks!;
    if (tracks.size === 0) return { fragment, error: null };
    const frames: MkvFrame[] = [];
    for (let i = 0; i < fragment.frames.length; i++) {
      const frame = fragment.frames[i];
      const track = tracks.get(frame.track);
      if (track === undefined) {
        frames.push(frame);
        continue;
      }
      const data = encodeFrame(track, frame, i, fragment);
      if (data instanceof InvalidMediaFrameException) return { fragment: { ...fragment, configs: this.#configs, frames }, error: data };
      frames.push({ ...frame, data });
    }
    return { fragment: { ...fragment, configs: this.#configs, frames }, error: null };
  }

  #start(fragment: CheckedFragment): void {
    const tracks = new Map<number, Reencoded>();
    this.#configs = fragment.configs.map((source) => {
      if (!becomesFlac(source, this.#output)) return source;
      const rate = source.sampleRate!;
      const channels = source.channels!;
      if (rate > MAX_FLAC_RATE || channels > 8) {
        throw new UnsupportedStreamMediaTypeException(
          `Track ${source.trackNumber} (${rate} Hz, ${channels} channels) cannot be written as FLAC, which holds up to ${MAX_FLAC_RATE} Hz and 8 channels`,
          {
            ...fragmentPlace(fragment),
            track: source.trackNumber,
          },
        );
      }
      const encoder = new FlacEncoder({ sampleRate: rate, channels, bitsPerSample: 16, maxBlockSize: MAX_FLAC_BLOCK });
      const metadata = dfLaPayload(encoder.declaredStreamInfo()).subarray(4);
      const config = flacTrackConfig(source.trackNumber, rate, channels, 16, metadata, {
        from: source.codec,
        losslessFrom: source.codecString,
      });
      tracks.set(source.trackNumber, { source, encoder, config, samples: new Int16Array(0) });
      return config;
    });
    this.#tracks = tracks;
  }
}
keepLayout(new AudioTranscoder('copy'));

/** One checked frame as one FLAC frame (the frame checks made it whole sample frames), or why not. */
function encodeFrame(track: Reencoded, frame: MkvFrame, index: number, fragment: CheckedFragment): Uint8Array | InvalidMediaFrameException {
  const { source, encoder } = track;
  const channels = source.channels!;
  const count = source.codec === 'pcm' ? frame.data.length >> 1 : frame.data.length;
  const length = count / channels;
  if (length > MAX_FLAC_BLOCK) {
    return new InvalidMediaFrameException(
      `Frame #${index} of the fragment (timestamp ${frame.timestamp}) holds ${length} samples per channel; a FLAC frame holds at most ${MAX_FLAC_BLOCK}`,
      { ...fragmentPlace(fragment), track: source.trackNumber },
    );
  }
  // The encoder hands out views of its own slabs; each frame's bytes stay valid (slabs are not reused).
  if (source.codec !== 'pcm') return encoder.encodeG711(source.codec === 'alaw' ? 'alaw' : 'ulaw', frame.data, length);
  if (track.samples.length < count) track.samples = new Int16Array(Math.max(count, 2 * track.samples.length));
  readPcm16le(frame.data, track.samples);
  return encoder.encodeInterleaved(track.samples, length);
}
