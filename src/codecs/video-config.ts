/**
 * Video track configuration: the avcC/hvcC the MP4 writer gets, from CodecPrivate (a record or
 * Annex-B parameter sets) or, where CodecPrivate lacks parameter sets, from the first key frame's
 * in-band ones, as KVS's producer does (mkvgenExtractCpdFromAnnexBFrame).
 */
import { InvalidCodecPrivateDataException, MissingCodecPrivateDataException } from '../errors.js';
import {
  lengthPrefixedNalUnits, splitAnnexB, startsWithStartCode, tilesExactly, type NalLengthSize,
} from './annexb.js';
import {
  AVC_NAL_PPS, AVC_NAL_SPS, AVC_NAL_SPS_EXT, avcNalType, avcProfileName, parseAvcC, parseAvcPps, parseAvcSps, writeAvcC,
  type AvcDecoderConfig, type AvcSps,
} from './avc.js';
import { avcCodecString, hevcCodecString } from './codec-string.js';
import {
  HEVC_NAL_PPS, HEVC_NAL_SPS, HEVC_NAL_VPS, hevcLayerId, hevcNalType, hevcProfileName, hvcCUnits, parseHevcPps, parseHevcSps,
  parseHevcVps, parseHvcC, writeHvcC, type HevcDecoderConfig, type HevcSps,
} from './hevc.js';
import type { TrackConfig } from './types.js';

/** Where a video config's parameter sets came from (TrackConfig.details.parameterSets). */
type ParameterSetSource = 'codec-private' | 'annex-b-codec-private' | 'first-key-frame';

/** What a video config is built from: the track's CodecPrivate and its first key frame, if any. */
interface VideoSource {
  trackNumber: number;
  codecPrivate?: Uint8Array;
  firstKeyFrame?: Uint8Array;
}

/** The NAL units of a frame in either framing (length prefixes of `lengthSize` tried first). */
function frameNalUnits(frame: Uint8Array, lengthSize: NalLengthSize): Uint8Array[] {
  if (tilesExactly(frame, lengthSize)) return lengthPrefixedNalUnits(frame, lengthSize);
  return startsWithStartCode(frame) ? splitAnnexB(frame) : [];
}

