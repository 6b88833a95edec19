/**
 * What the H.264 and H.265 definitions share in building a video config: finding parameter sets
 * among NAL units, filling the kinds CodecPrivate lacks from the first key frame's in-band ones as
 * KVS's producer does (mkvgenExtractCpdFromAnnexBFrame, docs/codecs.md), checking PPS references,
 * and the config fields every video codec fills alike.
 */
import { InvalidCodecPrivateDataException, MissingCodecPrivateDataException } from '../errors.js';
import { splitAnnexB, splitLengthPrefixed, startsWithStartCode, type NalLengthSize } from './annexb.js';
import type { AvcSps } from './avc.js';
import type { VideoSource } from './definition.js';
import type { HevcSps } from './hevc.js';
import type { TrackConfig } from './types.js';

/** Where a video config's parameter sets came from (TrackConfig.details.parameterSets). */
export type ParameterSetSource = 'codec-private' | 'annex-b-codec-private' | 'first-key-frame';

/** How a codec's parameter sets are found among NAL units, and named in messages. */
export interface ParameterSetKinds {
  codec: 'H.264' | 'H.265';
  headerBytes: number;
  typeOf: (nal: Uint8Array) => number;
  types: readonly number[];
  names: readonly string[];
}

/** The NAL units of a frame in either framing (length prefixes of `lengthSize` tried first). */
export function frameNalUnits(frame: Uint8Array, lengthSize: NalLengthSize): Uint8Array[] {
  const { units, fault } = splitLengthPrefixed(frame, lengthSize);
  if (fault === undefined) return units;
  return startsWithStartCode(frame) ? splitAnnexB(frame) : [];
}

/**
 * Distinct parameter sets of one kind a record may hold. The largest ID space of any kind is the
 * H.264 PPS's (pic_parameter_set_id 0..255; H.265 has 16 VPS, 16 SPS, 64 PPS IDs, docs/codecs.md),
 * so more distinct ones cannot all be referenced: refusing them keeps a hostile CodecPrivate or key
 * frame of thousands from costing time and memory per pair.
 */
export const MAX_PARAMETER_SETS_PER_KIND = 256;

/**
 * A string that is equal for byte-identical units and only for them (one char per byte), for
 * finding repeats in a Set in linear time.
 */
export function bytesKey(unit: Uint8Array): string {
  return latin1.decode(unit);
}
// windows-1252 in the Encoding Standard: every byte maps to one code point, distinct bytes to distinct ones.
const latin1 = new TextDecoder('latin1');

/**
 * Units of one NAL type, without byte-identical repeats (frames may repeat parameter sets). More
 * than MAX_PARAMETER_SETS_PER_KIND distinct ones is an InvalidCodecPrivateDataException.
 */
export function unitsOfType(units: readonly Uint8Array[], type: number, typeOf: (unit: Uint8Array) => number): Uint8Array[] {
  const found: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const unit of units) {
    if (unit.length === 0 || typeOf(unit) !== type) continue;
    const key = bytesKey(unit);
    if (seen.has(key)) continue;
    if (found.length === MAX_PARAMETER_SETS_PER_KIND) {
      throw new InvalidCodecPrivateDataException(
        `more than ${MAX_PARAMETER_SETS_PER_KIND} distinct parameter sets of NAL type ${type} (MAX_PARAMETER_SETS_PER_KIND, the largest ID space)`,
      );
    }
    seen.add(key);
    found.push(unit);
  }
  return found;
}

/** The parameter sets of each of `kinds.types` among `units`, in that order. */
export function setsOfEachType(units: readonly Uint8Array[], kinds: ParameterSetKinds): Uint8Array[][] {
  return kinds.types.map((type) => unitsOfType(units, type, kinds.typeOf));
}

/**
 * Fills the kinds of parameter sets CodecPrivate lacks (empty entries of `sets`) from the first key
 * frame, as KVS's producer derives them; true when it had to. Throws MissingCodecPrivateDataException
 * naming what neither has.
 */
export function fillFromKeyFrame(sets: Uint8Array[][], kinds: ParameterSetKinds, source: VideoSource, lengthSize: NalLengthSize): boolean {
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
export function checkPpsReferences(
  codec: string,
  sps: readonly { spsId: number }[],
  pps: readonly { ppsId: number; spsId: number }[],
): void {
  const spsIds = new Set(sps.map((s) => s.spsId));
  for (const { ppsId, spsId } of pps) {
    if (sps.length > 0 && !spsIds.has(spsId)) {
      throw new InvalidCodecPrivateDataException(`${codec} PPS ${ppsId} refers to SPS ${spsId}, which is not present`);
    }
  }
}

/** The parts of a video TrackConfig every codec fills the same way: size and SAR from the SPS, counts. */
export function videoConfig(
  source: VideoSource,
  sps: AvcSps | HevcSps,
  decoderConfig: Uint8Array,
  nalLengthSize: NalLengthSize,
  sets: Uint8Array[][],
  kinds: ParameterSetKinds,
  details: TrackConfig['details'],
): Pick<
  TrackConfig,
  'trackNumber' | 'kind' | 'decoderConfig' | 'nalLengthSize' | 'width' | 'height' | 'sarWidth' | 'sarHeight' | 'details'
> {
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

/** The parameter sets among a frame's NAL units, for comparing later key frames with a derived config. */
export function inBandParameterSets(kinds: ParameterSetKinds, frame: Uint8Array, lengthSize: NalLengthSize): Uint8Array[] {
  return frameNalUnits(frame, lengthSize).filter((unit) => unit.length >= kinds.headerBytes && kinds.types.includes(kinds.typeOf(unit)));
}
