/**
 * H.264 (docs/codecs.md#h264): Matroska V_MPEG4/ISO/AVC, an AVCDecoderConfigurationRecord (or Annex-B
 * parameter sets) as CodecPrivate, length-prefixed NAL units as frames; MP4 sample entry avc1.
 */
import { equalBytes } from '../bytes.js';
import { splitAnnexB, startsWithStartCode, type NalLengthSize } from './annexb.js';
import {
  AVC_NAL_PPS,
  AVC_NAL_SPS,
  AVC_NAL_SPS_EXT,
  avcNalType,
  avcProfileName,
  parseAvcC,
  parseAvcPps,
  parseAvcSps,
  TRAILER_PROFILES,
  writeAvcC,
  type AvcDecoderConfig,
} from './avc.js';
import { avcCodecString } from './codec-string.js';
import { oneOf, type VideoCodecDefinition, type VideoSource } from './definition.js';
import type { TrackConfig } from './types.js';
import {
  checkPpsReferences,
  fillFromKeyFrame,
  inBandParameterSets,
  setsOfEachType,
  unitsOfType,
  videoConfig,
  type ParameterSetKinds,
  type ParameterSetSource,
} from './video-config.js';

const AVC: ParameterSetKinds = {
  codec: 'H.264',
  headerBytes: 1,
  typeOf: avcNalType,
  types: [AVC_NAL_SPS, AVC_NAL_PPS],
  names: ['SPS', 'PPS'],
};

/** KVS's docs also print `V_MPEG/ISO/AVC`; producers following them send it. */
const CODEC_IDS = ['V_MPEG4/ISO/AVC', 'V_MPEG/ISO/AVC'];

export const H264: VideoCodecDefinition<'avc'> = {
  codec: 'avc',
  kind: 'video',
  name: 'H.264',
  family: 'H.264',
  codecIds: CODEC_IDS,
  matchesCodecId: oneOf(CODEC_IDS),
  framing: 'nal-units',
  configure: avcTrackConfig,
  recordParameterSets(config) {
    const avc = parseAvcC(config.decoderConfig!);
    return [...avc.sps, ...avc.pps];
  },
  inBandParameterSets: (frame: Uint8Array, lengthSize: NalLengthSize) => inBandParameterSets(AVC, frame, lengthSize),
};

function avcTrackConfig(source: VideoSource): TrackConfig {
  const { codecPrivate } = source;
  const record = codecPrivate && !startsWithStartCode(codecPrivate) ? parseAvcC(codecPrivate) : undefined;
  const annexBUnits = codecPrivate && !record ? splitAnnexB(codecPrivate) : [];
  const nalLengthSize = record?.nalLengthSize ?? 4;
  const sets = record ? [record.sps, record.pps] : setsOfEachType(annexBUnits, AVC);
  const parameterSets: ParameterSetSource = fillFromKeyFrame(sets, AVC, source, nalLengthSize)
    ? 'first-key-frame'
    : record
      ? 'codec-private'
      : 'annex-b-codec-private';
  const [sps, pps] = sets;
  const parsedSps = sps.map(parseAvcSps);
  checkPpsReferences(AVC.codec, parsedSps, pps.map(parseAvcPps));
  const first = parsedSps[0];
  const profileIndication = record?.profileIndication ?? first.profileIdc;
  const normalised: AvcDecoderConfig = {
    profileIndication,
    profileCompatibility: record?.profileCompatibility ?? first.constraintFlags,
    levelIndication: record?.levelIndication ?? first.levelIdc,
    nalLengthSize,
    sps,
    pps,
  };
  if (record?.highProfile) normalised.highProfile = record.highProfile;
  else if (!record && TRAILER_PROFILES.has(profileIndication)) {
    normalised.highProfile = {
      chromaFormat: first.chromaFormatIdc,
      bitDepthLuma: first.bitDepthLuma,
      bitDepthChroma: first.bitDepthChroma,
      spsExt: unitsOfType(annexBUnits, AVC_NAL_SPS_EXT, avcNalType),
    };
  }
  // The record is always written out: the same bytes for a well-formed one, with the reserved bits set
  // where real KVS captures have them zero, and without bytes past its end. The config owns them (a
  // view would keep the reader's input chunk alive for the whole clip).
  const decoderConfig = writeAvcC(normalised);
  return {
    ...videoConfig(source, first, decoderConfig, nalLengthSize, sets, AVC, {
      profile: avcProfileName(first.profileIdc, first.constraintFlags),
      profileIdc: first.profileIdc,
      constraintFlags: first.constraintFlags,
      levelIdc: first.levelIdc,
      progressive: first.frameMbsOnly,
      parameterSets,
      recordRewritten: !(codecPrivate && parameterSets === 'codec-private' && equalBytes(codecPrivate, decoderConfig)),
    }),
    codec: 'avc',
    codecString: avcCodecString(normalised.profileIndication, normalised.profileCompatibility, normalised.levelIndication),
    sampleEntry: 'avc1',
  };
}
