/**
 * 16-bit linear PCM (docs/codecs.md#pcm): Matroska A_PCM/INT/LIT (little-endian) with BitDepth 16,
 * and Amazon Connect's tracks, which say A_AAC but carry PCM and a fragment tag
 * `MimeType = audio/L16;rate=8000;channels=1;` (docs/playback.md#amazon-connect). MP4 players take no
 * raw PCM, so PCM is written to MP4 as FLAC (audio/transcode.ts), never as is.
 */
import { UnsupportedStreamMediaTypeException } from '../errors.js';
import type { MkvTag, MkvTrack } from '../mkv/types.js';
import type { AudioCodecDefinition } from './definition.js';
import type { TrackConfig } from './types.js';

const CODEC_ID = 'A_PCM/INT/LIT';
const BITS = 16;

/** A PCM track's format as something other than its Matroska fields states it (Connect's tag). */
export interface PcmFormat {
  sampleRate: number;
  channels: number;
}

export const PCM: AudioCodecDefinition<'pcm'> = {
  codec: 'pcm',
  kind: 'audio',
  name: '16-bit PCM',
  family: '16-bit PCM',
  codecIds: [CODEC_ID],
  matchesCodecId: (codecId) => codecId === CODEC_ID,
  framing: 'sample-frames',
  configure: (track) => pcmTrackConfig(track, undefined),
  samplesInFrame: (config, frame) => Math.max(1, Math.floor(frame.byteLength / (2 * config.channels!))),
};

/**
 * The config of a PCM track, from its Matroska Audio fields or from `format` (Connect's MimeType tag,
 * which overrides a CodecID and CodecPrivate that say AAC).
 */
export function pcmTrackConfig(track: MkvTrack, format: PcmFormat | undefined): TrackConfig {
  const bitDepth = format ? BITS : track.audio?.bitDepth;
  if (bitDepth !== BITS) {
    throw new UnsupportedStreamMediaTypeException(
      `${track.codecId} track has ${bitDepth === undefined ? 'no BitDepth' : `${bitDepth}-bit samples`}; only 16-bit PCM is supported`,
    );
  }
  const sampleRate = format?.sampleRate ?? track.audio?.samplingFrequency ?? 0;
  const channels = format?.channels ?? track.audio?.channels ?? 1;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate >= 2 ** 32) {
    throw new UnsupportedStreamMediaTypeException(`${track.codecId} track has sample rate ${sampleRate}; PCM needs a whole number of Hz`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 8) {
    throw new UnsupportedStreamMediaTypeException(`${track.codecId} track has ${channels} channels; 1 to 8 are supported`);
  }
  return {
    trackNumber: track.number,
    kind: 'audio',
    codec: 'pcm',
    codecString: 'pcm',
    sampleEntry: 'sowt',
    sampleRate,
    channels,
    bitsPerSample: BITS,
    details: { byteOrder: 'little-endian', ...(format ? { from: 'MimeType tag' } : {}) },
  };
}

/** The tag Amazon Connect writes after each fragment's Cluster to say what its tracks really carry. */
const MIME_TYPE_TAG = 'MimeType';

/**
 * The PCM format a fragment's `MimeType` tag declares (`audio/L16;rate=8000;channels=1;`), undefined
 * without such a tag. Connect's frames are little-endian although RFC 2586's L16 is big-endian
 * (measured on Connect captures; docs/playback.md#amazon-connect). A MimeType that is not L16 with a
 * usable rate is refused rather than guessed at.
 */
export function pcmFormatFromTags(tags: readonly MkvTag[]): PcmFormat | undefined {
  const tag = tags.find((t) => t.name === MIME_TYPE_TAG);
  if (tag === undefined) return undefined;
  const [type, ...parameters] = tag.value
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (type?.toLowerCase() !== 'audio/l16') {
    throw new UnsupportedStreamMediaTypeException(
      `Fragment tag MimeType is ${JSON.stringify(tag.value)}; only audio/L16 (16-bit PCM) is supported`,
    );
  }
  const values = new Map(parameters.map((p) => [p.split('=')[0].trim().toLowerCase(), p.split('=')[1]?.trim() ?? '']));
  const rate = values.get('rate');
  const channels = values.get('channels') ?? '1';
  if (rate === undefined || !/^[1-9]\d{0,9}$/.test(rate) || !/^[1-8]$/.test(channels)) {
    throw new UnsupportedStreamMediaTypeException(
      `Fragment tag MimeType ${JSON.stringify(tag.value)} has no usable rate and channels (rate=<Hz>;channels=<1..8>)`,
    );
  }
  return { sampleRate: Number(rate), channels: Number(channels) };
}
