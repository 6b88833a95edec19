/**
 * FLAC metadata: the STREAMINFO block (RFC 9639 §8.2), metadata block headers (§8.1), the start of a
 * native `.flac` stream (`fLaC` + metadata, §6) and the body of the ISO BMFF `dfLa` box
 * (FLAC-in-ISOBMFF §3.3.2).
 */
import { concatBytes } from '../../bytes.js';

/** The fields of a STREAMINFO block. */
export interface FlacStreamInfo {
  /**
   * Smallest block size of the stream in samples, the last block excepted (16..65535). A variable
   * block size stream may state a smaller bound than it uses (RFC 9639 §8.2).
   */
  minBlockSize: number;
  /**
   * Largest block size in samples (16..65535). A variable block size stream may state a larger bound
   * than it uses; decoders (ffmpeg) refuse frames larger than this, so it must never be too small.
   */
  maxBlockSize: number;
  /** Smallest frame in bytes; 0 = unknown (always allowed). */
  minFrameSize?: number;
  /** Largest frame in bytes; 0 = unknown (always allowed). */
  maxFrameSize?: number;
  /** Sample rate in Hz (1..1048575). */
  sampleRate: number;
  /** Channel count (1..8). */
  channels: number;
  /** Bits per sample (4..32); 16 for G.711 expanded to linear PCM. */
  bitsPerSample: number;
  /** Samples per channel in the whole stream; 0 = unknown (a stream whose end is not known yet). */
  totalSamples?: number;
  /**
   * MD5 of the decoded samples (little-endian, interleaved, RFC 9639 §8.2), or absent/all zeros for
   * "unknown". A streaming encoder cannot know it when the STREAMINFO is written, i.e. before the
   * samples (an MP4 init segment precedes every media segment), so zeros are the normal value there;
   * decoders then skip the check.
   */
  md5?: Uint8Array;
}

/** Size of a STREAMINFO block body in bytes. */
export const STREAMINFO_SIZE = 34;

/** FLAC metadata block types (RFC 9639 §8.1). */
export const FlacBlockType = {
  /** 0: the stream's sample rate, channels, bit depth, length and MD5 (always first, written by kvs-clip itself). */
  STREAMINFO: 0,
  /** 1: zero bytes reserving room to edit the metadata later. */
  PADDING: 1,
  /** 2: an application's own data, behind its registered 4-byte ID. */
  APPLICATION: 2,
  /** 3: seek points (sample number, byte offset, samples in the frame). */
  SEEKTABLE: 3,
  /** 4: a Vorbis comment (vendor string and `NAME=value` tags, little-endian lengths). */
  VORBIS_COMMENT: 4,
  /** 5: a CD cue sheet. */
  CUESHEET: 5,
  /** 6: a picture (cover art). */
  PICTURE: 6,
} as const;

/** A metadata block other than STREAMINFO, given as its type and body. */
export interface FlacMetadataBlock {
  /** The block type, 1..126 (a {@link FlacBlockType} value other than STREAMINFO). */
  type: number;
  /** The block's body, without the 4-byte block header (at most 16 MiB - 1 bytes). */
  data: Uint8Array;
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`FLAC STREAMINFO: ${name} ${value} is outside ${min}..${max}`);
  }
}

/**
 * The 34-byte STREAMINFO body.
 *
 * @throws RangeError when a field is outside what RFC 9639 allows (block sizes under 16, min > max,
 *   a sample rate of 0, more than 8 channels, …) or does not fit its bits.
 */
