/**
 * H.265: the HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3) with its VPS/SPS/PPS arrays,
 * and the SPS (ITU-T H.265 §7.3.2.2) for size, profile/tier/level, chroma format, bit depth and SAR.
 */
import { InvalidCodecPrivateDataException } from '../errors.js';
import type { NalLengthSize } from './annexb.js';
import { pushRecordUnits, readCroppedSize, readRecordUnits, readVuiSar } from './nal-syntax.js';
import { rbspReader, type BitReader } from './bits.js';

export const HEVC_NAL_VPS = 32;
export const HEVC_NAL_SPS = 33;
export const HEVC_NAL_PPS = 34;

export function hevcNalType(nal: Uint8Array): number {
  return (nal[0] >> 1) & 0x3f;
}

/** nuh_layer_id: parameter sets of layer 0 describe the base layer, the one we play. */
export function hevcLayerId(nal: Uint8Array): number {
  return ((nal[0] & 1) << 5) | (nal[1] >> 3);
}

/**
 * general_profile_space … general_level_idc: 12 bytes, laid out alike in the record (bytes 1..12) and
 * the SPS (byte-aligned after its first byte), so both read them with profileTierLevel().
 */
export interface HevcProfileTierLevel {
  profileSpace: number;
  tierFlag: boolean;
  profileIdc: number;
  /** general_profile_compatibility_flag[0..31], flag j at bit 31 − j. */
  compatibilityFlags: number;
  /** The 48 bits from general_progressive_source_flag on, as 6 bytes. */
  constraintFlags: Uint8Array;
  levelIdc: number;
  /** The 12 bytes themselves, for writing them into a record. */
  bytes: Uint8Array;
}

export function profileTierLevel(bytes: Uint8Array): HevcProfileTierLevel {
  return {
    profileSpace: bytes[0] >> 6,
    tierFlag: (bytes[0] & 0x20) !== 0,
    profileIdc: bytes[0] & 0x1f,
    compatibilityFlags: ((bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]) >>> 0,
    constraintFlags: bytes.subarray(5, 11),
    levelIdc: bytes[11],
    bytes,
  };
}

export interface HevcNalArray {
  nalType: number;
  /** array_completeness: all parameter sets of this type are in the array (none in band). */
  complete: boolean;
  units: Uint8Array[];
}

export interface HevcDecoderConfig {
  /**
   * The record's first 22 bytes (configurationVersion … lengthSizeMinusOne), a copy. Only the
   * profile/tier/level and the NAL length size in them matter here; the rest (segmentation,
   * parallelism, chroma format, bit depths, frame rates, temporal layers) is written back as it came.
   */
  header: Uint8Array;
  profileTierLevel: HevcProfileTierLevel;
  nalLengthSize: NalLengthSize;
  arrays: HevcNalArray[];
}

const HEADER_SIZE = 23;

export function parseHvcC(bytes: Uint8Array): HevcDecoderConfig {
  const fail = (problem: string): never => {
    throw new InvalidCodecPrivateDataException(`HEVCDecoderConfigurationRecord ${problem}`);
  };
  if (bytes.length < HEADER_SIZE) fail(`is ${bytes.length} bytes, shorter than its ${HEADER_SIZE}-byte header`);
  // Version 0 comes from muxers written against the draft of the format; the layout is the same.
  if (bytes[0] > 1) fail(`has configurationVersion ${bytes[0]}, expected 1`);
  const lengthSizeMinusOne = bytes[21] & 0x03;
  if (lengthSizeMinusOne === 2) fail('has lengthSizeMinusOne 2 (3-byte NAL lengths are not allowed)');
  const arrays: HevcNalArray[] = [];
  let at = HEADER_SIZE;
  for (let a = 0; a < bytes[22]; a++) {
    if (at + 3 > bytes.length) fail(`ends inside the header of NAL array #${a + 1}`);
    const nalType = bytes[at] & 0x3f;
    const complete = (bytes[at] & 0x80) !== 0;
    const count = (bytes[at + 1] << 8) | bytes[at + 2];
    at += 3;
    const [units, end] = readRecordUnits(bytes, at, count, 2, hevcNalType, nalType, `array #${a + 1} NAL unit`, fail);
    at = end;
    arrays.push({ nalType, complete, units });
  }
  // A copy: the config outlives the input chunk.
  const header = bytes.slice(0, HEADER_SIZE - 1);
  return {
    header,
    profileTierLevel: profileTierLevel(header.subarray(1, 13)),
    nalLengthSize: (lengthSizeMinusOne + 1) as NalLengthSize,
    arrays,
  };
}

