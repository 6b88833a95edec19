/**
 * FLAC frame headers (RFC 9639 §9.1): sync code and blocking strategy, block size, sample rate,
 * channel assignment and bit depth codes, the UTF-8-like coded frame/sample number, the uncommon
 * block size and sample rate that follow it, and the CRC-8.
 */
import { crc8 } from './crc.js';

/** Channel assignment codes for two channels coded with stereo decorrelation (§9.1.3). */
export const LEFT_SIDE = 8;
export const RIGHT_SIDE = 9;
export const MID_SIDE = 10;

/** The longest frame header: 2 + 2 + 7 (coded number) + 2 (block size) + 2 (rate) + 1 (CRC). */
export const MAX_FRAME_HEADER_SIZE = 16;

/**
 * Sample rate bits (§9.1.2) for `rate`, and the uncommon-rate bytes that follow the header's coded
 * number (and block size), if any: packed as `code | extraBytes << 4 | value << 8`.
 */
export function sampleRateCode(rate: number): number {
  switch (rate) {
    case 88200:
      return 0b0001;
    case 176400:
      return 0b0010;
    case 192000:
      return 0b0011;
    case 8000:
      return 0b0100;
    case 16000:
      return 0b0101;
    case 22050:
      return 0b0110;
    case 24000:
      return 0b0111;
    case 32000:
      return 0b1000;
    case 44100:
      return 0b1001;
    case 48000:
      return 0b1010;
    case 96000:
      return 0b1011;
  }
  if (rate % 1000 === 0 && rate / 1000 <= 255) return 0b1100 | (1 << 4) | ((rate / 1000) * 256);
  if (rate <= 65535) return 0b1101 | (2 << 4) | (rate * 256);
  if (rate % 10 === 0 && rate / 10 <= 65535) return 0b1110 | (2 << 4) | ((rate / 10) * 256);
  // Not expressible in a frame header: "see STREAMINFO" (outside the streamable subset).
  return 0b0000;
}

/** Bit depth bits (§9.1.4); 0 = "see STREAMINFO" for depths without a code. */
export function bitDepthCode(bitsPerSample: number): number {
  switch (bitsPerSample) {
    case 8:
      return 0b001;
    case 12:
      return 0b010;
    case 16:
      return 0b100;
    case 20:
      return 0b101;
    case 24:
      return 0b110;
    case 32:
      return 0b111;
    default:
      return 0b000;
  }
}

/**
 * Block size bits (§9.1.1) for a block of `n` samples (1..65535): the common sizes have their own
 * code; others are stored after the coded number, minus one, in 8 bits (≤ 256) or 16 bits.
 */
export function blockSizeCode(n: number): number {
  switch (n) {
    case 192:
      return 0b0001;
    case 576:
      return 0b0010;
    case 1152:
      return 0b0011;
    case 2304:
      return 0b0100;
    case 4608:
      return 0b0101;
    case 256:
      return 0b1000;
    case 512:
      return 0b1001;
    case 1024:
      return 0b1010;
    case 2048:
      return 0b1011;
    case 4096:
      return 0b1100;
    case 8192:
      return 0b1101;
    case 16384:
      return 0b1110;
    case 32768:
      return 0b1111;
  }
  return n <= 256 ? 0b0110 : 0b0111;
}

/**
 * Writes `value` (0..2^36 - 1) as a FLAC coded number (§9.1.5: UTF-8's scheme extended to 7 bytes)
 * at `out[pos]`; returns the position after it.
 */
export function writeCodedNumber(out: Uint8Array, pos: number, value: number): number {
  if (value < 0x80) {
    out[pos] = value;
    return pos + 1;
  }
  // Continuation bytes carry 6 bits each; the first byte the rest after a length prefix.
  let length: number;
  if (value < 0x800) length = 2;
  else if (value < 0x10000) length = 3;
  else if (value < 0x200000) length = 4;
  else if (value < 0x4000000) length = 5;
  else if (value < 0x80000000) length = 6;
  else length = 7;
  let rest = value;
  for (let i = length - 1; i > 0; i--) {
    out[pos + i] = 0x80 | (rest % 64);
    rest = Math.floor(rest / 64);
  }
  out[pos] = ((0xff00 >> length) & 0xff) | rest;
  return pos + length;
}

/**
 * Writes a whole frame header, CRC-8 included, at `out[0]`; returns its length.
 *
 * @param variable true: variable block size stream, `number` is a sample number; false: fixed, a frame number.
 * @param blockSize Samples per channel in the frame (1..65535).
 * @param rateCode From {@link sampleRateCode}.
 * @param channelCode 0..7 (channels - 1) for independent channels, or LEFT_SIDE / RIGHT_SIDE / MID_SIDE.
 * @param depthCode From {@link bitDepthCode}.
 * @param number Frame number (fixed) or number of the first sample (variable).
 */
export function writeFrameHeader(
  out: Uint8Array,
  variable: boolean,
  blockSize: number,
  rateCode: number,
  channelCode: number,
  depthCode: number,
  number: number,
): number {
  const sizeCode = blockSizeCode(blockSize);
  out[0] = 0xff;
  out[1] = variable ? 0xf9 : 0xf8;
  out[2] = (sizeCode << 4) | (rateCode & 0x0f);
  out[3] = (channelCode << 4) | (depthCode << 1);
  let pos = writeCodedNumber(out, 4, number);
  if (sizeCode === 0b0110) {
    out[pos++] = blockSize - 1;
  } else if (sizeCode === 0b0111) {
    out[pos++] = (blockSize - 1) >> 8;
    out[pos++] = blockSize - 1;
  }
  const rateBytes = (rateCode >> 4) & 0x0f;
  const rateValue = Math.floor(rateCode / 256);
  if (rateBytes === 1) {
    out[pos++] = rateValue;
  } else if (rateBytes === 2) {
    out[pos++] = rateValue >> 8;
    out[pos++] = rateValue;
  }
  out[pos] = crc8(out, 0, pos);
  return pos + 1;
}
