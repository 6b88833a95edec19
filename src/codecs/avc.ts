/**
 * H.264: the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3) and the parts of the SPS and
 * PPS (ITU-T H.264 §7.3.2) that describe the picture.
 */
import { InvalidCodecPrivateDataException } from '../errors.js';
import type { NalLengthSize } from './annexb.js';
import { BitReader, unescapeRbsp } from './bits.js';

export const AVC_NAL_SPS = 7;
export const AVC_NAL_PPS = 8;
export const AVC_NAL_SPS_EXT = 13;

export function avcNalType(nal: Uint8Array): number {
  return nal[0] & 0x1f;
}

/** The record's fields. Reserved bits are not kept: real KVS captures write them as zero. */
export interface AvcDecoderConfig {
  profileIndication: number;
  profileCompatibility: number;
  levelIndication: number;
  nalLengthSize: NalLengthSize;
  sps: Uint8Array[];
  pps: Uint8Array[];
  /** The High-profile trailer; producers (KVS's C producer among them) often leave it out. */
  highProfile?: { chromaFormat: number; bitDepthLuma: number; bitDepthChroma: number; spsExt: Uint8Array[] };
}

/** Profiles whose record may carry the chroma/bit-depth trailer (14496-15 §5.3.3.1.2). */
const TRAILER_PROFILES = new Set([100, 110, 122, 144]);

export function parseAvcC(bytes: Uint8Array): AvcDecoderConfig {
  const fail = (problem: string): never => {
    throw new InvalidCodecPrivateDataException(`AVCDecoderConfigurationRecord ${problem}`);
  };
  if (bytes.length < 7) fail(`is ${bytes.length} bytes, shorter than the 7-byte minimum`);
  if (bytes[0] !== 1) fail(`has configurationVersion ${bytes[0]}, expected 1`);
  // Mask the reserved bits instead of comparing them: accepted KVS captures have `03 01`, not `FF E1`.
  const lengthSizeMinusOne = bytes[4] & 0x03;
  if (lengthSizeMinusOne === 2) fail('has lengthSizeMinusOne 2 (3-byte NAL lengths are not allowed)');
  let at = 6;
  const readArray = (count: number, expectedType: number, name: string): Uint8Array[] => {
    const units: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (at + 2 > bytes.length) fail(`ends inside the length of ${name} #${i + 1}`);
      const length = (bytes[at] << 8) | bytes[at + 1];
      at += 2;
      if (length === 0) fail(`has an empty ${name} #${i + 1}`);
      if (at + length > bytes.length) fail(`${name} #${i + 1} (${length} bytes) runs past the record's ${bytes.length} bytes`);
      const unit = bytes.subarray(at, at + length);
      if ((unit[0] & 0x80) !== 0 || avcNalType(unit) !== expectedType) {
        fail(`${name} #${i + 1} has NAL header 0x${unit[0].toString(16)}, not a NAL unit of type ${expectedType}`);
      }
      units.push(unit);
      at += length;
    }
    return units;
  };
  const sps = readArray(bytes[5] & 0x1f, AVC_NAL_SPS, 'SPS');
  if (at >= bytes.length) fail('ends before numOfPictureParameterSets');
  const pps = readArray(bytes[at++], AVC_NAL_PPS, 'PPS');
  const config: AvcDecoderConfig = {
    profileIndication: bytes[1],
    profileCompatibility: bytes[2],
    levelIndication: bytes[3],
    nalLengthSize: (lengthSizeMinusOne + 1) as NalLengthSize,
    sps,
    pps,
  };
  // The trailer is optional in practice; bytes after the PPS of other profiles are ignored, as
  // decoders do.
  if (TRAILER_PROFILES.has(bytes[1]) && at + 4 <= bytes.length) {
    const chromaFormat = bytes[at] & 0x03;
    const bitDepthLuma = (bytes[at + 1] & 0x07) + 8;
    const bitDepthChroma = (bytes[at + 2] & 0x07) + 8;
    const count = bytes[at + 3];
    at += 4;
    config.highProfile = { chromaFormat, bitDepthLuma, bitDepthChroma, spsExt: readArray(count, AVC_NAL_SPS_EXT, 'SPS extension') };
  }
  return config;
}

