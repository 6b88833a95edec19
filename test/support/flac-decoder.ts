/**
 * A small FLAC decoder for the tests (RFC 9639), written apart from the encoder in src/audio/flac
 * and sharing none of its code: its own bit reader, bit-by-bit CRCs, and plain Number arithmetic
 * (exact below 2^53) for predictions, so it makes different mistakes from the encoder if any. It
 * checks what a strict decoder checks (sync, reserved bits, CRC-8, CRC-16, partition layout, sample
 * range, coded numbers in sequence) and throws on the first problem. It is validated against
 * libFLAC's output on files made by the `flac` tool (test/audio-flac.test.ts).
 */

export interface StreamInfo {
  minBlockSize: number;
  maxBlockSize: number;
  minFrameSize: number;
  maxFrameSize: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  totalSamples: number;
  md5: Uint8Array;
}

export interface DecodedFrame {
  /** Byte offset of the frame in the input and its length. */
  offset: number;
  length: number;
  variable: boolean;
  /** Frame number (fixed block size) or first sample number (variable). */
  number: number;
  blockSize: number;
  sampleRate: number;
  channels: number;
  /** 0-7 independent, 8 left/side, 9 right/side, 10 mid/side. */
  channelAssignment: number;
  bitsPerSample: number;
  /** Per subframe: 'constant' | 'verbatim' | 'fixed<order>' | 'lpc<order>', with wasted bits. */
  subframes: { type: string; wasted: number }[];
  /** Decoded samples, one array per channel. */
  samples: Int32Array[];
}

export class FlacDecodeError extends Error {}

class BitReader {
  pos = 0; // bit position
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start * 8;
  }

  bit(): number {
    const byte = this.pos >> 3;
    if (byte >= this.end) throw new FlacDecodeError('read past the end of the data');
    const b = (this.bytes[byte] >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  /** Unsigned, n ≤ 53. */
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }

  signed(n: number): number {
    if (n === 0) return 0;
    const v = this.bits(n);
    return v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }

  unary(): number {
    let q = 0;
    while (this.bit() === 0) q++;
    return q;
  }

  get byteAligned(): boolean {
    return (this.pos & 7) === 0;
  }
}

