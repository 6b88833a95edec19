/**
 * Packed frames (src/mkv/packed-frames.ts), what a flat clip holds per frame: unpacking gives back
 * the frames packed, and frames that lie back to back in one buffer share a span.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packFrames, unpackFrames } from '../src/mkv/packed-frames.js';
import type { MkvFrame } from '../src/mkv/types.js';

/** Frames cut from a few buffers, some back to back (a laced block), some with a gap or in another buffer. */
const framesArbitrary = fc
  .array(
    fc.record({
      buffer: fc.integer({ min: 0, max: 2 }),
      gap: fc.constantFrom(0, 0, 0, 1, 7),
      size: fc.integer({ min: 0, max: 40 }),
      track: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
      timestamp: fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
      keyframe: fc.boolean(),
      duration: fc.option(fc.double({ min: 0, max: 1e9, noNaN: true }), { nil: undefined }),
      discardable: fc.option(fc.boolean(), { nil: undefined }),
    }),
    { maxLength: 60 },
  )
  .map((specs) => {
    const buffers = [0, 1, 2].map((b) => Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + b * 31) & 0xff));
    const ends = [0, 0, 0];
    return specs.map(({ buffer, gap, size, ...rest }): MkvFrame => {
      const start = ends[buffer] + gap;
      ends[buffer] = start + size;
      return { ...rest, data: buffers[buffer].subarray(start, start + size) };
    });
  });

/** How many stretches of frames lie back to back in one buffer. */
function stretches(frames: readonly MkvFrame[]): number {
  let count = 0;
  for (let i = 0; i < frames.length; i++) {
    const a = frames[i - 1]?.data;
    const b = frames[i].data;
    if (a === undefined || a.buffer !== b.buffer || a.byteOffset + a.byteLength !== b.byteOffset) count++;
  }
  return count;
}

describe('packFrames / unpackFrames', () => {
  it('give back every frame: its fields, and its bytes where they were', () => {
    fc.assert(
      fc.property(framesArbitrary, (frames) => {
        const packed = packFrames(frames);
        const unpacked = unpackFrames(packed);
        expect(packed.length).toBe(frames.length);
        expect(packed.byteLength).toBe(frames.reduce((n, f) => n + f.data.byteLength, 0));
        expect(unpacked.length).toBe(frames.length);
        unpacked.forEach((frame, i) => {
          const { data, ...fields } = frames[i];
          expect({ ...frame, data: undefined }).toEqual({ ...fields, data: undefined });
          expect(Object.is(frame.timestamp, fields.timestamp)).toBe(true); // -0 stays -0
          expect(frame.data.buffer).toBe(data.buffer);
          expect(frame.data.byteOffset).toBe(data.byteOffset);
          expect(frame.data.byteLength).toBe(data.byteLength);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('hold one span per stretch of frames back to back in one buffer', () => {
    fc.assert(
      fc.property(framesArbitrary, (frames) => {
        const packed = packFrames(frames);
        expect(packed.spans.length).toBe(stretches(frames));
        expect(packed.spanFrames.reduce((n, c) => n + c, 0)).toBe(frames.length);
      }),
      { numRuns: 300 },
    );
  });

  it('keep the reader’s frame shape, so the layers after see one kind of object', () => {
    const data = new Uint8Array(4);
    const reader: MkvFrame = { track: 1, timestamp: 0, keyframe: true, duration: undefined, discardable: false, data };
    const [unpacked] = unpackFrames(packFrames([reader]));
    expect(Object.keys(unpacked)).toEqual(Object.keys(reader));
    expect(unpacked.data).toBe(data); // a frame alone in its span is the span
  });
});
