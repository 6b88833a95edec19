/**
 * G.711 A-law and µ-law (docs/codecs.md#g711): Matroska A_MS/ACM with a WAVEFORMATEX as CodecPrivate
 * (format tag 6 or 7), one byte per sample and channel; MP4 sample entries alaw / ulaw.
 */
import { MissingCodecPrivateDataException } from '../errors.js';
import type { MkvTrack } from '../mkv/types.js';
import type { AudioCodecDefinition } from './definition.js';
import { g711Format, parseWaveFormatEx, type G711Format, type WaveFormatEx } from './g711.js';
import type { TrackConfig } from './types.js';

const CODEC_ID = 'A_MS/ACM';

/**
 * The G.711 law an A_MS/ACM track carries, from its WAVEFORMATEX (checked whole: KVS's errors for a
 * missing, malformed or non-G.711 one).
 */
function g711FormatOf(track: MkvTrack): { wave: WaveFormatEx; format: G711Format } {
  if (!track.codecPrivate || track.codecPrivate.length === 0) {
    // The codec ID does not say A-law or µ-law; without the WAVEFORMATEX nothing can be derived.
    throw new MissingCodecPrivateDataException('A_MS/ACM track has no WAVEFORMATEX in CodecPrivate');
  }
  const wave = parseWaveFormatEx(track.codecPrivate);
  return { wave, format: g711Format(wave) };
}

/** One byte per sample and channel. */
function samplesInFrame(config: TrackConfig, frame: Uint8Array): number {
  return Math.max(1, Math.floor(frame.byteLength / config.channels!));
}

export const ALAW: AudioCodecDefinition<'alaw'> = {
  codec: 'alaw',
  kind: 'audio',
  name: 'G.711 A-law',
  family: 'G.711',
  codecIds: [CODEC_ID],
  matchesCodecId: (codecId) => codecId === CODEC_ID,
  identifies: (track) => g711FormatOf(track).format.codec === 'alaw',
  framing: 'sample-frames',
  configure: g711TrackConfig,
  samplesInFrame,
};

export const ULAW: AudioCodecDefinition<'ulaw'> = {
  ...ALAW,
  codec: 'ulaw',
  name: 'G.711 µ-law',
  identifies: (track) => g711FormatOf(track).format.codec === 'ulaw',
};

function g711TrackConfig(track: MkvTrack): TrackConfig {
  const { wave, format } = g711FormatOf(track);
  return {
    trackNumber: track.number,
    kind: 'audio',
    codec: format.codec,
    codecString: format.codec,
    sampleEntry: format.codec,
    sampleRate: format.sampleRate,
    channels: format.channels,
    bitsPerSample: 8,
    details: {
      formatTag: wave.formatTag,
      avgBytesPerSec: wave.avgBytesPerSec,
      blockAlign: wave.blockAlign,
      bitsPerSampleField: wave.bitsPerSample,
    },
  };
}