export function streamInfoBytes(info: FlacStreamInfo): Uint8Array {
  const { minBlockSize, maxBlockSize, sampleRate, channels, bitsPerSample } = info;
  const minFrameSize = info.minFrameSize ?? 0;
  const maxFrameSize = info.maxFrameSize ?? 0;
  const totalSamples = info.totalSamples ?? 0;
  checkRange('minimum block size', minBlockSize, 16, 65535);
  checkRange('maximum block size', maxBlockSize, minBlockSize, 65535);
  checkRange('minimum frame size', minFrameSize, 0, 0xffffff);
  checkRange('maximum frame size', maxFrameSize, 0, 0xffffff);
  if (minFrameSize && maxFrameSize && minFrameSize > maxFrameSize) {
    throw new RangeError(`FLAC STREAMINFO: minimum frame size ${minFrameSize} > maximum ${maxFrameSize}`);
  }
  checkRange('sample rate', sampleRate, 1, 0xfffff);
  checkRange('channel count', channels, 1, 8);
  checkRange('bits per sample', bitsPerSample, 4, 32);
  checkRange('total samples', totalSamples, 0, 2 ** 36 - 1);
  if (info.md5 !== undefined && info.md5.length !== 16) throw new RangeError(`FLAC STREAMINFO: MD5 has ${info.md5.length} bytes, not 16`);

  const b = new Uint8Array(STREAMINFO_SIZE);
  b[0] = minBlockSize >> 8;
  b[1] = minBlockSize;
  b[2] = maxBlockSize >> 8;
  b[3] = maxBlockSize;
  b[4] = minFrameSize >> 16;
  b[5] = minFrameSize >> 8;
  b[6] = minFrameSize;
  b[7] = maxFrameSize >> 16;
  b[8] = maxFrameSize >> 8;
  b[9] = maxFrameSize;
  // 20 bits rate, 3 bits channels-1, 5 bits bps-1, 36 bits total samples: bytes 10..17.
  b[10] = sampleRate >> 12;
  b[11] = sampleRate >> 4;
  b[12] = ((sampleRate & 0x0f) << 4) | ((channels - 1) << 1) | ((bitsPerSample - 1) >> 4);
  const high = Math.floor(totalSamples / 2 ** 32); // top 4 of the 36 bits
  b[13] = (((bitsPerSample - 1) & 0x0f) << 4) | high;
  const low = totalSamples >>> 0;
  b[14] = low >>> 24;
  b[15] = low >>> 16;
  b[16] = low >>> 8;
  b[17] = low;
  if (info.md5) b.set(info.md5, 18);
  return b;
}

/** A 4-byte metadata block header: last-block flag, 7-bit type, 24-bit body length. */
export function metadataBlockHeader(type: number, length: number, last: boolean): Uint8Array {
  checkRange('metadata block type', type, 0, 126);
  checkRange('metadata block length', length, 0, 0xffffff);
  return Uint8Array.of((last ? 0x80 : 0) | type, length >> 16, length >> 8, length);
}

/** STREAMINFO then `extra` blocks, each with its header, the last one flagged. */
function metadataBlocks(info: FlacStreamInfo, extra: readonly FlacMetadataBlock[], prefix: Uint8Array): Uint8Array {
  for (const block of extra) {
    if (block.type === FlacBlockType.STREAMINFO) throw new RangeError('FLAC metadata: only one STREAMINFO block, and it comes first');
  }
  const parts: Uint8Array[] = [
    prefix,
    metadataBlockHeader(FlacBlockType.STREAMINFO, STREAMINFO_SIZE, extra.length === 0),
    streamInfoBytes(info),
  ];
  extra.forEach((block, i) => parts.push(metadataBlockHeader(block.type, block.data.length, i === extra.length - 1), block.data));
  let size = 0;
  for (const p of parts) size += p.length;
  return concatBytes(parts, size);
}

/**
 * The body of the ISO BMFF `dfLa` box (FLACSpecificBox), without its size and type: version 0,
 * flags 0, then the metadata blocks, STREAMINFO first; the last block has its last-metadata-block
 * flag set (with STREAMINFO alone, STREAMINFO has it). The MP4 layer wraps it as `dfLa` inside the
 * `fLaC` AudioSampleEntry.
 */
export function dfLaPayload(info: FlacStreamInfo, extra: readonly FlacMetadataBlock[] = []): Uint8Array {
  return metadataBlocks(info, extra, new Uint8Array(4));
}

/**
 * The start of a native FLAC stream (a `.flac` file, or Matroska's `A_FLAC` CodecPrivate): the
 * `fLaC` marker and the metadata blocks. Frames follow it directly.
 */
export function flacStreamHeader(info: FlacStreamInfo, extra: readonly FlacMetadataBlock[] = []): Uint8Array {
  return metadataBlocks(info, extra, Uint8Array.of(0x66, 0x4c, 0x61, 0x43));
}
