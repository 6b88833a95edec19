/**
 * Heap bytes per tiny laced frame (issue 22 item 1): a Matroska file of `count` one-byte frames in
 * fixed-laced SimpleBlocks of 256, read whole by readFragments (dist/, so run `npx tsup` first).
 * Reports live heap held by the one fragment, per frame and per input byte.
 *
 *   node --expose-gc bench/laced-frames.mjs [count]     (default 1,000,000: the default maxFramesPerFragment)
 */
import { readFragments } from '../dist/index.js';

const count = Number(process.argv[2] ?? 1_000_000);
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with node --expose-gc');

const vint = (n, width) => {
  const out = [];
  for (let i = width - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  out[0] |= 1 << (8 - width);
  return out;
};
const element = (id, body) => [...id, ...vint(body.length, 4), ...body];
const ascii = (text) => [...Buffer.from(text, 'latin1')];

const header = [
  ...element([0x1a, 0x45, 0xdf, 0xa3], element([0x42, 0x82], ascii('matroska'))),
  ...[0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // Segment, unknown size
  ...[0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // Cluster, unknown size
  ...element([0xe7], [0]),
];
const blocks = [];
for (let left = count; left > 0; left -= 256) {
  const n = Math.min(256, left);
  // SimpleBlock: track 1, time 0, flags key + fixed lacing, frame count − 1, then n one-byte frames.
  const body = [0x81, 0, 0, 0x84, n - 1, ...Array.from({ length: n }, (_, i) => i & 0xff)];
  blocks.push(Buffer.from(n === 1 ? element([0xa3], [0x81, 0, 0, 0x80, 0]) : element([0xa3], body)));
}
const input = new Uint8Array(Buffer.concat([Buffer.from(header), ...blocks]));

gc();
const before = process.memoryUsage().heapUsed;
const fragments = [];
for await (const fragment of readFragments(input)) fragments.push(fragment);
gc();
const after = process.memoryUsage().heapUsed;
const frames = fragments.reduce((n, f) => n + f.frames.length, 0);
const held = after - before;
console.log(
  JSON.stringify({
    node: process.version,
    inputBytes: input.length,
    frames,
    heapHeldBytes: held,
    bytesPerFrame: +(held / frames).toFixed(1),
    heapPerInputByte: +(held / input.length).toFixed(1),
  }),
);

// The same number of frames in three representations, without the reader, for the assessment in
// bench/LACED-FRAMES.md: today's (an object and a view each), a lazy frame (an object holding the
// block's buffer, offset and length, the view made on access), and columns (typed arrays per fragment).
const body = input;
const shapes = {
  'object + view (today)': () =>
    Array.from({ length: frames }, (_, i) => ({
      track: 1,
      timestamp: i,
      keyframe: true,
      duration: undefined,
      discardable: false,
      data: body.subarray(i, i + 1),
    })),
  'lazy view (object, offsets)': () => {
    class LazyFrame {
      constructor(bytes, offset, length, timestamp) {
        this.track = 1;
        this.timestamp = timestamp;
        this.keyframe = true;
        this.duration = undefined;
        this.discardable = false;
        this.bytes = bytes;
        this.offset = offset;
        this.length = length;
      }
      get data() {
        return this.bytes.subarray(this.offset, this.offset + this.length);
      }
    }
    return Array.from({ length: frames }, (_, i) => new LazyFrame(body, i, 1, i));
  },
  'columns (typed arrays)': () => ({
    timestamps: new Float64Array(frames),
    offsets: new Uint32Array(frames),
    lengths: new Uint32Array(frames),
    tracks: new Uint32Array(frames),
    flags: new Uint8Array(frames),
  }),
};
fragments.length = 0;
const live = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const holder = { kept: null };
for (const [name, make] of Object.entries(shapes)) {
  holder.kept = null;
  gc();
  const start = live();
  holder.kept = make();
  gc();
  const used = live() - start;
  console.log(JSON.stringify({ representation: name, frames, bytesPerFrame: +(used / frames).toFixed(1) }));
}
