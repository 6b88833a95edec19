/**
 * AAC: the AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1) that A_AAC tracks carry as CodecPrivate.
 */
import { MissingCodecPrivateDataException } from '../errors.js';
import { BitReader } from './bits.js';

/** samplingFrequencyIndex 0..12; 13 and 14 are reserved, 15 means a 24-bit rate follows. */
export const AAC_SAMPLING_FREQUENCIES: readonly number[] = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];
const EXPLICIT_FREQUENCY = 15;

/** Output channels for channelConfiguration 1..7 and 11..14 (8..10 and 15 are reserved; 0 = PCE). */
const CHANNELS_BY_CONFIGURATION: Readonly<Record<number, number>> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  6: 6,
  7: 8,
  11: 7,
  12: 8,
  13: 24,
  14: 8,
};

/** Object types whose config is a GASpecificConfig (the AAC family a player's AAC decoder handles). */
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);
/** Error-resilient object types: an epConfig follows their specific config. */
const ER_OBJECT_TYPES = new Set([17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 39]);
const AOT_SBR = 5;
const AOT_PS = 29;
const AOT_ER_BSAC = 22;
const AOT_ER_AAC_LD = 23;
const SYNC_EXTENSION_SBR = 0x2b7;
const SYNC_EXTENSION_PS = 0x548;

export interface AudioSpecificConfig {
  /** The first audioObjectType: 5 (SBR) or 29 (PS) when HE-AAC is signalled explicitly. */
  objectType: number;
  /** The underlying object type (2 = LC under HE-AAC); equal to objectType otherwise. */
  coreObjectType: number;
  /** 0..12, or 15 when the rate is written out. */
  samplingFrequencyIndex: number;
  /** The core sample rate. */
  samplingFrequency: number;
  channelConfiguration: number;
  /** From the channel configuration, or counted from the program_config_element when it is 0. */
  channels: number;
  /** Samples per access unit at the core rate (1024/960, ER AAC LD 512/480); absent for non-AAC object types. */
  frameLength?: number;
  /** SBR / PS as signalled (explicitly or by sync extension); absent when the config says nothing. */
  sbr?: boolean;
  ps?: boolean;
  /** The SBR output rate when SBR is signalled. */
  extensionSamplingFrequency?: number;
}

export function parseAudioSpecificConfig(bytes: Uint8Array): AudioSpecificConfig {
  const r = new BitReader(bytes, 'AudioSpecificConfig');
  if (bytes.length < 2) r.fail(`is ${bytes.length} byte(s), shorter than 2`);
  const objectType = readObjectType(r);
  if (objectType === 0) r.fail('has audioObjectType 0 (null object)');
  const samplingFrequencyIndex = r.bits(4);
  const samplingFrequency = readSamplingFrequency(r, samplingFrequencyIndex, 'samplingFrequencyIndex');
  const channelConfiguration = r.bits(4);
  let channels = CHANNELS_BY_CONFIGURATION[channelConfiguration];
  if (channels === undefined && channelConfiguration !== 0) r.fail(`has reserved channelConfiguration ${channelConfiguration}`);
  const config: AudioSpecificConfig = {
    objectType,
    coreObjectType: objectType,
    samplingFrequencyIndex,
    samplingFrequency,
    channelConfiguration,
    channels: channels ?? 0,
  };
  if (objectType === AOT_SBR || objectType === AOT_PS) {
    config.sbr = true;
    config.ps = objectType === AOT_PS;
    config.extensionSamplingFrequency = readSamplingFrequency(r, r.bits(4), 'extensionSamplingFrequencyIndex');
    config.coreObjectType = readObjectType(r);
    if (config.coreObjectType === AOT_ER_BSAC) r.skip(4); // extensionChannelConfiguration
  }
  const core = config.coreObjectType;
  if (!GA_OBJECT_TYPES.has(core)) return config;
  // GASpecificConfig (§4.4.1)
  const frameLengthFlag = r.flag();
  config.frameLength = (core === AOT_ER_AAC_LD ? 512 : 1024) * (frameLengthFlag ? 15 / 16 : 1);
  if (r.flag()) r.skip(14); // dependsOnCoreCoder → coreCoderDelay
  const extensionFlag = r.flag();
  if (channelConfiguration === 0) {
    channels = readProgramConfigChannels(r);
    if (channels === 0) r.fail('has channelConfiguration 0 and a program_config_element without channels');
    config.channels = channels;
  }
  if (core === 6 || core === 20) r.skip(3); // layerNr
  if (extensionFlag) {
    if (core === AOT_ER_BSAC) r.skip(16); // numOfSubFrame, layer_length
    if (core === 17 || core === 19 || core === 20 || core === 23) r.skip(3); // resilience flags
    r.skip(1); // extensionFlag3
  }
  if (ER_OBJECT_TYPES.has(core)) r.skip(2); // epConfig
  if (config.sbr === undefined && r.bitsLeft >= 16) readSyncExtension(r, config);
  return config;
}

/**
 * Backward-compatible HE-AAC signalling (§1.6.5.2): a sync extension after the core config. A
 * malformed extension is ignored, as decoders do: the core config alone is playable.
 */
