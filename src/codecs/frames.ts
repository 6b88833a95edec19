/**
 * Frame checks and normalisation, on every frame of a clip (the hot path): video frames must be NAL
 * units with length prefixes that tile the frame exactly. Frames that already are pass through as
 * the same object (no copy); Annex-B frames are re-framed into a new buffer.
 */
import { InvalidMediaFrameException, KvsClipError, type ErrorPlace } from '../errors.js';
import type { MkvFrame } from '../mkv/types.js';
import { annexBToLengthPrefixed, splitLengthPrefixed, startsWithStartCode, tilesExactly } from './annexb.js';
import type { TrackConfig } from './types.js';

/**
 * How a clip's video frames are framed, decided by its first video frame. A frame that does not tile
 * in a length-prefixed clip is an error, even when its first bytes look like a start code: a 4-byte
 * length of 256..511 starts `00 00 01`, so guessing Annex-B there would turn a damaged frame into
 * garbage instead of reporting it.
 */
export interface FramingState {
  video?: 'length-prefixed' | 'annex-b';
}

interface FrameCheck {
  /** Frames of the configured tracks, in input order, up to the first bad frame. */
  frames: MkvFrame[];
  /** The first bad frame's error, or null. */
  error: InvalidMediaFrameException | null;
}

/**
 * `place` is where the fragment is (fragment number/index). `onOtherTrack` is told about each frame
 * of a track without a config; such frames are left out (GetClip plays tracks 1 and 2 only).
 */
export function checkFrames(
  input: readonly MkvFrame[],
  configs: readonly TrackConfig[],
  place: ErrorPlace,
  framing: FramingState,
  onOtherTrack: (track: number) => void,
): FrameCheck {
  const first = configs[0];
  const second = configs[1];
  const frames: MkvFrame[] = [];
  for (let index = 0; index < input.length; index++) {
    const frame = input[index];
    const config = frame.track === first?.trackNumber ? first : frame.track === second?.trackNumber ? second : undefined;
    if (config === undefined) {
      onOtherTrack(frame.track);
      continue;
    }
    const data = frame.data;
    if (data.length === 0) return { frames, error: frameError(index, frame, place, 'is empty') };
    const lengthSize = config.nalLengthSize;
    if (lengthSize !== undefined) {
      if (tilesExactly(data, lengthSize)) {
        framing.video ??= 'length-prefixed';
        frames.push(frame);
        continue;
      }
      if (framing.video === 'length-prefixed' || !startsWithStartCode(data)) {
        const fault = splitLengthPrefixed(data, lengthSize).fault;
        const problem = framing.video === 'length-prefixed'
          ? `does not tile as ${lengthSize}-byte length-prefixed NAL units like the clip's earlier frames: ${fault}`
          : `is neither ${lengthSize}-byte length-prefixed NAL units nor Annex-B: ${fault}`;
        return { frames, error: frameError(index, frame, place, problem) };
      }
      let converted: Uint8Array;
      try {
        converted = annexBToLengthPrefixed(data, lengthSize);
      } catch (error) {
        if (!(error instanceof KvsClipError)) throw error;
        return { frames, error: frameError(index, frame, place, `is Annex-B, but ${error.message}`, error) };
      }
      if (converted.length === 0) return { frames, error: frameError(index, frame, place, 'is Annex-B with no NAL unit after its start codes') };
      framing.video = 'annex-b';
      frames.push({ ...frame, data: converted });
    } else {
      // G.711 stores one byte per sample per channel: a frame holds whole sample frames.
      const channels = config.bitsPerSample === 8 ? (config.channels ?? 1) : 1;
      if (data.length % channels !== 0) {
        return { frames, error: frameError(index, frame, place, `has ${data.length} bytes, not a multiple of its ${channels} channels`) };
      }
      frames.push(frame);
    }
  }
  return { frames, error: null };
}

function frameError(index: number, frame: MkvFrame, place: ErrorPlace, problem: string, cause?: unknown): InvalidMediaFrameException {
  return new InvalidMediaFrameException(`Frame #${index} of the fragment (timestamp ${frame.timestamp}) ${problem}`, {
    ...place,
    track: frame.track,
    cause,
  });
}