/**
 * An hvcC from a record header (see HevcDecoderConfig.header) and NAL arrays. Reserved bits are set
 * to ones, as 14496-15 asks: min_spatial_segmentation_idc's 4, parallelismType's 6, chromaFormat's 6,
 * and the 5 above each bit depth.
 */
export function writeHvcC(header: Uint8Array, arrays: readonly HevcNalArray[]): Uint8Array {
  if (arrays.length > 255) throw new InvalidCodecPrivateDataException('more than 255 NAL arrays do not fit an hvcC');
  const out = [...header, arrays.length];
  out[13] |= 0xf0;
  out[15] |= 0xfc;
  out[16] |= 0xfc;
  out[17] |= 0xf8;
  out[18] |= 0xf8;
  for (const array of arrays) {
    const count = array.units.length;
    if (count > 0xffff) throw new InvalidCodecPrivateDataException('more than 65535 NAL units do not fit an hvcC array');
    out.push((array.complete ? 0x80 : 0) | array.nalType, count >> 8, count & 0xff);
    pushRecordUnits(out, array.units, 'hvcC');
  }
  return Uint8Array.from(out);
}

/**
 * The header of an hvcC for parameter sets that came without one. Fields the SPS does not give are
 * written as "unknown" (0), which 14496-15 allows: min_spatial_segmentation_idc, parallelismType,
 * frame rates. NAL lengths are 4 bytes.
 */
export function hvcCHeaderFromSps(sps: HevcSps): Uint8Array {
  return Uint8Array.from([
    1,
    ...sps.profileTierLevel.bytes,
    0,
    0,
    0,
    sps.chromaFormatIdc,
    sps.bitDepthLuma - 8,
    sps.bitDepthChroma - 8,
    0,
    0,
    (sps.maxSubLayers << 3) | (sps.temporalIdNesting ? 4 : 0) | 3,
  ]);
}

/** The parameter sets of one type in the record (all arrays of that type, in order). */
export function hvcCUnits(config: HevcDecoderConfig, nalType: number): Uint8Array[] {
  return config.arrays.filter((array) => array.nalType === nalType).flatMap((array) => array.units);
}

export interface HevcSps {
  vpsId: number;
  maxSubLayers: number;
  temporalIdNesting: boolean;
  profileTierLevel: HevcProfileTierLevel;
  spsId: number;
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  codedWidth: number;
  codedHeight: number;
  /** Display size: coded size minus the conformance window. */
  width: number;
  height: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  sarWidth: number;
  sarHeight: number;
}

