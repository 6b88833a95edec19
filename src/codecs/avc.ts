/**
 * H.264: the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3) and the parts of the SPS and
 * PPS (ITU-T H.264 §7.3.2) that describe the picture.
 */
import { InvalidCodecPrivateDataException } from '../errors.js';
import type { NalLengthSize } from './annexb.js';
import { rbspReader, type BitReader } from './bits.js';
import { pushRecordUnits, readCroppedSize, readRecordUnits, readVuiSar } from './nal-syntax.js';

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
export const TRAILER_PROFILES = new Set([100, 110, 122, 144]);

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
  const readUnits = (count: number, type: number, name: string): Uint8Array[] => {
    const [units, end] = readRecordUnits(bytes, at, count, 1, avcNalType, type, name, fail);
    at = end;
    return units;
  };
  const sps = readUnits(bytes[5] & 0x1f, AVC_NAL_SPS, 'SPS');
  if (at >= bytes.length) fail('ends before numOfPictureParameterSets');
  const pps = readUnits(bytes[at++], AVC_NAL_PPS, 'PPS');
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
    config.highProfile = { chromaFormat, bitDepthLuma, bitDepthChroma, spsExt: readUnits(count, AVC_NAL_SPS_EXT, 'SPS extension') };
  }
  return config;
}

export function writeAvcC(config: AvcDecoderConfig): Uint8Array {
  const { sps, pps, highProfile: high } = config;
  // Limits of the record's count fields.
  if (sps.length > 31 || pps.length > 255 || (high && high.spsExt.length > 255)) {
    throw new InvalidCodecPrivateDataException(
      `${sps.length} SPS, ${pps.length} PPS and ${high?.spsExt.length ?? 0} SPS extensions do not fit an avcC (31, 255, 255 at most)`,
    );
  }
  const out = [
    1,
    config.profileIndication,
    config.profileCompatibility,
    config.levelIndication,
    0xfc | (config.nalLengthSize - 1),
    0xe0 | sps.length,
  ];
  pushRecordUnits(out, sps, 'avcC');
  out.push(pps.length);
  pushRecordUnits(out, pps, 'avcC');
  if (high) {
    out.push(0xfc | high.chromaFormat, 0xf8 | (high.bitDepthLuma - 8), 0xf8 | (high.bitDepthChroma - 8), high.spsExt.length);
    pushRecordUnits(out, high.spsExt, 'avcC');
  }
  return Uint8Array.from(out);
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

/** Parses an SPS NAL unit (with its 1-byte header). */
export function parseAvcSps(nal: Uint8Array): AvcSps {
  const r = rbspReader(nal, 1, avcNalType(nal), AVC_NAL_SPS, 4, 'H.264 SPS');
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
  // Frame cropping: ChromaArrayType is 0 with separate colour planes; field pairs crop 2 rows per unit.
  const [width, height] = readCroppedSize(r, codedWidth, codedHeight, separateColourPlane ? 0 : chromaFormatIdc, frameMbsOnly ? 1 : 2);
  const sar = readVuiSar(r);
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma,
    bitDepthChroma,
    frameMbsOnly,
    codedWidth,
    codedHeight,
    width,
    height,
    sarWidth: sar[0],
    sarHeight: sar[1],
  };
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
  const r = rbspReader(nal, 1, avcNalType(nal), AVC_NAL_PPS, 2, 'H.264 PPS');
  const ppsId = r.ueMax(255, 'pic_parameter_set_id');
  const spsId = r.ueMax(31, 'seq_parameter_set_id');
  const entropyCodingModeFlag = r.flag();
  r.skip(1); // bottom_field_pic_order_in_frame_present_flag
  r.ueMax(7, 'num_slice_groups_minus1');
  return { ppsId, spsId, entropyCodingModeFlag };
}

/**
 * The profile names ffprobe prints (libavcodec's profile table), for messages and details: by
 * profile_idc, with the constraint flag that makes a variant (set1: Constrained, set3: Intra).
 */
const AVC_PROFILES: Readonly<Record<number, readonly [name: string, variantFlag?: number, variant?: string]>> = {
  66: ['Baseline', 0x40, 'Constrained Baseline'],
  77: ['Main'],
  88: ['Extended'],
  100: ['High'],
  110: ['High 10', 0x10, 'High 10 Intra'],
  122: ['High 4:2:2', 0x10, 'High 4:2:2 Intra'],
  244: ['High 4:4:4 Predictive', 0x10, 'High 4:4:4 Intra'],
  44: ['CAVLC 4:4:4'],
};

export function avcProfileName(profileIdc: number, constraintFlags: number): string {
  const profile = AVC_PROFILES[profileIdc];
  if (!profile) return `profile_idc ${profileIdc}`;
  const [name, variantFlag = 0, variant] = profile;
  return constraintFlags & variantFlag ? variant! : name;
}
