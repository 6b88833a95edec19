/**
 * Frame checks and normalisation, on every frame of a clip (the hot path), by the framing each codec
 * declares (definition.ts): NAL units must have length prefixes that tile the frame exactly (frames
 * that already do pass through as the same object, no copy; Annex-B frames are re-framed into a new
 * buffer); sample frames must be whole; no frame may be empty.
 */
import { InvalidMediaFrameException, KvsClipError, type ErrorPlace } from '../errors.js';
import type { MkvFrame } from '../mkv/types.js';
import { annexBToLengthPrefixed, splitLengthPrefixed, startsWithStartCode, tilesExactly, type NalLengthSize } from './annexb.js';
import type { Framing } from './definition.js';
import { flacFrameBlockSize } from './flac.js';
import { CODECS } from './registry.js';
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
  const framings: Framing[] = configs.map((config) => CODECS[config.codec].framing);
  const frames: MkvFrame[] = [];
  for (let index = 0; index < input.length; index++) {
    const frame = input[index];
    let slot = 0;
    while (slot < configs.length && configs[slot].trackNumber !== frame.track) slot++;
    if (slot === configs.length) {
      onOtherTrack(frame.track);
      continue;
    }
    const config = configs[slot];
    const data = frame.data;
    if (data.length === 0) return { frames, error: frameError(index, frame, place, 'is empty') };
    switch (framings[slot]) {
      case 'access-units':
        frames.push(frame);
        break;
      case 'sample-frames': {
        const frameBytes = (config.channels! * config.bitsPerSample!) / 8;
        if (data.length % frameBytes !== 0) {
          const unit = frameBytes === config.channels ? `its ${config.channels} channels` : `its ${frameBytes}-byte sample frames`;
          return { frames, error: frameError(index, frame, place, `has ${data.length} bytes, not a multiple of ${unit}`) };
        }
        frames.push(frame);
        break;
      }
      case 'flac-frames': {
        const blockSize = flacFrameBlockSize(data);
        if (typeof blockSize === 'string') return { frames, error: frameError(index, frame, place, blockSize) };
        frames.push(frame);
        break;
      }
      case 'nal-units': {
        const checked = checkNalFrame(frame, config.nalLengthSize!, framing);
        if (typeof checked === 'string') return { frames, error: frameError(index, frame, place, checked) };
        if (checked instanceof KvsClipError)
          return { frames, error: frameError(index, frame, place, `is Annex-B, but ${checked.message}`, checked) };
        frames.push(checked);
        break;
      }
    }
  }
  return { frames, error: null };
}

/**
 * A frame of NAL units as length-prefixed units of `lengthSize` bytes: the frame itself when it
 * already is, a converted copy when it is Annex-B, else what is wrong with it (a message, or the
 * error of a failed conversion).
 */
function checkNalFrame(frame: MkvFrame, lengthSize: NalLengthSize, framing: FramingState): MkvFrame | string | KvsClipError {
  const data = frame.data;
  if (tilesExactly(data, lengthSize)) {
    framing.video ??= 'length-prefixed';
    return frame;
  }
  if (framing.video === 'length-prefixed' || !startsWithStartCode(data)) {
    const fault = splitLengthPrefixed(data, lengthSize).fault;
    return framing.video === 'length-prefixed'
      ? `does not tile as ${lengthSize}-byte length-prefixed NAL units like the clip's earlier frames: ${fault}`
      : `is neither ${lengthSize}-byte length-prefixed NAL units nor Annex-B: ${fault}`;
  }
  let converted: Uint8Array;
  try {
    converted = annexBToLengthPrefixed(data, lengthSize);
  } catch (error) {
    if (!(error instanceof KvsClipError)) throw error;
    return error;
  }
  if (converted.length === 0) return 'is Annex-B with no NAL unit after its start codes';
  framing.video = 'annex-b';
  return { ...frame, data: converted };
}

function frameError(index: number, frame: MkvFrame, place: ErrorPlace, problem: string, cause?: unknown): InvalidMediaFrameException {
  return new InvalidMediaFrameException(`Frame #${index} of the fragment (timestamp ${frame.timestamp}) ${problem}`, {
    ...place,
    track: frame.track,
    cause,
  });
}
