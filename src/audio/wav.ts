/**
 * WAV (RIFF WAVE) headers for 16-bit PCM: the canonical 44-byte header, `RIFF` size, `WAVE`, a
 * 16-byte `fmt ` chunk with format 1 (WAVE_FORMAT_PCM), then the `data` chunk header. The samples
 * follow as interleaved little-endian (see {@link interleavePcm16}).
 *
 * When the length is not known when the header is written:
 * - seekable output (a file): write {@link wavHeader} with 0 bytes (or {@link streamingWavHeader}),
 *   then the samples, then write {@link wavHeader} with the real byte count again at offset 0; the
 *   header has the same size either way;
 * - a pipe or a download stream: {@link streamingWavHeader}, whose RIFF and data sizes are
 *   0xFFFFFFFF, which is what ffmpeg itself writes to a non-seekable output and what its WAV
 *   demuxer (and so ffplay/ffprobe) reads as "data until the end".
 *
 * Format 1 covers call recordings (mono or stereo, 16 bits). More than 2 channels, or more than 16
 * bits, formally want WAVE_FORMAT_EXTENSIBLE with a channel mask; ffmpeg reads format 1 either way.
 */
import { interleavePcm16 } from './pcm.js';

/** Size of the header {@link wavHeader} writes. */
export const WAV_HEADER_SIZE = 44;

/** Format of the samples of a WAV file. */
export interface WavFormat {
  /** Samples per second per channel, in Hz (e.g. 8000 for G.711). */
  sampleRate: number;
  /** Channel count; samples are interleaved, channel 0 first. */
  channels: number;
  /** Bits per sample (default 16; 8, 16, 24 or 32 integer PCM). */
  bitsPerSample?: number;
}

/** Largest data chunk a RIFF size field can describe with this header. */
export const WAV_MAX_DATA_BYTES = 0xffffffff - (WAV_HEADER_SIZE - 8);

function writeHeader(format: WavFormat, riffSize: number, dataSize: number): Uint8Array {
  const { sampleRate, channels } = format;
  const bits = format.bitsPerSample ?? 16;
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 0xffffffff) throw new RangeError(`WAV: sample rate ${sampleRate}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff) throw new RangeError(`WAV: ${channels} channels`);
  if (bits !== 8 && bits !== 16 && bits !== 24 && bits !== 32) throw new RangeError(`WAV: ${bits} bits per sample`);
  const blockAlign = channels * (bits / 8);
  const b = new Uint8Array(WAV_HEADER_SIZE);
  const v = new DataView(b.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) b[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, riffSize, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true); // fmt chunk size
  v.setUint16(20, 1, true); // WAVE_FORMAT_PCM
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true); // byte rate
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, bits, true);
  ascii(36, 'data');
  v.setUint32(40, dataSize, true);
  return b;
}

/**
 * The 44-byte header of a WAV file whose sample data is `dataBytes` long.
 *
 * @throws RangeError when `dataBytes` is odd-sized for the format or over {@link WAV_MAX_DATA_BYTES}
 *   (4 GiB: RIFF sizes are 32-bit; longer recordings need RF64 or several files).
 */
export function wavHeader(format: WavFormat, dataBytes: number): Uint8Array {
  const blockAlign = format.channels * ((format.bitsPerSample ?? 16) / 8);
  if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > WAV_MAX_DATA_BYTES) throw new RangeError(`WAV: ${dataBytes} data bytes`);
  if (dataBytes % blockAlign !== 0)
    throw new RangeError(`WAV: ${dataBytes} data bytes is not a whole number of ${blockAlign}-byte sample frames`);
  return writeHeader(format, WAV_HEADER_SIZE - 8 + dataBytes, dataBytes);
}

/**
 * A WAV header for data of unknown length (a pipe, a streamed download): RIFF and data sizes are
 * 0xFFFFFFFF, read by ffmpeg/ffprobe as "until the end of the input". Rewrite it with
 * {@link wavHeader} at the end when the output can seek.
 */
export function streamingWavHeader(format: WavFormat): Uint8Array {
  return writeHeader(format, 0xffffffff, 0xffffffff);
}

/** A whole WAV file of 16-bit samples, one Int16Array per channel (interleaved for you). */
export function wavFile(format: Omit<WavFormat, 'bitsPerSample'>, channels: readonly Int16Array[]): Uint8Array {
  if (channels.length !== format.channels) throw new RangeError(`WAV: ${channels.length} channel arrays for ${format.channels} channels`);
  let n = Infinity;
  for (const c of channels) n = Math.min(n, c.length);
  const dataBytes = n * channels.length * 2;
  const out = new Uint8Array(WAV_HEADER_SIZE + dataBytes);
  out.set(wavHeader({ ...format, bitsPerSample: 16 }, dataBytes), 0);
  interleavePcm16(channels, n, out, WAV_HEADER_SIZE);
  return out;
}