function crc8(bytes: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) {
    c ^= bytes[i];
    for (let b = 0; b < 8; b++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) {
    c ^= bytes[i] << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

export function parseStreamInfo(body: Uint8Array): StreamInfo {
  if (body.length !== 34) throw new FlacDecodeError(`STREAMINFO of ${body.length} bytes`);
  const r = new BitReader(body, 0, 34);
  const info: StreamInfo = {
    minBlockSize: r.bits(16),
    maxBlockSize: r.bits(16),
    minFrameSize: r.bits(24),
    maxFrameSize: r.bits(24),
    sampleRate: r.bits(20),
    channels: r.bits(3) + 1,
    bitsPerSample: r.bits(5) + 1,
    totalSamples: r.bits(36),
    md5: body.slice(18, 34),
  };
  return info;
}

/** Parses the metadata blocks at `offset` (after `fLaC`, or after a dfLa FullBox header). */
export function parseMetadataBlocks(
  bytes: Uint8Array,
  offset: number,
  end = bytes.length,
): { blocks: { type: number; last: boolean; data: Uint8Array }[]; end: number } {
  const blocks: { type: number; last: boolean; data: Uint8Array }[] = [];
  let at = offset;
  for (;;) {
    if (at + 4 > end) throw new FlacDecodeError('truncated metadata block header');
    const last = (bytes[at] & 0x80) !== 0;
    const type = bytes[at] & 0x7f;
    const length = (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
    if (type === 127) throw new FlacDecodeError('metadata block type 127');
    if (at + 4 + length > end) throw new FlacDecodeError('truncated metadata block');
    blocks.push({ type, last, data: bytes.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
    if (last) break;
  }
  if (blocks[0]?.type !== 0) throw new FlacDecodeError('the first metadata block is not STREAMINFO');
  return { blocks, end: at };
}

const BLOCK_SIZES = [0, 192, 576, 1152, 2304, 4608, -8, -16, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768];
const SAMPLE_RATES = [0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000, -1, -2, -3, -4];
const DEPTHS = [0, 8, 12, -1, 16, 20, 24, 32];

function codedNumber(r: BitReader, variable: boolean): number {
  const first = r.bits(8);
  if (first < 0x80) return first;
  let length = 0;
  while (first & (0x80 >> length)) length++;
  if (length < 2 || length > 7) throw new FlacDecodeError(`bad coded number prefix 0x${first.toString(16)}`);
  if (!variable && length > 6) throw new FlacDecodeError('frame number longer than 6 bytes');
  let v = length === 7 ? 0 : first & (0x7f >> length);
  for (let i = 1; i < length; i++) {
    const b = r.bits(8);
    if ((b & 0xc0) !== 0x80) throw new FlacDecodeError('bad coded number continuation byte');
    v = v * 64 + (b & 0x3f);
  }
  return v;
}

function decodeResidual(r: BitReader, blockSize: number, order: number, out: number[]): void {
  const method = r.bits(2);
  if (method > 1) throw new FlacDecodeError(`reserved residual coding method ${method}`);
  const paramBits = method === 0 ? 4 : 5;
  const escape = method === 0 ? 15 : 31;
  const partitionOrder = r.bits(4);
  const partitions = 2 ** partitionOrder;
  if (blockSize % partitions !== 0) throw new FlacDecodeError(`partition order ${partitionOrder} does not divide block size ${blockSize}`);
  const size = blockSize / partitions;
  if (size <= order) throw new FlacDecodeError(`partitions of ${size} samples for predictor order ${order}`);
  for (let p = 0; p < partitions; p++) {
    const count = p === 0 ? size - order : size;
    const param = r.bits(paramBits);
    if (param === escape) {
      const bits = r.bits(5);
      for (let i = 0; i < count; i++) out.push(r.signed(bits));
    } else {
      for (let i = 0; i < count; i++) {
        const q = r.unary();
        const u = q * 2 ** param + r.bits(param);
        const v = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
        if (Math.abs(v) >= 2 ** 31) throw new FlacDecodeError('residual out of the 32-bit range');
        out.push(v);
      }
    }
  }
}

const FIXED_COEFS = [[], [1], [2, -1], [3, -3, 1], [4, -6, 4, -1]];

function decodeSubframe(r: BitReader, blockSize: number, bps: number): { samples: number[]; type: string; wasted: number } {
  if (r.bit() !== 0) throw new FlacDecodeError('subframe padding bit is 1');
  const type = r.bits(6);
  let wasted = 0;
  if (r.bit()) wasted = r.unary() + 1;
  const sbps = bps - wasted;
  if (sbps <= 0) throw new FlacDecodeError(`${wasted} wasted bits of ${bps}`);
  let samples: number[];
  let name: string;
  if (type === 0) {
    const v = r.signed(sbps);
    samples = new Array<number>(blockSize).fill(v);
    name = 'constant';
  } else if (type === 1) {
    samples = [];
    for (let i = 0; i < blockSize; i++) samples.push(r.signed(sbps));
    name = 'verbatim';
  } else if (type >= 8 && type <= 12) {
    const order = type - 8;
    if (order > blockSize) throw new FlacDecodeError('fixed order above the block size');
    samples = [];
    for (let i = 0; i < order; i++) samples.push(r.signed(sbps));
    const residual: number[] = [];
    decodeResidual(r, blockSize, order, residual);
    const c = FIXED_COEFS[order];
    for (let i = order; i < blockSize; i++) {
      let p = 0;
      for (let j = 0; j < order; j++) p += c[j] * samples[i - 1 - j];
      samples.push(p + residual[i - order]);
    }
    name = `fixed${order}`;
  } else if (type >= 32) {
    const order = type - 31;
    if (order > blockSize) throw new FlacDecodeError('LPC order above the block size');
    samples = [];
    for (let i = 0; i < order; i++) samples.push(r.signed(sbps));
    const precision = r.bits(4) + 1;
    if (precision === 16) throw new FlacDecodeError('coefficient precision bits 0b1111');
    const shift = r.signed(5);
    if (shift < 0) throw new FlacDecodeError(`negative LPC shift ${shift}`);
    const coefs: number[] = [];
    for (let i = 0; i < order; i++) coefs.push(r.signed(precision));
    const residual: number[] = [];
    decodeResidual(r, blockSize, order, residual);
    for (let i = order; i < blockSize; i++) {
      let p = 0;
      for (let j = 0; j < order; j++) p += coefs[j] * samples[i - 1 - j];
      if (!Number.isSafeInteger(p)) throw new FlacDecodeError('prediction beyond 2^53');
      samples.push(Math.floor(p / 2 ** shift) + residual[i - order]);
    }
    name = `lpc${order}`;
  } else {
    throw new FlacDecodeError(`reserved subframe type ${type}`);
  }
  if (wasted) samples = samples.map((v) => v * 2 ** wasted);
  return { samples, type: name, wasted };
}

/** Decodes the frame at `offset`; `info` supplies what "see STREAMINFO" codes refer to. */
export function decodeFrame(bytes: Uint8Array, offset: number, info?: StreamInfo): DecodedFrame {
  const r = new BitReader(bytes, offset, bytes.length);
  if (r.bits(15) !== 0x7ffc) throw new FlacDecodeError(`no frame sync at byte ${offset}`);
  const variable = r.bit() === 1;
  const sizeCode = r.bits(4);
  const rateCode = r.bits(4);
  const channelCode = r.bits(4);
  const depthCode = r.bits(3);
  if (r.bit() !== 0) throw new FlacDecodeError('frame header reserved bit is 1');
  const number = codedNumber(r, variable);
  let blockSize = BLOCK_SIZES[sizeCode];
  if (blockSize === 0) throw new FlacDecodeError('reserved block size code 0');
  if (blockSize === -8) blockSize = r.bits(8) + 1;
  else if (blockSize === -16) {
    blockSize = r.bits(16) + 1;
    if (blockSize === 65536) throw new FlacDecodeError('block size 65536');
  }
  let sampleRate = SAMPLE_RATES[rateCode];
  if (sampleRate === -1) sampleRate = r.bits(8) * 1000;
  else if (sampleRate === -2) sampleRate = r.bits(16);
  else if (sampleRate === -3) sampleRate = r.bits(16) * 10;
  else if (sampleRate === -4) throw new FlacDecodeError('sample rate code 0b1111');
  else if (sampleRate === 0) sampleRate = info?.sampleRate ?? 0;
  let bps = DEPTHS[depthCode];
  if (bps === -1) throw new FlacDecodeError('reserved bit depth code');
  if (bps === 0) bps = info?.bitsPerSample ?? 0;
  if (!bps) throw new FlacDecodeError('bit depth only in a STREAMINFO we do not have');
  if (channelCode > 10) throw new FlacDecodeError(`reserved channel assignment ${channelCode}`);
  const channels = channelCode < 8 ? channelCode + 1 : 2;
  if (!r.byteAligned) throw new FlacDecodeError('frame header not byte aligned');
  const headerEnd = r.pos >> 3;
  const crc = r.bits(8);
  if (crc !== crc8(bytes, offset, headerEnd)) throw new FlacDecodeError(`frame header CRC-8 mismatch at byte ${offset}`);

  const decoded: number[][] = [];
  const subframes: { type: string; wasted: number }[] = [];
  for (let c = 0; c < channels; c++) {
    const side = (channelCode === 8 && c === 1) || (channelCode === 9 && c === 0) || (channelCode === 10 && c === 1);
    const sub = decodeSubframe(r, blockSize, bps + (side ? 1 : 0));
    decoded.push(sub.samples);
    subframes.push({ type: sub.type, wasted: sub.wasted });
  }
  while (!r.byteAligned) if (r.bit() !== 0) throw new FlacDecodeError('nonzero frame padding');
  const end = r.pos >> 3;
  const footer = r.bits(16);
  if (footer !== crc16(bytes, offset, end)) throw new FlacDecodeError(`frame CRC-16 mismatch at byte ${offset}`);

  const samples = Array.from({ length: channels }, () => new Int32Array(blockSize));
  const lo = -(2 ** (bps - 1));
  const hi = 2 ** (bps - 1) - 1;
  for (let i = 0; i < blockSize; i++) {
    let a = decoded[0][i];
    let b = channels > 1 ? decoded[1][i] : 0;
    if (channelCode === 8)
      b = a - b; // left, side
    else if (channelCode === 9)
      a = a + b; // side, right
    else if (channelCode === 10) {
      const mid = a * 2 + (b & 1);
      const s = b;
      a = (mid + s) / 2;
      b = (mid - s) / 2;
    }
    if (channelCode >= 8) {
      decoded[0][i] = a;
      decoded[1][i] = b;
    }
    for (let c = 0; c < channels; c++) {
      const v = decoded[c][i];
      if (v < lo || v > hi) throw new FlacDecodeError(`sample ${v} outside ${bps} bits`);
      samples[c][i] = v;
    }
  }
  return {
    offset,
    length: end + 2 - offset,
    variable,
    number,
    blockSize,
    sampleRate,
    channels,
    channelAssignment: channelCode,
    bitsPerSample: bps,
    subframes,
    samples,
  };
}

export interface DecodedStream {
  info: StreamInfo;
  frames: DecodedFrame[];
  /** All samples, one array per channel. */
  samples: Int32Array[];
}

/**
 * Decodes a native FLAC stream (`fLaC`, metadata, frames), checking that frame/sample numbers run in
 * sequence and every frame agrees with STREAMINFO.
 */
export function decodeFlac(bytes: Uint8Array): DecodedStream {
  if (bytes[0] !== 0x66 || bytes[1] !== 0x4c || bytes[2] !== 0x61 || bytes[3] !== 0x43) throw new FlacDecodeError('no fLaC marker');
  const meta = parseMetadataBlocks(bytes, 4);
  const info = parseStreamInfo(meta.blocks[0].data);
  const frames: DecodedFrame[] = [];
  let at = meta.end;
  let samplesSoFar = 0;
  let variable: boolean | undefined;
  while (at < bytes.length) {
    const f = decodeFrame(bytes, at, info);
    variable ??= f.variable;
    if (f.variable !== variable) throw new FlacDecodeError('blocking strategy changed mid-stream');
    const expected = variable ? samplesSoFar : frames.length;
    if (f.number !== expected) throw new FlacDecodeError(`frame ${frames.length}: coded number ${f.number}, expected ${expected}`);
    if (f.channels !== info.channels || f.sampleRate !== info.sampleRate || f.bitsPerSample !== info.bitsPerSample) {
      throw new FlacDecodeError(`frame ${frames.length} disagrees with STREAMINFO`);
    }
    frames.push(f);
    samplesSoFar += f.blockSize;
    at += f.length;
  }
  const samples = Array.from({ length: info.channels }, () => new Int32Array(samplesSoFar));
  let pos = 0;
  for (const f of frames) {
    for (let c = 0; c < info.channels; c++) samples[c].set(f.samples[c], pos);
    pos += f.blockSize;
  }
  return { info, frames, samples };
}
