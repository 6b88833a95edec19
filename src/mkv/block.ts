/**
 * SimpleBlock / Block bodies (RFC 9559 §10): track number, 16-bit signed time offset, flags, and
 * the frames, unlaced or laced the Xiph, EBML or fixed-size way. Frames are views of the body.
 */
import { EbmlError, readChild, readSafeUint, vintLength, type ChildElement } from '../ebml/index.js';
import { BLOCK, BLOCK_DURATION, REFERENCE_BLOCK } from './ids.js';
import type { MkvFrame } from './types.js';

export interface BlockHeader {
  track: number;
  /** Signed offset from the cluster's Timecode, in ticks. */
  timeOffset: number;
  flags: number;
  /** Bytes before the lacing header (or the frame). */
  length: number;
}

export const FLAG_KEYFRAME = 0x80;
export const FLAG_DISCARDABLE = 0x01;
const LACING_MASK = 0x06;
const LACING_XIPH = 0x02;
const LACING_FIXED = 0x04;
const LACING_EBML = 0x06;

/**
 * Reads the header of the block body `bytes[start, end)` into `out`; `base` is the input offset of
 * `bytes[start]`. Bodies are given as a range of the chunk they lie in, so no view is made per block.
 */
export function readBlockHeader(bytes: Uint8Array, start: number, end: number, base: number, out: BlockHeader): void {
  const trackLength = end > start ? vintLength(bytes[start]) : 0;
  if (trackLength === 0) throw new EbmlError('block without a valid track number', base);
  if (end - start < trackLength + 3) throw new EbmlError(`block of ${end - start} bytes is too short for its header`, base);
  let track = bytes[start] & (0xff >> trackLength);
  for (let i = 1; i < trackLength; i++) track = track * 256 + bytes[start + i];
  const at = start + trackLength;
  out.track = track;
  out.timeOffset = ((bytes[at] << 24) >> 16) | bytes[at + 1];
  out.flags = bytes[at + 2];
  out.length = trackLength + 3;
}

/** Scratch for lace sizes: a block holds at most 256 laced frames. */
const laceSizes = new Float64Array(256);

/**
 * Appends the frames of the block body `bytes[start, end)` (input offset `base`) to `frames`, each a
 * view of `bytes`. `time` is the block's timestamp in ticks; `duration` is the whole block's duration
 * in ticks when known (BlockDuration, or DefaultDuration × frames) and is then spread evenly over
 * laced frames, timestamps rounded to whole ticks.
 */
export function pushBlockFrames(
  frames: MkvFrame[],
  bytes: Uint8Array,
  start: number,
  end: number,
  base: number,
  header: BlockHeader,
  time: number,
  keyframe: boolean,
  discardable: boolean,
  blockDuration: number | undefined,
  frameDuration: number | undefined,
): void {
  const track = header.track;
  const lacing = header.flags & LACING_MASK;
  if (lacing === 0) {
    frames.push({
      track,
      timestamp: time,
      keyframe,
      duration: blockDuration ?? frameDuration,
      discardable,
      data: bytes.subarray(start + header.length, end),
    });
    return;
  }
  // Lacing is rare (audio of some muxers): a view of the body keeps its offsets simple.
  const body = bytes.subarray(start, end);
  let pos = header.length;
  if (pos >= body.length) throw new EbmlError('laced block without a frame count', base + pos);
  const count = body[pos++] + 1;
  const total = blockDuration ?? (frameDuration === undefined ? undefined : frameDuration * count);
  pos = readLaceSizes(body, base, pos, lacing, count);
  for (let i = 0; i < count; i++) {
    const size = laceSizes[i];
    const offset = total === undefined ? 0 : Math.round((i * total) / count);
    frames.push({
      track,
      timestamp: time + offset,
      keyframe,
      duration: total === undefined ? undefined : total / count,
      discardable,
      data: body.subarray(pos, pos + size),
    });
    pos += size;
  }
}

