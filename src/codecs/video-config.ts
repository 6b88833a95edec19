/**
 * Video track configuration: the avcC/hvcC the MP4 writer gets, from CodecPrivate (a record or
 * Annex-B parameter sets) or, where CodecPrivate lacks parameter sets, from the first key frame's
 * in-band ones, as KVS's producer does (mkvgenExtractCpdFromAnnexBFrame).
 */
import { InvalidCodecPrivateDataException, MissingCodecPrivateDataException } from '../errors.js';
import { splitAnnexB, splitLengthPrefixed, startsWithStartCode, type NalLengthSize } from './annexb.js';
import {
  AVC_NAL_PPS, AVC_NAL_SPS, AVC_NAL_SPS_EXT, avcNalType, avcProfileName, parseAvcC, parseAvcPps, parseAvcSps, TRAILER_PROFILES,
  writeAvcC, type AvcDecoderConfig, type AvcSps,
} from './avc.js';
import { avcCodecString, hevcCodecString } from './codec-string.js';
import {
  HEVC_NAL_PPS, HEVC_NAL_SPS, HEVC_NAL_VPS, hevcLayerId, hevcNalType, hevcProfileName, hvcCHeaderFromSps, hvcCUnits, parseHevcPps,
  parseHevcSps, parseHevcVps, parseHvcC, writeHvcC, type HevcSps,
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

/** How a codec's parameter sets are found among NAL units, and named in messages. */
interface ParameterSetKinds {
  codec: 'H.264' | 'H.265';
  headerBytes: number;
  typeOf: (nal: Uint8Array) => number;
  types: readonly number[];
  names: readonly string[];
}

const AVC: ParameterSetKinds = { codec: 'H.264', headerBytes: 1, typeOf: avcNalType, types: [AVC_NAL_SPS, AVC_NAL_PPS], names: ['SPS', 'PPS'] };
const HEVC: ParameterSetKinds = {
  codec: 'H.265', headerBytes: 2, typeOf: hevcNalType, types: [HEVC_NAL_VPS, HEVC_NAL_SPS, HEVC_NAL_PPS], names: ['VPS', 'SPS', 'PPS'],
};

/** The NAL units of a frame in either framing (length prefixes of `lengthSize` tried first). */
function frameNalUnits(frame: Uint8Array, lengthSize: NalLengthSize): Uint8Array[] {
  const { units, fault } = splitLengthPrefixed(frame, lengthSize);
  if (fault === undefined) return units;
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

/** The parameter sets of each of `kinds.types` among `units`, in that order. */
function setsOfEachType(units: readonly Uint8Array[], kinds: ParameterSetKinds): Uint8Array[][] {
  return kinds.types.map((type) => unitsOfType(units, type, kinds.typeOf));
}

/**
 * Fills the kinds of parameter sets CodecPrivate lacks (empty entries of `sets`) from the first key
 * frame, as KVS's producer derives them; true when it had to. Throws MissingCodecPrivateDataException
 * naming what neither has.
 */
function fillFromKeyFrame(sets: Uint8Array[][], kinds: ParameterSetKinds, source: VideoSource, lengthSize: NalLengthSize): boolean {
  if (sets.every((set) => set.length > 0)) return false;
  const inBand = setsOfEachType(source.firstKeyFrame ? frameNalUnits(source.firstKeyFrame, lengthSize) : [], kinds);
  sets.forEach((set, i) => {
    if (set.length === 0) sets[i] = inBand[i];
  });
  const missing = kinds.names.filter((_, i) => sets[i].length === 0);
  if (missing.length > 0) {
    throw new MissingCodecPrivateDataException(
      `${kinds.codec} track has no ${missing.join('/')} in its CodecPrivate${source.codecPrivate ? '' : ' (none present)'} or in its first key frame`,
    );
  }
  return true;
}

/** Every PPS must refer to an SPS that is present (when any is: an hvcC may leave them to the frames). */
function checkPpsReferences(codec: string, sps: readonly { spsId: number }[], pps: readonly { ppsId: number; spsId: number }[]): void {
  for (const { ppsId, spsId } of pps) {
    if (sps.length > 0 && !sps.some((s) => s.spsId === spsId)) {
      throw new InvalidCodecPrivateDataException(`${codec} PPS ${ppsId} refers to SPS ${spsId}, which is not present`);
    }
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The parts of a video TrackConfig every codec fills the same way: size and SAR from the SPS, counts. */
function videoConfig(
  source: VideoSource, sps: AvcSps | HevcSps, decoderConfig: Uint8Array, nalLengthSize: NalLengthSize, sets: Uint8Array[][],
  kinds: ParameterSetKinds, details: TrackConfig['details'],
): Pick<TrackConfig, 'trackNumber' | 'kind' | 'decoderConfig' | 'nalLengthSize' | 'width' | 'height' | 'sarWidth' | 'sarHeight' | 'details'> {
  const counts: TrackConfig['details'] = {};
  kinds.names.forEach((name, i) => (counts[`${name.toLowerCase()}Count`] = sets[i].length));
  return {
    trackNumber: source.trackNumber,
    kind: 'video',
    decoderConfig,
    nalLengthSize,
    width: sps.width,
    height: sps.height,
    sarWidth: sps.sarWidth,
    sarHeight: sps.sarHeight,
    details: {
      ...details,
      chromaFormatIdc: sps.chromaFormatIdc,
      bitDepthLuma: sps.bitDepthLuma,
      bitDepthChroma: sps.bitDepthChroma,
      codedWidth: sps.codedWidth,
      codedHeight: sps.codedHeight,
      ...counts,
    },
  };
}

export function avcTrackConfig(source: VideoSource): TrackConfig {
  const { codecPrivate } = source;
  const record = codecPrivate && !startsWithStartCode(codecPrivate) ? parseAvcC(codecPrivate) : undefined;
  const annexBUnits = codecPrivate && !record ? splitAnnexB(codecPrivate) : [];
  const nalLengthSize = record?.nalLengthSize ?? 4;
  const sets = record ? [record.sps, record.pps] : setsOfEachType(annexBUnits, AVC);
  const parameterSets: ParameterSetSource = fillFromKeyFrame(sets, AVC, source, nalLengthSize)
    ? 'first-key-frame'
    : record ? 'codec-private' : 'annex-b-codec-private';
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

export function hevcTrackConfig(source: VideoSource): TrackConfig {
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
    const inBandSps = (): Uint8Array[] => unitsOfType(firstKeyFrame ? frameNalUnits(firstKeyFrame, nalLengthSize) : [], HEVC_NAL_SPS, hevcNalType);
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
    : writeHvcC(hvcCHeaderFromSps(size), HEVC.types.map((nalType, i) => ({ nalType, complete: true, units: sets[i] })));
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

/**
 * The parameter sets a key frame carries in band, by codec, for comparing later fragments' key frames
 * with the ones a config was derived from.
 */
export function inBandParameterSets(codec: 'avc' | 'hevc', frame: Uint8Array, lengthSize: NalLengthSize): Uint8Array[] {
  const kinds = codec === 'avc' ? AVC : HEVC;
  return frameNalUnits(frame, lengthSize).filter((unit) => unit.length >= kinds.headerBytes && kinds.types.includes(kinds.typeOf(unit)));
}
