/**
 * FLAC syntax the MP4 side reads (RFC 9639, docs/audio.md): the STREAMINFO block, and a frame
 * header's block size (how many samples the frame holds, which is its duration).
 */
import { InvalidCodecPrivateDataException } from '../errors.js';

const STREAMINFO_SIZE = 34;

export interface FlacStreamInfoFields {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

/**
 * The STREAMINFO of a Matroska A_FLAC CodecPrivate (`fLaC`, then metadata blocks, STREAMINFO first):
 * its fields, and the bytes of the block with its header, marked as the last block (the `dfLa` box
 * needs only STREAMINFO).
 */
export function parseFlacCodecPrivate(bytes: Uint8Array): { info: FlacStreamInfoFields; streamInfoBlock: Uint8Array } {
  const fail = (problem: string): never => {
    throw new InvalidCodecPrivateDataException(`FLAC CodecPrivate ${problem}`);
  };
  if (bytes.length < 8 + STREAMINFO_SIZE || bytes[0] !== 0x66 || bytes[1] !== 0x4c || bytes[2] !== 0x61 || bytes[3] !== 0x43) {
    fail(`is ${bytes.length} bytes without "fLaC" and a STREAMINFO block`);
  }
  const length = (bytes[5] << 16) | (bytes[6] << 8) | bytes[7];
  if ((bytes[4] & 0x7f) !== 0 || length !== STREAMINFO_SIZE) fail('does not start with a 34-byte STREAMINFO block');
  const s = bytes.subarray(8, 8 + STREAMINFO_SIZE);
  const info = {
    sampleRate: (s[10] << 12) | (s[11] << 4) | (s[12] >> 4),
    channels: ((s[12] >> 1) & 0x07) + 1,
    bitsPerSample: (((s[12] & 1) << 4) | (s[13] >> 4)) + 1,
  };
  if (info.sampleRate === 0) fail('has a sample rate of 0');
  const streamInfoBlock = new Uint8Array(4 + STREAMINFO_SIZE);
  streamInfoBlock.set([0x80, 0, 0, STREAMINFO_SIZE]);
  streamInfoBlock.set(s, 4);
  return { info, streamInfoBlock };
}

/** Block sizes of frame header codes 1..15 (0 is reserved; 6 and 7 read the size after the number). */
function blockSizeOfCode(code: number): number {
  if (code === 1) return 192;
  if (code <= 5) return 576 << (code - 2);
  return 256 << (code - 8);
}

/**
 * The number of samples a FLAC frame holds, from its header (RFC 9639 §9.1), or a message saying why
 * the bytes are not a FLAC frame header.
 */
export function flacFrameBlockSize(frame: Uint8Array): number | string {
  if (frame.length < 6 || frame[0] !== 0xff || (frame[1] & 0xfe) !== 0xf8) return 'does not start with a FLAC frame sync code';
  const code = frame[2] >> 4;
  if (code === 0) return 'has the reserved FLAC block size code 0';
  if (code !== 6 && code !== 7) return blockSizeOfCode(code);
  // The coded frame or sample number: a UTF-8-like sequence of 1..7 bytes, its length in the first byte's leading ones.
  let numberLength = 1;
  if (frame[4] & 0x80) {
    numberLength = 0;
    for (let bit = 0x80; frame[4] & bit; bit >>= 1) numberLength++;
    if (numberLength < 2 || numberLength > 7) return 'has a malformed coded frame number';
  }
  const at = 4 + numberLength;
  if (code === 6) return at < frame.length ? frame[at] + 1 : 'ends inside its header';
  return at + 1 < frame.length ? ((frame[at] << 8) | frame[at + 1]) + 1 : 'ends inside its header';
}
