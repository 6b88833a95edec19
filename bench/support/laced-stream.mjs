/**
 * A GetMedia-style stream of G.711 A-law (8 kHz mono) in one-byte frames, fixed-laced 256 to a
 * SimpleBlock: the smallest frames Matroska can carry, so the most frames per input byte (issue 22,
 * item 1). Each fragment is a document of its own with KVS's tags (fragment number, producer and
 * server timestamps), as GetMedia sends them (docs/kvs-mkv.md).
 *
 *   writeLacedStream(path, { frames, fragmentFrames })   → { bytes, fragments }
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const vint = (n, width) => {
  const out = [];
  for (let i = width - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  out[0] |= 1 << (8 - width);
  return out;
};
/** `n` big-endian in `width` bytes (an EBML unsigned integer's body). */
const uint = (n, width) => Array.from({ length: width }, (_, i) => Math.floor(n / 256 ** (width - 1 - i)) & 0xff);
const element = (id, body) => [...id, ...vint(body.length, 4), ...body];
const ascii = (text) => [...Buffer.from(text, 'latin1')];
const f64 = (x) => [...Buffer.from(new Float64Array([x]).buffer).reverse()];
const le = (n, bytes) => Array.from({ length: bytes }, (_, i) => Math.floor(n / 256 ** i) & 0xff);
const UNKNOWN = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

const RATE = 8000;
const FRAMES_PER_BLOCK = 256;
// WAVEFORMATEX: A-law (6), mono, 8000 Hz, 8000 B/s, block align 1, 8 bits, no extra bytes.
const waveFormat = [...le(6, 2), ...le(1, 2), ...le(RATE, 4), ...le(RATE, 4), ...le(1, 2), ...le(8, 2), ...le(0, 2)];
const tracks = element(
  [0x16, 0x54, 0xae, 0x6b],
  element(
    [0xae],
    [
      ...element([0xd7], [1]),
      ...element([0x73, 0xc5], [1]),
      ...element([0x83], [2]),
      ...element([0x86], ascii('A_MS/ACM')),
      ...element([0x63, 0xa2], waveFormat),
      ...element([0xe1], [...element([0xb5], f64(RATE)), ...element([0x9f], [1])]),
    ],
  ),
);
const simpleTag = (name, value) => element([0x67, 0xc8], [...element([0x45, 0xa3], ascii(name)), ...element([0x44, 0x87], ascii(value))]);

function fragmentHead(number, ms) {
  const seconds = (ms / 1000).toFixed(3);
  return Buffer.from([
    ...element([0x1a, 0x45, 0xdf, 0xa3], element([0x42, 0x82], ascii('matroska'))),
    ...[0x18, 0x53, 0x80, 0x67, ...UNKNOWN],
    ...element([0x15, 0x49, 0xa9, 0x66], element([0x2a, 0xd7, 0xb1], uint(1_000_000, 3))),
    ...tracks,
    ...element(
      [0x12, 0x54, 0xc3, 0x67],
      element(
        [0x73, 0x73],
        [
          ...simpleTag('AWS_KINESISVIDEO_FRAGMENT_NUMBER', String(91343852333181432392682062600000000000n + BigInt(number))),
          ...simpleTag('AWS_KINESISVIDEO_SERVER_TIMESTAMP', seconds),
          ...simpleTag('AWS_KINESISVIDEO_PRODUCER_TIMESTAMP', seconds),
        ],
      ),
    ),
    ...[0x1f, 0x43, 0xb6, 0x75, ...UNKNOWN],
    ...element([0xe7], uint(0, 1)),
  ]);
}

/** One fixed-laced SimpleBlock of `count` one-byte frames at `offsetMs` into the cluster. */
function lacedBlock(offsetMs, count, firstByte) {
  const body = Buffer.alloc(5 + count);
  body[0] = 0x81; // track 1
  body.writeInt16BE(offsetMs, 1);
  body[3] = 0x84; // key frame, fixed lacing
  body[4] = count - 1;
  for (let i = 0; i < count; i++) body[5 + i] = (firstByte + i) & 0xff;
  return Buffer.concat([Buffer.from([0xa3, ...vint(body.length, 4)]), body]);
}

/**
 * Writes `frames` one-byte frames, `fragmentFrames` to a fragment (a multiple of 256 keeps every
 * block full), starting at producer time `startMs`. Returns the file's size and fragment count.
 */
export function writeLacedStream(path, { frames, fragmentFrames = 16_000, startMs = 1_700_000_000_000 }) {
  const fd = openSync(path, 'w');
  let bytes = 0;
  let fragments = 0;
  const write = (buffer) => {
    writeSync(fd, buffer);
    bytes += buffer.length;
  };
  try {
    for (let done = 0; done < frames; fragments++) {
      const inFragment = Math.min(fragmentFrames, frames - done);
      write(fragmentHead(fragments, startMs + (done * 1000) / RATE));
      const blocks = [];
      for (let k = 0; k < inFragment; k += FRAMES_PER_BLOCK) {
        blocks.push(lacedBlock(Math.round((k * 1000) / RATE), Math.min(FRAMES_PER_BLOCK, inFragment - k), done + k));
      }
      write(Buffer.concat(blocks));
      done += inFragment;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, fragments };
}
