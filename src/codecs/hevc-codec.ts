/**
 * H.265 (docs/codecs.md#h265): Matroska V_MPEGH/ISO/HEVC, an HEVCDecoderConfigurationRecord (or
 * Annex-B parameter sets) as CodecPrivate, length-prefixed NAL units as frames; MP4 sample entry hvc1,
 * or hev1 when the frames carry parameter sets the record lacks.
 */
import { equalBytes } from '../bytes.js';
import { InvalidCodecPrivateDataException, MissingCodecPrivateDataException } from '../errors.js';
import { splitAnnexB, startsWithStartCode, type NalLengthSize } from './annexb.js';
import { hevcCodecString } from './codec-string.js';
import { oneOf, type VideoCodecDefinition, type VideoSource } from './definition.js';
import {
  HEVC_NAL_PPS,
  HEVC_NAL_SPS,
  HEVC_NAL_VPS,
  hevcLayerId,
  hevcNalType,
  hevcProfileName,
  hvcCHeaderFromSps,
  hvcCUnits,
  parseHevcPps,
  parseHevcSps,
  parseHevcVps,
  parseHvcC,
  writeHvcC,
} from './hevc.js';
import type { TrackConfig } from './types.js';
import {
  checkPpsReferences,
  fillFromKeyFrame,
  frameNalUnits,
  inBandParameterSets,
  MAX_PARAMETER_SETS_PER_KIND,
  setsOfEachType,
  unitsOfType,
  videoConfig,
  type ParameterSetKinds,
  type ParameterSetSource,
} from './video-config.js';

const HEVC: ParameterSetKinds = {
  codec: 'H.265',
  headerBytes: 2,
  typeOf: hevcNalType,
  types: [HEVC_NAL_VPS, HEVC_NAL_SPS, HEVC_NAL_PPS],
  names: ['VPS', 'SPS', 'PPS'],
};

const CODEC_IDS = ['V_MPEGH/ISO/HEVC'];

export const H265: VideoCodecDefinition<'hevc'> = {
  codec: 'hevc',
  kind: 'video',
  name: 'H.265',
  family: 'H.265',
  codecIds: CODEC_IDS,
  matchesCodecId: oneOf(CODEC_IDS),
  framing: 'nal-units',
  configure: hevcTrackConfig,
  recordParameterSets: (config) => parseHvcC(config.decoderConfig!).arrays.flatMap((array) => array.units),
  inBandParameterSets: (frame: Uint8Array, lengthSize: NalLengthSize) => inBandParameterSets(HEVC, frame, lengthSize),
};

function hevcTrackConfig(source: VideoSource): TrackConfig {
  const { codecPrivate, firstKeyFrame } = source;
  const record = codecPrivate && !startsWithStartCode(codecPrivate) ? parseHvcC(codecPrivate) : undefined;
  const nalLengthSize = record?.nalLengthSize ?? 4;
  let sets: Uint8Array[][];
  let parameterSets: ParameterSetSource = 'codec-private';
  /** The SPS that gives the picture size; with a record lacking one, it comes from the key frame. */
  let sizeSps: Uint8Array | undefined;
  if (record) {
    // A record may leave parameter sets to the frames (then the sample entry is hev1).
    sets = HEVC.types.map((type) => hvcCUnits(record, type));
    // An hvcC counts units in 16 bits: as many as an Annex-B CodecPrivate may list (video-config.ts).
    const crowded = sets.findIndex((set) => set.length > MAX_PARAMETER_SETS_PER_KIND);
    if (crowded >= 0) {
      throw new InvalidCodecPrivateDataException(
        `hvcC holds ${sets[crowded].length} ${HEVC.names[crowded]}, more than MAX_PARAMETER_SETS_PER_KIND (${MAX_PARAMETER_SETS_PER_KIND})`,
      );
    }
    const inBandSps = (): Uint8Array[] =>
      unitsOfType(firstKeyFrame ? frameNalUnits(firstKeyFrame, nalLengthSize) : [], HEVC_NAL_SPS, hevcNalType);
    sizeSps = baseLayer(sets[1]) ?? baseLayer(inBandSps());
  } else {
    sets = setsOfEachType(codecPrivate ? splitAnnexB(codecPrivate) : [], HEVC);
    parameterSets = codecPrivate ? 'annex-b-codec-private' : 'first-key-frame';
    if (fillFromKeyFrame(sets, HEVC, source, nalLengthSize)) parameterSets = 'first-key-frame';
    sizeSps = baseLayer(sets[1]);
  }
  if (!sizeSps) {
    throw new MissingCodecPrivateDataException('H.265 track has no base-layer SPS in its CodecPrivate or in its first key frame');
  }
  const [vps, sps, pps] = sets;
  vps.forEach(parseHevcVps);
  checkPpsReferences(HEVC.codec, sps.map(parseHevcSps), pps.map(parseHevcPps));
  const size = parseHevcSps(sizeSps);
  // Written out for the same reasons as the avcC (reserved bits, ownership).
  const decoderConfig = record
    ? writeHvcC(record.header, record.arrays)
    : writeHvcC(
        hvcCHeaderFromSps(size),
        HEVC.types.map((nalType, i) => ({ nalType, complete: true, units: sets[i] })),
      );
  // hvc1 says every parameter set is in the record; otherwise hev1 lets the frames carry them.
  const sampleEntry = sets.every((set) => set.length > 0) ? 'hvc1' : 'hev1';
  const ptl = size.profileTierLevel;
  return {
    ...videoConfig(source, size, decoderConfig, nalLengthSize, sets, HEVC, {
      profile: hevcProfileName(ptl.profileIdc, ptl.compatibilityFlags),
      profileSpace: ptl.profileSpace,
      profileIdc: ptl.profileIdc,
      tier: ptl.tierFlag ? 'High' : 'Main',
      levelIdc: ptl.levelIdc,
      parameterSets,
      recordRewritten: !(codecPrivate && record && equalBytes(codecPrivate, decoderConfig)),
    }),
    codec: 'hevc',
    codecString: hevcCodecString(sampleEntry, record?.profileTierLevel ?? ptl),
    sampleEntry,
  };
}

function baseLayer(sps: readonly Uint8Array[]): Uint8Array | undefined {
  return sps.find((unit) => unit.length > 2 && hevcLayerId(unit) === 0);
}