function readSyncExtension(r: BitReader, config: AudioSpecificConfig): void {
  if (r.bits(11) !== SYNC_EXTENSION_SBR || r.bitsLeft < 5) return;
  const extensionType = readObjectType(r);
  if (extensionType !== AOT_SBR || r.bitsLeft < 1) return;
  config.sbr = r.flag();
  if (!config.sbr || r.bitsLeft < 4) return;
  const index = r.bits(4);
  if (index === EXPLICIT_FREQUENCY ? r.bitsLeft < 24 : AAC_SAMPLING_FREQUENCIES[index] === undefined) return;
  config.extensionSamplingFrequency = index === EXPLICIT_FREQUENCY ? r.bits(24) : AAC_SAMPLING_FREQUENCIES[index];
  if (r.bitsLeft >= 12 && r.bits(11) === SYNC_EXTENSION_PS) config.ps = r.flag();
}

/** audioObjectType with its escape: 31 means 32 + the next 6 bits. */
function readObjectType(r: BitReader): number {
  const objectType = r.bits(5);
  return objectType === 31 ? 32 + r.bits(6) : objectType;
}

function readSamplingFrequency(r: BitReader, index: number, field: string): number {
  const frequency = index === EXPLICIT_FREQUENCY ? r.bits(24) : AAC_SAMPLING_FREQUENCIES[index];
  if (frequency === undefined || frequency === 0) {
    // KVS reports an AAC config whose sample rate cannot be read as MissingCodecPrivateDataException,
    // not Invalid… (docs/codecs.md#what-kvs-reports): the service looks the rate up from the config and, finding none,
    // treats the config as absent. We raise what KVS raises so callers' handling carries over.
    throw new MissingCodecPrivateDataException(
      index === EXPLICIT_FREQUENCY
        ? `AudioSpecificConfig has an explicit ${field.replace('Index', '')} of 0 Hz`
        : `AudioSpecificConfig has reserved ${field} ${index}, so it gives no sample rate`,
    );
  }
  return frequency;
}

/** program_config_element (§4.4.1.1): counts the channels it declares. */
function readProgramConfigChannels(r: BitReader): number {
  r.skip(4 + 2 + 4); // element_instance_tag, object_type, sampling_frequency_index
  const front = r.bits(4);
  const side = r.bits(4);
  const back = r.bits(4);
  const lfe = r.bits(2);
  const assocData = r.bits(3);
  const validCc = r.bits(4);
  if (r.flag()) r.skip(4); // mono_mixdown
  if (r.flag()) r.skip(4); // stereo_mixdown
  if (r.flag()) r.skip(3); // matrix_mixdown_idx, pseudo_surround_enable
  let channels = lfe;
  for (let i = 0; i < front + side + back; i++) {
    channels += r.flag() ? 2 : 1; // is_cpe
    r.skip(4); // element tag
  }
  r.skip(4 * lfe + 4 * assocData + 5 * validCc);
  r.alignToByte();
  r.skip(8 * r.bits(8)); // comment_field_bytes
  return channels;
}

/**
 * The AudioSpecificConfig for Matroska's legacy codec IDs (`A_AAC/MPEG4/LC`, `A_AAC/MPEG2/MAIN/SBR`,
 * …), which name the object type instead of carrying a config: `objectType` 1..4 (Main, LC, SSR,
 * LTP) with 1024-sample frames, and HE-AAC signalled explicitly (object type 5 first) when
 * `sbrFrequency` is given. `channelConfiguration` 1..7: no program_config_element is written.
 */
export function legacyAudioSpecificConfig(
  objectType: number,
  samplingFrequency: number,
  channelConfiguration: number,
  sbrFrequency?: number,
): Uint8Array {
  // The fields as binary digits, most significant bit first, then cut into bytes.
  const field = (value: number, bits: number): string => value.toString(2).padStart(bits, '0');
  const frequency = (rate: number): string => {
    const index = AAC_SAMPLING_FREQUENCIES.indexOf(rate);
    return index >= 0 ? field(index, 4) : field(EXPLICIT_FREQUENCY, 4) + field(rate, 24);
  };
  const bits = [
    field(sbrFrequency ? AOT_SBR : objectType, 5),
    frequency(samplingFrequency),
    field(channelConfiguration, 4),
    sbrFrequency ? frequency(sbrFrequency) + field(objectType, 5) : '',
    '000', // GASpecificConfig: frameLengthFlag (1024-sample frames), dependsOnCoreCoder, extensionFlag
  ].join('');
  // The last byte is padded with zero bits.
  return Uint8Array.from(bits.padEnd(Math.ceil(bits.length / 8) * 8, '0').match(/.{8}/g)!, (byte) => parseInt(byte, 2));
}

/** Names ffprobe prints for AAC profiles, by core object type (HE-AAC and HE-AACv2 by SBR / PS). */
const AAC_PROFILES: Readonly<Record<number, string>> = { 1: 'Main', 2: 'LC', 3: 'SSR', 4: 'LTP', 23: 'LD' };

export function aacProfileName(config: AudioSpecificConfig): string {
  if (config.ps) return 'HE-AACv2';
  if (config.sbr) return 'HE-AAC';
  return AAC_PROFILES[config.coreObjectType] ?? `object type ${config.coreObjectType}`;
}

/** Channels → channelConfiguration for configs we write (no PCE): 1..6 map to themselves, 8 to 7. */
export function channelConfigurationFor(channels: number): number | undefined {
  if (channels >= 1 && channels <= 6) return channels;
  return channels === 8 ? 7 : undefined;
}