export function writeAvcC(config: AvcDecoderConfig): Uint8Array {
  const arrays = [config.sps, config.pps, config.highProfile?.spsExt ?? []];
  // Limits of the record's count and length fields; parameter sets can come from frames, so a
  // violation is bad input, not a programming error.
  if (config.sps.length > 31) throw new InvalidCodecPrivateDataException(`${config.sps.length} SPS do not fit an avcC (31 at most)`);
  if (config.pps.length > 255 || arrays[2].length > 255) {
    throw new InvalidCodecPrivateDataException('more than 255 PPS or SPS extensions do not fit an avcC');
  }
  let size = 7 + (config.highProfile ? 4 : 0);
  for (const array of arrays) for (const unit of array) size += 2 + unit.length;
  const out = new Uint8Array(size);
  out.set([1, config.profileIndication, config.profileCompatibility, config.levelIndication, 0xfc | (config.nalLengthSize - 1), 0xe0 | config.sps.length]);
  let at = 6;
  const writeUnits = (units: Uint8Array[]): void => {
    for (const unit of units) {
      if (unit.length > 0xffff) throw new InvalidCodecPrivateDataException(`a ${unit.length}-byte parameter set does not fit an avcC`);
      out[at] = unit.length >> 8;
      out[at + 1] = unit.length & 0xff;
      out.set(unit, at + 2);
      at += 2 + unit.length;
    }
  };
  writeUnits(config.sps);
  out[at++] = config.pps.length;
  writeUnits(config.pps);
  const high = config.highProfile;
  if (high) {
    out.set([0xfc | high.chromaFormat, 0xf8 | (high.bitDepthLuma - 8), 0xf8 | (high.bitDepthChroma - 8), high.spsExt.length], at);
    at += 4;
    writeUnits(high.spsExt);
  }
  return out;
}

export interface AvcSps {
  profileIdc: number;
  /** constraint_set0..5 flags and the 2 reserved bits, as the byte after profile_idc. */
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  bitDepthLuma: number;
  bitDepthChroma: number;
  frameMbsOnly: boolean;
  /** Coded size in luma samples (macroblocks × 16, both fields for interlaced). */
  codedWidth: number;
  codedHeight: number;
  /** Display size: coded size minus frame cropping. */
  width: number;
  height: number;
  sarWidth: number;
  sarHeight: number;
}

/** Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices (H.264 §7.3.2.1.1). */
const CHROMA_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Table E-1: aspect_ratio_idc 1..16. */
const SAR_TABLE: ReadonlyArray<readonly [number, number]> = [
  [1, 1], [12, 11], [10, 11], [16, 11], [40, 33], [24, 11], [20, 11], [32, 11],
  [80, 33], [18, 11], [15, 11], [64, 33], [160, 99], [4, 3], [3, 2], [2, 1],
];
const EXTENDED_SAR = 255;