/** Units of one NAL type, without byte-identical repeats (frames may repeat parameter sets). */
function unitsOfType(units: readonly Uint8Array[], type: number, typeOf: (unit: Uint8Array) => number): Uint8Array[] {
  const found: Uint8Array[] = [];
  for (const unit of units) {
    if (unit.length > 0 && typeOf(unit) === type && !found.some((other) => equalBytes(other, unit))) found.push(unit);
  }
  return found;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const TRAILER_PROFILES = new Set([100, 110, 122, 144]);

export function avcTrackConfig(source: VideoSource): TrackConfig {
  const { trackNumber, codecPrivate, firstKeyFrame } = source;
  const record = codecPrivate && !startsWithStartCode(codecPrivate) ? parseAvcC(codecPrivate) : undefined;
  const annexBUnits = codecPrivate && !record ? splitAnnexB(codecPrivate) : [];
  const nalLengthSize = record?.nalLengthSize ?? 4;
  let sps = record ? record.sps : unitsOfType(annexBUnits, AVC_NAL_SPS, avcNalType);
  let pps = record ? record.pps : unitsOfType(annexBUnits, AVC_NAL_PPS, avcNalType);
  let parameterSets: ParameterSetSource = record ? 'codec-private' : codecPrivate ? 'annex-b-codec-private' : 'first-key-frame';
  if (sps.length === 0 || pps.length === 0) {
    const inBand = firstKeyFrame ? frameNalUnits(firstKeyFrame, nalLengthSize) : [];
    if (sps.length === 0) sps = unitsOfType(inBand, AVC_NAL_SPS, avcNalType);
    if (pps.length === 0) pps = unitsOfType(inBand, AVC_NAL_PPS, avcNalType);
    if (sps.length === 0 || pps.length === 0) {
      throw new MissingCodecPrivateDataException(
        `H.264 track has no ${sps.length === 0 ? 'SPS' : 'PPS'} in its CodecPrivate${codecPrivate ? '' : ' (none present)'} or in its first key frame`,
      );
    }
    parameterSets = 'first-key-frame';
  }
  const parsedSps = sps.map(parseAvcSps);
  for (const unit of pps) {
    const parsed = parseAvcPps(unit);
    if (!parsedSps.some((s) => s.spsId === parsed.spsId)) {
      throw new InvalidCodecPrivateDataException(`H.264 PPS ${parsed.ppsId} refers to SPS ${parsed.spsId}, which is not present`);
    }
  }
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
  const rewritten = !(codecPrivate && parameterSets === 'codec-private' && equalBytes(codecPrivate, decoderConfig));
  return {
    trackNumber,
    kind: 'video',
    codec: 'avc',
    codecString: avcCodecString(normalised.profileIndication, normalised.profileCompatibility, normalised.levelIndication),
    sampleEntry: 'avc1',
    decoderConfig,
    nalLengthSize,
    width: first.width,
    height: first.height,
    sarWidth: first.sarWidth,
    sarHeight: first.sarHeight,
    details: {
      ...avcDetails(first),
      spsCount: sps.length,
      ppsCount: pps.length,
      parameterSets,
      recordRewritten: rewritten,
    },
  };
}

function avcDetails(sps: AvcSps): Record<string, string | number | boolean> {
  return {
    profile: avcProfileName(sps.profileIdc, sps.constraintFlags),
    profileIdc: sps.profileIdc,
    constraintFlags: sps.constraintFlags,
    levelIdc: sps.levelIdc,
    chromaFormatIdc: sps.chromaFormatIdc,
    bitDepthLuma: sps.bitDepthLuma,
    bitDepthChroma: sps.bitDepthChroma,
    codedWidth: sps.codedWidth,
    codedHeight: sps.codedHeight,
    progressive: sps.frameMbsOnly,
  };
}

export function hevcTrackConfig(source: VideoSource): TrackConfig {
  const { trackNumber, codecPrivate, firstKeyFrame } = source;
  const record = codecPrivate && !startsWithStartCode(codecPrivate) ? parseHvcC(codecPrivate) : undefined;
  const nalLengthSize = record?.nalLengthSize ?? 4;
  const inBand = (): Uint8Array[] => (firstKeyFrame ? frameNalUnits(firstKeyFrame, nalLengthSize) : []);
  let vps: Uint8Array[];
  let sps: Uint8Array[];
  let pps: Uint8Array[];
  let parameterSets: ParameterSetSource;
  /** The SPS that gives the picture size; with a record lacking one, it comes from the key frame. */
  let sizeSps: Uint8Array | undefined;
  if (record) {
    vps = hvcCUnits(record, HEVC_NAL_VPS);
    sps = hvcCUnits(record, HEVC_NAL_SPS);
    pps = hvcCUnits(record, HEVC_NAL_PPS);
    parameterSets = 'codec-private';
    sizeSps = baseLayer(sps) ?? baseLayer(unitsOfType(inBand(), HEVC_NAL_SPS, hevcNalType));
  } else {
    const annexBUnits = codecPrivate ? splitAnnexB(codecPrivate) : [];
    vps = unitsOfType(annexBUnits, HEVC_NAL_VPS, hevcNalType);
    sps = unitsOfType(annexBUnits, HEVC_NAL_SPS, hevcNalType);
    pps = unitsOfType(annexBUnits, HEVC_NAL_PPS, hevcNalType);
    parameterSets = codecPrivate ? 'annex-b-codec-private' : 'first-key-frame';
    if (vps.length === 0 || sps.length === 0 || pps.length === 0) {
      const units = inBand();
      if (vps.length === 0) vps = unitsOfType(units, HEVC_NAL_VPS, hevcNalType);
      if (sps.length === 0) sps = unitsOfType(units, HEVC_NAL_SPS, hevcNalType);
      if (pps.length === 0) pps = unitsOfType(units, HEVC_NAL_PPS, hevcNalType);
      parameterSets = 'first-key-frame';
    }
    const missing = [vps.length === 0 && 'VPS', sps.length === 0 && 'SPS', pps.length === 0 && 'PPS'].filter(Boolean);
    if (missing.length > 0) {
      throw new MissingCodecPrivateDataException(
        `H.265 track has no ${missing.join('/')} in its CodecPrivate${codecPrivate ? '' : ' (none present)'} or in its first key frame`,
      );
    }
    sizeSps = baseLayer(sps);
  }
  if (!sizeSps) {
    throw new MissingCodecPrivateDataException('H.265 track has no base-layer SPS in its CodecPrivate or in its first key frame');
  }
  vps.forEach(parseHevcVps);
  const parsedSps = sps.map(parseHevcSps);
  for (const unit of pps) {
    const parsed = parseHevcPps(unit);
    if (parsedSps.length > 0 && !parsedSps.some((s) => s.spsId === parsed.spsId)) {
      throw new InvalidCodecPrivateDataException(`H.265 PPS ${parsed.ppsId} refers to SPS ${parsed.spsId}, which is not present`);
    }
  }
  const size = parseHevcSps(sizeSps);
  const normalised = record ?? hvcCFromSps(size, vps, sps, pps);
  // Written out for the same reasons as the avcC (reserved bits, ownership).
  const decoderConfig = writeHvcC(normalised);
  const rewritten = !(codecPrivate && record && equalBytes(codecPrivate, decoderConfig));
  // hvc1 says every parameter set is in the record; otherwise hev1 lets the frames carry them.
  const complete = vps.length > 0 && sps.length > 0 && pps.length > 0;
  const sampleEntry = complete ? 'hvc1' : 'hev1';
  return {
    trackNumber,
    kind: 'video',
    codec: 'hevc',
    codecString: hevcCodecString(sampleEntry, normalised),
    sampleEntry,
    decoderConfig,
    nalLengthSize,
    width: size.width,
    height: size.height,
    sarWidth: size.sarWidth,
    sarHeight: size.sarHeight,
    details: {
      ...hevcDetails(size),
      vpsCount: vps.length,
      spsCount: sps.length,
      ppsCount: pps.length,
      parameterSets,
      recordRewritten: rewritten,
    },
  };
}

function baseLayer(sps: readonly Uint8Array[]): Uint8Array | undefined {
  return sps.find((unit) => unit.length > 2 && hevcLayerId(unit) === 0);
}

function hevcDetails(sps: HevcSps): Record<string, string | number | boolean> {
  const ptl = sps.profileTierLevel;
  return {
    profile: hevcProfileName(ptl.profileIdc, ptl.compatibilityFlags),
    profileSpace: ptl.profileSpace,
    profileIdc: ptl.profileIdc,
    tier: ptl.tierFlag ? 'High' : 'Main',
    levelIdc: ptl.levelIdc,
    chromaFormatIdc: sps.chromaFormatIdc,
    bitDepthLuma: sps.bitDepthLuma,
    bitDepthChroma: sps.bitDepthChroma,
    codedWidth: sps.codedWidth,
    codedHeight: sps.codedHeight,
  };
}

/**
 * An hvcC for parameter sets that came without one. Fields the SPS does not give are written as
 * "unknown" (0), which 14496-15 allows: min_spatial_segmentation_idc, parallelismType, frame rates.
 */
function hvcCFromSps(sps: HevcSps, vps: Uint8Array[], spsUnits: Uint8Array[], pps: Uint8Array[]): HevcDecoderConfig {
  return {
    ...sps.profileTierLevel,
    configurationVersion: 1,
    minSpatialSegmentationIdc: 0,
    parallelismType: 0,
    chromaFormat: sps.chromaFormatIdc,
    bitDepthLuma: sps.bitDepthLuma,
    bitDepthChroma: sps.bitDepthChroma,
    avgFrameRate: 0,
    constantFrameRate: 0,
    numTemporalLayers: sps.maxSubLayers,
    temporalIdNested: sps.temporalIdNesting,
    nalLengthSize: 4,
    arrays: [
      { nalType: HEVC_NAL_VPS, complete: true, units: vps },
      { nalType: HEVC_NAL_SPS, complete: true, units: spsUnits },
      { nalType: HEVC_NAL_PPS, complete: true, units: pps },
    ],
  };
}

/**
 * The parameter sets a key frame carries in band, by codec, for comparing later fragments' key frames
 * with the ones a config was derived from.
 */
export function inBandParameterSets(codec: 'avc' | 'hevc', frame: Uint8Array, lengthSize: NalLengthSize): Uint8Array[] {
  const units = frameNalUnits(frame, lengthSize);
  if (codec === 'avc') return units.filter((unit) => unit.length > 0 && (avcNalType(unit) === AVC_NAL_SPS || avcNalType(unit) === AVC_NAL_PPS));
  return units.filter((unit) => {
    if (unit.length < 2) return false;
    const type = hevcNalType(unit);
    return type === HEVC_NAL_VPS || type === HEVC_NAL_SPS || type === HEVC_NAL_PPS;
  });
}
