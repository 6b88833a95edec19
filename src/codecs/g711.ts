/**
 * G.711: `A_MS/ACM` tracks carry a little-endian WAVEFORMATEX as CodecPrivate (16-byte WAVEFORMAT
 * plus cbSize). Format tag 6 is A-law, 7 µ-law.
 */
import { InvalidCodecPrivateDataException, UnsupportedStreamMediaTypeException } from '../errors.js';

const WAVE_FORMAT_ALAW = 6;
const WAVE_FORMAT_MULAW = 7;

export interface WaveFormatEx {
  formatTag: number;
  channels: number;
  samplesPerSec: number;
  avgBytesPerSec: number;
  blockAlign: number;
  bitsPerSample: number;
  /** Absent when the structure is the 16-byte WAVEFORMAT (KVS's own parser accepts 16 bytes). */
  cbSize?: number;
}

const WAVEFORMAT_SIZE = 16;

export function parseWaveFormatEx(bytes: Uint8Array): WaveFormatEx {
  if (bytes.length < WAVEFORMAT_SIZE) {
    throw new InvalidCodecPrivateDataException(`WAVEFORMATEX is ${bytes.length} bytes, shorter than ${WAVEFORMAT_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format: WaveFormatEx = {
    formatTag: view.getUint16(0, true),
    channels: view.getUint16(2, true),
    samplesPerSec: view.getUint32(4, true),
    avgBytesPerSec: view.getUint32(8, true),
    blockAlign: view.getUint16(12, true),
    bitsPerSample: view.getUint16(14, true),
  };
  if (bytes.length >= WAVEFORMAT_SIZE + 2) {
    format.cbSize = view.getUint16(16, true);
    if (WAVEFORMAT_SIZE + 2 + format.cbSize > bytes.length) {
      throw new InvalidCodecPrivateDataException(
        `WAVEFORMATEX declares ${format.cbSize} extra byte(s) but only ${bytes.length - WAVEFORMAT_SIZE - 2} follow`,
      );
    }
  }
  return format;
}

export interface G711Format {
  codec: 'alaw' | 'ulaw';
  sampleRate: number;
  channels: number;
}

/**
 * Checks a WAVEFORMATEX describes G.711 we can play. The KVS C producer (mkvgenGeneratePcmCpd) writes
 * avgBytesPerSec = rate × channels / 8 and bitsPerSample = 0; streams it wrote are accepted by KVS,
 * so both those and the correct values (rate × channels, 8) pass.
 */
export function g711Format(format: WaveFormatEx): G711Format {
  const { formatTag, channels, samplesPerSec: rate } = format;
  if (formatTag !== WAVE_FORMAT_ALAW && formatTag !== WAVE_FORMAT_MULAW) {
    // A_MS/ACM wraps any Windows audio codec; KVS plays only G.711 from it.
    throw new UnsupportedStreamMediaTypeException(
      `A_MS/ACM track has WAVEFORMATEX format tag 0x${formatTag.toString(16).padStart(4, '0')}; only G.711 A-law (6) and µ-law (7) are supported`,
    );
  }
  const fail = (problem: string): never => {
    throw new InvalidCodecPrivateDataException(`G.711 WAVEFORMATEX ${problem}`);
  };
  if (channels === 0) fail('has 0 channels');
  if (rate === 0) fail('has a sample rate of 0');
  if (format.bitsPerSample !== 8 && format.bitsPerSample !== 0) fail(`has ${format.bitsPerSample} bits per sample, expected 8`);
  if (format.blockAlign !== channels) fail(`has blockAlign ${format.blockAlign}, expected ${channels} (1 byte per channel)`);
  const correctRate = rate * channels;
  if (format.avgBytesPerSec !== correctRate && format.avgBytesPerSec !== Math.floor(correctRate / 8)) {
    fail(`has avgBytesPerSec ${format.avgBytesPerSec}, expected ${correctRate}`);
  }
  return { codec: formatTag === WAVE_FORMAT_ALAW ? 'alaw' : 'ulaw', sampleRate: rate, channels };
}