/** Parses an SPS NAL unit (with its 2-byte header). */
export function parseHevcSps(nal: Uint8Array): HevcSps {
  const r = rbspReader(nal, 2, hevcNalType(nal), HEVC_NAL_SPS, 3, 'H.265 SPS');
  const vpsId = r.bits(4);
  const maxSubLayersMinus1 = r.bits(3);
  if (maxSubLayersMinus1 > 6) r.fail(`has sps_max_sub_layers_minus1 = ${maxSubLayersMinus1}, above 6`);
  const temporalIdNesting = r.flag();
  const profileTierLevel = readProfileTierLevel(r, maxSubLayersMinus1);
  const spsId = r.ueMax(15, 'sps_seq_parameter_set_id');
  const chromaFormatIdc = r.ueMax(3, 'chroma_format_idc');
  const separateColourPlane = chromaFormatIdc === 3 ? r.flag() : false;
  // Level 6.2's MaxLumaPs is 35 651 584: sides above 2^16 cannot be valid.
  const codedWidth = r.ueMax(65535, 'pic_width_in_luma_samples');
  const codedHeight = r.ueMax(65535, 'pic_height_in_luma_samples');
  if (codedWidth === 0 || codedHeight === 0) r.fail(`has a ${codedWidth}x${codedHeight} picture`);
  // conformance_window_flag and offsets; ChromaArrayType is 0 with separate colour planes.
  const [width, height] = readCroppedSize(r, codedWidth, codedHeight, separateColourPlane ? 0 : chromaFormatIdc, 1);
  const bitDepthLuma = r.ueMax(8, 'bit_depth_luma_minus8') + 8;
  const bitDepthChroma = r.ueMax(8, 'bit_depth_chroma_minus8') + 8;
  const log2MaxPocLsb = r.ueMax(12, 'log2_max_pic_order_cnt_lsb_minus4') + 4;
  const orderingInfoForAll = r.flag();
  for (let i = orderingInfoForAll ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
    r.ue(); // sps_max_dec_pic_buffering_minus1
    r.ue(); // sps_max_num_reorder_pics
    r.ue(); // sps_max_latency_increase_plus1
  }
  // log2_min_luma_coding_block_size_minus3, log2_diff_max_min_luma_coding_block_size,
  // log2_min_luma_transform_block_size_minus2, log2_diff_max_min_luma_transform_block_size,
  // max_transform_hierarchy_depth_inter, max_transform_hierarchy_depth_intra
  for (let i = 0; i < 6; i++) r.ue();
  if (r.flag() && r.flag()) skipHevcScalingListData(r); // scaling_list_enabled, sps_scaling_list_data_present
  r.skip(2); // amp_enabled_flag, sample_adaptive_offset_enabled_flag
  if (r.flag()) {
    // pcm: sample bit depths (4 + 4), log2 sizes (ue, ue), loop filter flag
    r.skip(8);
    r.ue();
    r.ue();
    r.skip(1);
  }
  skipShortTermRefPicSets(r, r.ueMax(64, 'num_short_term_ref_pic_sets'));
  if (r.flag()) {
    const count = r.ueMax(32, 'num_long_term_ref_pics_sps');
    for (let i = 0; i < count; i++) r.skip(log2MaxPocLsb + 1); // lt_ref_pic_poc_lsb_sps, used_by_curr_pic_lt_sps_flag
  }
  r.skip(2); // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
  const sar = readVuiSar(r);
  return {
    vpsId,
    maxSubLayers: maxSubLayersMinus1 + 1,
    temporalIdNesting,
    profileTierLevel,
    spsId,
    chromaFormatIdc,
    separateColourPlane,
    codedWidth,
    codedHeight,
    width,
    height,
    bitDepthLuma,
    bitDepthChroma,
    sarWidth: sar[0],
    sarHeight: sar[1],
  };
}

/** profile_tier_level(1, maxSubLayersMinus1) (§7.3.3): the general part, then sub-layer parts skipped. */
function readProfileTierLevel(r: BitReader, maxSubLayersMinus1: number): HevcProfileTierLevel {
  const general = new Uint8Array(12);
  for (let i = 0; i < 12; i++) general[i] = r.bits(8);
  const subLayerProfilePresent: boolean[] = [];
  const subLayerLevelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    subLayerProfilePresent.push(r.flag());
    subLayerLevelPresent.push(r.flag());
  }
  if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (subLayerProfilePresent[i]) r.skip(88);
    if (subLayerLevelPresent[i]) r.skip(8);
  }
  return profileTierLevel(general);
}

