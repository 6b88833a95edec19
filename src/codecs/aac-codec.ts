/**
 * AAC (docs/codecs.md#aac): Matroska A_AAC with an AudioSpecificConfig as CodecPrivate, or the older
 * A_AAC/MPEG2|4/<object type>[/SBR] IDs without one; one access unit per frame, 1024 (or 960) samples
 * each; MP4 sample entry mp4a with an esds.
 */
import { MissingCodecPrivateDataException, UnsupportedStreamMediaTypeException } from '../errors.js';
import type { MkvTrack } from '../mkv/types.js';
import { aacProfileName, channelConfigurationFor, legacyAudioSpecificConfig, parseAudioSpecificConfig } from './aac.js';
import { aacCodecString } from './codec-string.js';
import type { AudioCodecDefinition } from './definition.js';
import type { TrackConfig } from './types.js';

export const AAC: AudioCodecDefinition<'aac'> = {
  codec: 'aac',
  kind: 'audio',
  name: 'AAC',
  family: 'AAC',
  codecIds: ['A_AAC'],
  matchesCodecId: (codecId) => codecId === 'A_AAC' || codecId.startsWith('A_AAC/'),
  framing: 'access-units',
  configure: aacTrackConfig,
  samplesInFrame: (config) => config.samplesPerFrame!,
};

/**
 * Matroska's older AAC codec IDs name the object type and carry no CodecPrivate
 * (A_AAC/MPEG4/LC, A_AAC/MPEG2/LC/SBR, …): the config is built from the ID and the track's rate and
 * channels, as ffmpeg and mkvmerge do.
 */
const LEGACY_AAC_OBJECT_TYPES: Readonly<Record<string, number>> = { MAIN: 1, LC: 2, SSR: 3, LTP: 4 };

function legacyAacConfig(track: MkvTrack): Uint8Array | undefined {
  const match = /^A_AAC\/MPEG[24]\/(MAIN|LC|SSR|LTP)(\/SBR)?$/.exec(track.codecId);
  const rate = track.audio?.samplingFrequency;
  const channelConfiguration = channelConfigurationFor(track.audio?.channels ?? 0);
  if (!match || !rate || !Number.isInteger(rate) || rate >= 2 ** 24 || channelConfiguration === undefined) return undefined;
  // Matroska's SamplingFrequency is the core rate; SBR doubles it.
  const sbrFrequency = match[2] && rate * 2 < 2 ** 24 ? rate * 2 : undefined;
  return legacyAudioSpecificConfig(LEGACY_AAC_OBJECT_TYPES[match[1]], rate, channelConfiguration, sbrFrequency);
}

/**
 * A warning for an AAC config browsers cannot play, or undefined: channelConfiguration 0 (channels
 * declared by a program_config_element). Chromium's MP4 parser refuses it outright, whatever the
 * esds says around it, and writing a channelConfiguration in its place would not do either: the
 * frames' element tags must match the configuration (docs/codecs.md#aac-with-a-program-config-element).
 */
export function aacBrowserProblem(config: TrackConfig): string | undefined {
  if (config.codec !== 'aac' || config.details.channelConfiguration !== 0) return undefined;
  return (
    `AAC track ${config.trackNumber} declares its ${config.channels} channels with a program_config_element (channelConfiguration 0): ` +
    'it is copied as it is, but Chromium (MSE and its MP4 player) refuses such AAC, so the clip will not play in that browser'
  );
}

function aacTrackConfig(track: MkvTrack): TrackConfig {
  // A copy: the config lives for the clip and must not keep the reader's input chunk alive.
  const fromTrack = track.codecPrivate && track.codecPrivate.length > 0 ? track.codecPrivate.slice() : undefined;
  const decoderConfig = fromTrack ?? legacyAacConfig(track);
  if (!decoderConfig) {
    throw new MissingCodecPrivateDataException(`AAC track (${track.codecId}) has no AudioSpecificConfig in CodecPrivate`);
  }
  const asc = parseAudioSpecificConfig(decoderConfig);
  if (asc.frameLength === undefined) {
    throw new UnsupportedStreamMediaTypeException(
      `AAC track has audioObjectType ${asc.coreObjectType}, which is not an AAC object type an MP4 AAC decoder plays`,
    );
  }
  const details: TrackConfig['details'] = {
    profile: aacProfileName(asc),
    objectType: asc.objectType,
    coreObjectType: asc.coreObjectType,
    samplingFrequencyIndex: asc.samplingFrequencyIndex,
    channelConfiguration: asc.channelConfiguration,
    derivedFromCodecId: fromTrack === undefined,
  };
  if (asc.sbr !== undefined) details.sbr = asc.sbr;
  if (asc.ps !== undefined) details.ps = asc.ps;
  if (asc.extensionSamplingFrequency !== undefined) details.extensionSampleRate = asc.extensionSamplingFrequency;
  return {
    trackNumber: track.number,
    kind: 'audio',
    codec: 'aac',
    codecString: aacCodecString(asc.objectType),
    sampleEntry: 'mp4a',
    decoderConfig,
    sampleRate: asc.samplingFrequency,
    channels: asc.channels,
    samplesPerFrame: asc.frameLength,
    details,
  };
}