/** Fills laceSizes[0..count) and returns where the first frame starts. */
function readLaceSizes(body: Uint8Array, base: number, pos: number, lacing: number, count: number): number {
  const end = body.length;
  if (lacing === LACING_FIXED) {
    const size = (end - pos) / count;
    if (!Number.isInteger(size)) throw new EbmlError(`fixed-size lacing: ${end - pos} bytes do not split into ${count} frames`, base + pos);
    // Empty fixed-laced frames cost no input bytes: 7 bytes would become 256 frames. Refused, so
    // the frames handed out never outnumber the input bytes.
    if (size === 0) throw new EbmlError(`fixed-size lacing of ${count} empty frames`, base + pos);
    laceSizes.fill(size, 0, count);
    return pos;
  }
  let sum = 0;
  if (lacing === LACING_XIPH) {
    for (let i = 0; i < count - 1; i++) {
      let size = 0;
      let byte: number;
      do {
        if (pos >= end) throw new EbmlError('Xiph lace sizes run past the block', base + pos);
        byte = body[pos++];
        size += byte;
      } while (byte === 0xff);
      laceSizes[i] = size;
      sum += size;
    }
  } else if (lacing === LACING_EBML) {
    let size = 0;
    for (let i = 0; i < count - 1; i++) {
      const length = pos < end ? vintLength(body[pos]) : 0;
      if (length === 0 || pos + length > end) throw new EbmlError('EBML lace size is invalid or runs past the block', base + pos);
      let value = body[pos] & (0xff >> length);
      for (let k = 1; k < length; k++) value = value * 256 + body[pos + k];
      pos += length;
      // The first size is plain; the others are differences, stored with a bias of 2^(7n-1) - 1.
      size = i === 0 ? value : size + value - (2 ** (7 * length - 1) - 1);
      if (size < 0) throw new EbmlError('EBML lace size is negative', base + pos - length);
      laceSizes[i] = size;
      sum += size;
    }
  }
  const last = end - pos - sum;
  if (last < 0) throw new EbmlError(`lace sizes add up to ${sum} bytes, past the block's ${end - pos}`, base + pos);
  laceSizes[count - 1] = last;
  return pos;
}

export interface BlockGroupContent {
  /** Where the Block's body lies in the BlockGroup's bytes, [blockStart, blockEnd); blockStart < 0 when absent. */
  blockStart: number;
  blockEnd: number;
  /** BlockDuration in ticks. */
  duration: number | undefined;
  /** Has a ReferenceBlock, so it is not a key frame. */
  referenced: boolean;
}

/** Scratch for the BlockGroup's children (readBlockGroup runs to completion, so one is enough). */
const child: ChildElement = { id: 0, size: 0, bodyStart: 0, bodyEnd: 0 };

/**
 * Picks Block, BlockDuration and ReferenceBlock out of the BlockGroup body `bytes[start, end)` (input
 * offset `base`) into `out`. A loop over readChild rather than forEachChild: a callback would be a
 * closure made per BlockGroup, on the per-block path.
 */
export function readBlockGroup(bytes: Uint8Array, start: number, end: number, base: number, out: BlockGroupContent): void {
  out.blockStart = -1;
  out.duration = undefined;
  out.referenced = false;
  const bytesBase = base - start; // input offset of bytes[0]
  for (let pos = start; pos < end; pos = child.bodyEnd) {
    readChild(bytes, pos, end, bytesBase, child);
    const id = child.id;
    if (id === BLOCK) {
      out.blockStart = child.bodyStart;
      out.blockEnd = child.bodyEnd;
    } else if (id === BLOCK_DURATION)
      out.duration = readSafeUint(bytes, child.bodyStart, child.bodyEnd, bytesBase + child.bodyStart, 'BlockDuration');
    else if (id === REFERENCE_BLOCK) out.referenced = true;
  }
  if (out.blockStart < 0) throw new EbmlError('BlockGroup without a Block', base);
}
