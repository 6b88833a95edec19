/**
 * A fragment's frames as columns, for holding many of them: a flat clip keeps every selected
 * fragment until it writes moov (docs/architecture.md#holding-frames). An `MkvFrame` costs ~180 heap
 * bytes (an object and a view); here a frame costs 25 bytes of typed arrays, and the frames whose
 * bytes follow each other in one buffer (a laced block's) share one view, a span.
 * `unpackFrames` gives back frames equal to those packed, one fragment at a time.
 */
import type { MkvFrame } from './types.js';

const KEYFRAME = 1;
const DISCARDABLE = 2;
/** `discardable` was present (true or false): unpacking gives back exactly what was packed. */
const HAS_DISCARDABLE = 4;
const HAS_DURATION = 8;

export interface PackedFrames {
  /** How many frames. */
  readonly length: number;
  /** The sum of their byte lengths. */
  readonly byteLength: number;
  readonly track: Uint32Array;
  readonly timestamp: Float64Array;
  /** Meaningful where the frame's flags say it has one. */
  readonly duration: Float64Array;
  readonly flags: Uint8Array;
  readonly size: Uint32Array;
  /** Views each covering the bytes of consecutive frames that lie back to back in one buffer. */
  readonly spans: Uint8Array[];
  /** How many frames each span holds, in frame order. */
  readonly spanFrames: Uint32Array;
}

export function packFrames(frames: readonly MkvFrame[]): PackedFrames {
  const n = frames.length;
  const track = new Uint32Array(n);
  const timestamp = new Float64Array(n);
  const duration = new Float64Array(n);
  const flags = new Uint8Array(n);
  const size = new Uint32Array(n);
  const spans: Uint8Array[] = [];
  const counts: number[] = [];
  let byteLength = 0;
  let spanStart: Uint8Array | null = null;
  let spanEnd = 0;
  for (let i = 0; i < n; i++) {
    const frame = frames[i];
    const data = frame.data;
    track[i] = frame.track;
    timestamp[i] = frame.timestamp;
    let f = frame.keyframe ? KEYFRAME : 0;
    if (frame.discardable !== undefined) f |= HAS_DISCARDABLE | (frame.discardable ? DISCARDABLE : 0);
    if (frame.duration !== undefined) {
      f |= HAS_DURATION;
      duration[i] = frame.duration;
    }
    flags[i] = f;
    size[i] = data.byteLength;
    byteLength += data.byteLength;
    if (spanStart !== null && data.buffer === spanStart.buffer && data.byteOffset === spanEnd) {
      counts[counts.length - 1]++;
    } else {
      if (spanStart !== null) spans.push(spanOf(spanStart, spanEnd));
      spanStart = data;
      counts.push(1);
    }
    spanEnd = data.byteOffset + data.byteLength;
  }
  if (spanStart !== null) spans.push(spanOf(spanStart, spanEnd));
  return { length: n, byteLength, track, timestamp, duration, flags, size, spans, spanFrames: Uint32Array.from(counts) };
}

/** A view from `first`'s start to `end` in its buffer (`first` itself when it alone is the span). */
function spanOf(first: Uint8Array, end: number): Uint8Array {
  if (first.byteOffset + first.byteLength === end) return first;
  return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
}

/** The frames packed, in order: each `data` a view of its span (the span itself for a frame alone in one). */
export function unpackFrames(packed: PackedFrames): MkvFrame[] {
  const frames = new Array<MkvFrame>(packed.length);
  let i = 0;
  for (let s = 0; s < packed.spans.length; s++) {
    const span = packed.spans[s];
    const count = packed.spanFrames[s];
    let offset = 0;
    for (let k = 0; k < count; k++, i++) {
      const size = packed.size[i];
      const data = count === 1 ? span : span.subarray(offset, offset + size);
      offset += size;
      const f = packed.flags[i];
      // The reader's shape (src/mkv/block.ts), every property present: one hidden class for the layers after.
      frames[i] = {
        track: packed.track[i],
        timestamp: packed.timestamp[i],
        keyframe: (f & KEYFRAME) !== 0,
        duration: f & HAS_DURATION ? packed.duration[i] : undefined,
        discardable: f & HAS_DISCARDABLE ? (f & DISCARDABLE) !== 0 : undefined,
        data,
      };
    }
  }
  return frames;
}