function skipHevcScalingListData(r: BitReader): void {
  for (let sizeId = 0; sizeId < 4; sizeId++) {
    for (let matrixId = 0; matrixId < 6; matrixId += sizeId === 3 ? 3 : 1) {
      if (!r.flag()) {
        r.ue(); // scaling_list_pred_matrix_id_delta
      } else {
        const coefficients = Math.min(64, 1 << (4 + (sizeId << 1)));
        if (sizeId > 1) r.se(); // scaling_list_dc_coef_minus8
        for (let i = 0; i < coefficients; i++) r.se();
      }
    }
  }
}

/** st_ref_pic_set(i) for i in 0..count−1 (§7.3.7); only NumDeltaPocs is needed to stay in step. */
function skipShortTermRefPicSets(r: BitReader, count: number): void {
  const numDeltaPocs: number[] = [];
  for (let idx = 0; idx < count; idx++) {
    const interPrediction = idx !== 0 && r.flag();
    if (interPrediction) {
      // In the SPS, delta_idx_minus1 is absent: the reference is the previous set.
      r.skip(1); // delta_rps_sign
      r.ueMax(32767, 'abs_delta_rps_minus1');
      const reference = numDeltaPocs[idx - 1];
      let used = 0;
      for (let j = 0; j <= reference; j++) {
        const usedByCurrent = r.flag();
        const useDelta = usedByCurrent || r.flag();
        if (useDelta) used++;
      }
      numDeltaPocs.push(used);
    } else {
      const negative = r.ueMax(16, 'num_negative_pics');
      const positive = r.ueMax(16, 'num_positive_pics');
      for (let i = 0; i < negative + positive; i++) {
        r.ueMax(32767, 'delta_poc_minus1');
        r.skip(1); // used_by_curr_pic_flag
      }
      numDeltaPocs.push(negative + positive);
    }
  }
}

export interface HevcPps {
  ppsId: number;
  spsId: number;
}

export function parseHevcPps(nal: Uint8Array): HevcPps {
  const r = rbspReader(nal, 2, hevcNalType(nal), HEVC_NAL_PPS, 3, 'H.265 PPS');
  return { ppsId: r.ueMax(63, 'pps_pic_parameter_set_id'), spsId: r.ueMax(15, 'pps_seq_parameter_set_id') };
}

/** vps_video_parameter_set_id and the fixed-length fields after it that must hold (§7.4.3.1). */
export function parseHevcVps(nal: Uint8Array): { vpsId: number; maxSubLayers: number } {
  const r = rbspReader(nal, 2, hevcNalType(nal), HEVC_NAL_VPS, 6, 'H.265 VPS');
  const vpsId = r.bits(4);
  r.skip(2); // vps_base_layer_internal_flag, vps_base_layer_available_flag
  r.skip(6); // vps_max_layers_minus1
  const maxSubLayersMinus1 = r.bits(3);
  if (maxSubLayersMinus1 > 6) r.fail(`has vps_max_sub_layers_minus1 = ${maxSubLayersMinus1}, above 6`);
  r.skip(1); // vps_temporal_id_nesting_flag
  if (r.bits(16) !== 0xffff) r.fail('has vps_reserved_0xffff_16bits other than 0xffff');
  return { vpsId, maxSubLayers: maxSubLayersMinus1 + 1 };
}

/** The profile names ffprobe prints for general_profile_idc 1..9 (libavcodec's table). */
const HEVC_PROFILES: Readonly<Record<number, string>> = { 1: 'Main', 2: 'Main 10', 3: 'Main Still Picture', 4: 'Rext', 9: 'SCC' };

export function hevcProfileName(profileIdc: number, compatibilityFlags: number): string {
  // A profile_idc of 0 defers to the first compatibility flag set (flag j is bit 31 − j).
  const idc = profileIdc !== 0 ? profileIdc : Math.clz32(compatibilityFlags & 0x7fffffff);
  return HEVC_PROFILES[idc] ?? `general_profile_idc ${profileIdc}`;
}