/** Parses an SPS NAL unit (with its 1-byte header). */
export function parseAvcSps(nal: Uint8Array): AvcSps {
  if (nal.length < 4 || avcNalType(nal) !== AVC_NAL_SPS) {
    throw new InvalidCodecPrivateDataException('H.264 SPS is too short or not an SPS NAL unit');
  }
  const r = new BitReader(unescapeRbsp(nal.subarray(1)), 'H.264 SPS');
  const profileIdc = r.bits(8);
  const constraintFlags = r.bits(8);
  const levelIdc = r.bits(8);
  const spsId = r.ueMax(31, 'seq_parameter_set_id');
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (CHROMA_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ueMax(3, 'chroma_format_idc');
    if (chromaFormatIdc === 3) separateColourPlane = r.flag();
    bitDepthLuma = r.ueMax(6, 'bit_depth_luma_minus8') + 8;
    bitDepthChroma = r.ueMax(6, 'bit_depth_chroma_minus8') + 8;
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (r.flag()) skipAvcScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ueMax(12, 'log2_max_frame_num_minus4');
  const pocType = r.ueMax(2, 'pic_order_cnt_type');
  if (pocType === 0) {
    r.ueMax(12, 'log2_max_pic_order_cnt_lsb_minus4');
  } else if (pocType === 1) {
    r.skip(1); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = r.ueMax(255, 'num_ref_frames_in_pic_order_cnt_cycle');
    for (let i = 0; i < cycle; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  // Level 6.2 allows 139264 macroblocks per frame; a side of more than 2^16 luma samples is not H.264.
  const widthInMbs = r.ueMax(4095, 'pic_width_in_mbs_minus1') + 1;
  const heightInMapUnits = r.ueMax(4095, 'pic_height_in_map_units_minus1') + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.skip(1); // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  const codedWidth = widthInMbs * 16;
  const codedHeight = (frameMbsOnly ? 1 : 2) * heightInMapUnits * 16;
  let width = codedWidth;
  let height = codedHeight;
  if (r.flag()) {
    const left = r.ue();
    const right = r.ue();
    const top = r.ue();
    const bottom = r.ue();
    // Crop units per §7.4.2.1.1: ChromaArrayType 0 (monochrome or separate planes) crops in luma samples.
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const subHeightC = chromaArrayType === 1 ? 2 : 1;
    const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
    const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
    width = codedWidth - cropUnitX * (left + right);
    height = codedHeight - cropUnitY * (top + bottom);
    if (width <= 0 || height <= 0) r.fail(`crops its ${codedWidth}x${codedHeight} picture to nothing`);
  }
  let sar: readonly [number, number] = [1, 1];
  if (r.flag() && r.flag()) sar = readSar(r); // vui_parameters_present_flag, aspect_ratio_info_present_flag
  return {
    profileIdc, constraintFlags, levelIdc, spsId, chromaFormatIdc, separateColourPlane, bitDepthLuma, bitDepthChroma,
    frameMbsOnly, codedWidth, codedHeight, width, height, sarWidth: sar[0], sarHeight: sar[1],
  };
}

/** aspect_ratio_idc and the optional explicit SAR (H.264 and H.265 VUI share Table E-1). */
export function readSar(r: BitReader): readonly [number, number] {
  const idc = r.bits(8);
  if (idc === EXTENDED_SAR) {
    const w = r.bits(16);
    const h = r.bits(16);
    return w > 0 && h > 0 ? [w, h] : [1, 1];
  }
  // 0 is "unspecified" and 17..254 are reserved: both mean square pixels to a player.
  return SAR_TABLE[idc - 1] ?? [1, 1];
}

function skipAvcScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    if (next !== 0) last = next;
  }
}

export interface AvcPps {
  ppsId: number;
  spsId: number;
  entropyCodingModeFlag: boolean;
}

/** Parses the head of a PPS NAL unit: enough to check its ids and that it is a PPS at all. */
export function parseAvcPps(nal: Uint8Array): AvcPps {
  if (nal.length < 2 || avcNalType(nal) !== AVC_NAL_PPS) {
    throw new InvalidCodecPrivateDataException('H.264 PPS is too short or not a PPS NAL unit');
  }
  const r = new BitReader(unescapeRbsp(nal.subarray(1)), 'H.264 PPS');
  const ppsId = r.ueMax(255, 'pic_parameter_set_id');
  const spsId = r.ueMax(31, 'seq_parameter_set_id');
  const entropyCodingModeFlag = r.flag();
  r.skip(1); // bottom_field_pic_order_in_frame_present_flag
  r.ueMax(7, 'num_slice_groups_minus1');
  return { ppsId, spsId, entropyCodingModeFlag };
}

/** The profile names ffprobe prints (libavcodec's profile table), for messages and details. */
export function avcProfileName(profileIdc: number, constraintFlags: number): string {
  const set1 = (constraintFlags & 0x40) !== 0;
  const set3 = (constraintFlags & 0x10) !== 0;
  switch (profileIdc) {
    case 66: return set1 ? 'Constrained Baseline' : 'Baseline';
    case 77: return 'Main';
    case 88: return 'Extended';
    case 100: return 'High';
    case 110: return set3 ? 'High 10 Intra' : 'High 10';
    case 122: return set3 ? 'High 4:2:2 Intra' : 'High 4:2:2';
    case 244: return set3 ? 'High 4:4:4 Intra' : 'High 4:4:4 Predictive';
    case 44: return 'CAVLC 4:4:4';
    default: return `profile_idc ${profileIdc}`;
  }
}
