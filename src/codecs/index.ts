/**
 * codecs/: checks a clip's tracks and codec private data against GetClip's rules, raising KVS's
 * exception names, and hands the MP4 writer normalised configs and length-prefixed frames.
 */
export { createCodecChecker, checkTracks, VIDEO_TRACK, AUDIO_TRACK, type CodecChecker, type PartialCheck } from './check.js';
export { mimeType, avcCodecString, hevcCodecString, aacCodecString } from './codec-string.js';
export { parseAvcC, writeAvcC, parseAvcSps, parseAvcPps, avcProfileName, type AvcDecoderConfig, type AvcSps, type AvcPps } from './avc.js';
export {
  parseHvcC,
  writeHvcC,
  parseHevcSps,
  parseHevcPps,
  parseHevcVps,
  hevcProfileName,
  type HevcDecoderConfig,
  type HevcNalArray,
  type HevcProfileTierLevel,
  type HevcSps,
  type HevcPps,
} from './hevc.js';
export {
  parseAudioSpecificConfig,
  legacyAudioSpecificConfig,
  aacProfileName,
  AAC_SAMPLING_FREQUENCIES,
  type AudioSpecificConfig,
} from './aac.js';
export { parseWaveFormatEx, g711Format, type WaveFormatEx, type G711Format } from './g711.js';
export {
  splitAnnexB,
  annexBToLengthPrefixed,
  joinLengthPrefixed,
  startsWithStartCode,
  tilesExactly,
  type NalLengthSize,
} from './annexb.js';
export type { CheckOptions, CheckedFragment, Codec, SampleEntryType, TrackConfig } from './types.js';
export { CODECS } from './registry.js';
export type { CodecDefinition, AudioCodecDefinition, VideoCodecDefinition, Framing } from './definition.js';
