/**
 * FLAC (docs/audio.md): Matroska A_FLAC (CodecPrivate `fLaC` + metadata blocks), one FLAC frame per
 * Matroska frame; MP4 sample entry fLaC with a dfLa box (the FLAC-in-ISOBMFF mapping). kvs-clip also
 * writes it: G.711 and PCM tracks become FLAC (audio/transcode.ts).
 */
import { flacFrameBlockSize, parseFlacCodecPrivate } from './flac.js';
import type { AudioCodecDefinition } from './definition.js';
import { MissingCodecPrivateDataException } from '../errors.js';
import type { TrackConfig } from './types.js';

const CODEC_ID = 'A_FLAC';

export const FLAC: AudioCodecDefinition<'flac'> = {
  codec: 'flac',
  kind: 'audio',
  name: 'FLAC',
  family: 'FLAC',
  codecIds: [CODEC_ID],
  matchesCodecId: (codecId) => codecId === CODEC_ID,
  framing: 'flac-frames',
  configure(track) {
    if (!track.codecPrivate || track.codecPrivate.length === 0)
      throw new MissingCodecPrivateDataException('A_FLAC track has no STREAMINFO in CodecPrivate');
    const { info, streamInfoBlock } = parseFlacCodecPrivate(track.codecPrivate);
    return flacTrackConfig(track.number, info.sampleRate, info.channels, info.bitsPerSample, streamInfoBlock, {});
  },
  // The frame check (frames.ts) has made sure the header reads.
  samplesInFrame: (_config, frame) => flacFrameBlockSize(frame) as number,
};

/**
 * A FLAC track's config; `metadata` is the FLAC metadata blocks (STREAMINFO first, the last one
 * flagged), which the dfLa box holds after its version and flags.
 */
export function flacTrackConfig(
  trackNumber: number,
  sampleRate: number,
  channels: number,
  bitsPerSample: number,
  metadata: Uint8Array,
  details: TrackConfig['details'],
): TrackConfig {
  const decoderConfig = new Uint8Array(4 + metadata.length);
  decoderConfig.set(metadata, 4);
  return {
    trackNumber,
    kind: 'audio',
    codec: 'flac',
    codecString: 'flac',
    sampleEntry: 'fLaC',
    decoderConfig,
    sampleRate,
    channels,
    bitsPerSample,
    details,
  };
}
