/**
 * Writers for the codecs round-trip properties: H.264 and H.265 SPS from chosen fields (written the
 * way ITU-T H.264 §7.3.2.1.1 / H.265 §7.3.2.2 lay them out, with emulation prevention), and
 * WAVEFORMATEX and AudioSpecificConfig. Plus fast-check arbitraries for their fields.
 */
import fc from 'fast-check';

/** Writes fields of up to 32 bits, most significant bit first. */
export class BitWriter {
  readonly #out: number[] = [];
  #current = 0;
  #used = 0;

  bits(value: number, count: number): this {
    for (let i = count - 1; i >= 0; i--) {
      this.#current = (this.#current << 1) | (Math.floor(value / 2 ** i) & 1);
      if (++this.#used === 8) {
        this.#out.push(this.#current);
        this.#current = this.#used = 0;
      }
    }
    return this;
  }

  /** The bytes written, the last one padded with zero bits. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.#used > 0 ? [...this.#out, this.#current << (8 - this.#used)] : this.#out);
  }
}

export class SyntaxWriter extends BitWriter {
  flag(value: boolean): this {
    return this.bits(value ? 1 : 0, 1);
  }

  ue(value: number): this {
    const code = value + 1;
    const length = Math.floor(Math.log2(code));
    return this.bits(0, length).bits(code, length + 1);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** rbsp_trailing_bits, then the bytes. */
  rbsp(): Uint8Array {
    this.bits(1, 1);
    return this.bytes();
  }
}

/** Inserts emulation-prevention bytes: 00 00 followed by 00..03 gets a 03 in between. */
export function escapeRbsp(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

const SAR_TABLE: Array<[number, number]> = [
  [1, 1],
  [12, 11],
  [10, 11],
  [16, 11],
  [40, 33],
  [24, 11],
  [20, 11],
  [32, 11],
  [80, 33],
  [18, 11],
  [15, 11],
  [64, 33],
  [160, 99],
  [4, 3],
  [3, 2],
  [2, 1],
];

/** A VUI aspect ratio: an index into Table E-1, or 255 with an explicit SAR. */
export interface SarChoice {
  idc: number;
  explicit?: [number, number];
}

export const sarArbitrary: fc.Arbitrary<SarChoice | null> = fc.option(
  fc.oneof(
    fc.integer({ min: 1, max: 16 }).map((idc) => ({ idc })),
    fc.tuple(fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 1, max: 0xffff })).map((explicit) => ({ idc: 255, explicit })),
  ),
);

export function expectedSar(sar: SarChoice | null): [number, number] {
  if (!sar) return [1, 1];
  return sar.explicit ?? SAR_TABLE[sar.idc - 1];
}

function writeSar(w: SyntaxWriter, sar: SarChoice | null): void {
  w.flag(sar !== null); // vui_parameters_present_flag
  if (!sar) return;
  w.flag(true).bits(sar.idc, 8); // aspect_ratio_info_present_flag, aspect_ratio_idc
  if (sar.explicit) w.bits(sar.explicit[0], 16).bits(sar.explicit[1], 16);
  // The rest of the VUI is not read by the parser; a real VUI continues here.
  w.flag(false).flag(false).flag(false).flag(false).flag(false).flag(false).flag(false).flag(false).flag(false);
}

export interface AvcSpsFields {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** Scaling lists present: per list, its delta_scale values (a list ends early when next scale hits 0). */
  scalingLists: number[][] | null;
  pocType: 0 | 1 | 2;
  pocCycle: number[];
  widthInMbs: number;
  heightInMapUnits: number;
  frameMbsOnly: boolean;
  crop: [number, number, number, number] | null;
  sar: SarChoice | null;
}

const AVC_CHROMA_PROFILES = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

export const avcSpsArbitrary: fc.Arbitrary<AvcSpsFields> = fc
  .record({
    profileIdc: fc.constantFrom(66, 77, 88, ...AVC_CHROMA_PROFILES),
    constraintFlags: fc.integer({ min: 0, max: 255 }),
    levelIdc: fc.integer({ min: 0, max: 255 }),
    spsId: fc.integer({ min: 0, max: 31 }),
    chromaFormatIdc: fc.integer({ min: 0, max: 3 }),
    separateColourPlane: fc.boolean(),
    bitDepthLuma: fc.integer({ min: 8, max: 14 }),
    bitDepthChroma: fc.integer({ min: 8, max: 14 }),
    scalingLists: fc.option(fc.array(fc.array(fc.integer({ min: -128, max: 127 }), { maxLength: 64 }), { minLength: 12, maxLength: 12 })),
    pocType: fc.constantFrom(0 as const, 1 as const, 2 as const),
    pocCycle: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 8 }),
    widthInMbs: fc.integer({ min: 1, max: 4096 }),
    heightInMapUnits: fc.integer({ min: 1, max: 2048 }),
    frameMbsOnly: fc.boolean(),
    crop: fc.option(fc.tuple(fc.nat(7), fc.nat(7), fc.nat(7), fc.nat(7))),
    sar: sarArbitrary,
  })
  .map((f) =>
    AVC_CHROMA_PROFILES.includes(f.profileIdc)
      ? f
      : { ...f, chromaFormatIdc: 1, separateColourPlane: false, bitDepthLuma: 8, bitDepthChroma: 8, scalingLists: null },
  )
  .map((f) => ({ ...f, separateColourPlane: f.chromaFormatIdc === 3 && f.separateColourPlane }));

/** Writes an SPS NAL unit (header 0x67) with the given fields. */
export function writeAvcSps(f: AvcSpsFields): Uint8Array {
  const w = new SyntaxWriter();
  w.bits(f.profileIdc, 8).bits(f.constraintFlags, 8).bits(f.levelIdc, 8).ue(f.spsId);
  if (AVC_CHROMA_PROFILES.includes(f.profileIdc)) {
    w.ue(f.chromaFormatIdc);
    if (f.chromaFormatIdc === 3) w.flag(f.separateColourPlane);
    w.ue(f.bitDepthLuma - 8)
      .ue(f.bitDepthChroma - 8)
      .flag(false);
    w.flag(f.scalingLists !== null);
    if (f.scalingLists) {
      const count = f.chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < count; i++) {
        const deltas = f.scalingLists[i];
        w.flag(deltas.length > 0);
        if (deltas.length === 0) continue;
        // delta_scale per coefficient until nextScale becomes 0 (then the list stops being coded).
        let last = 8;
        const size = i < 6 ? 16 : 64;
        for (let j = 0; j < size; j++) {
          const delta = deltas[j % deltas.length];
          w.se(delta);
          const next = (last + delta + 256) % 256;
          if (next === 0) break;
          last = next;
        }
      }
    }
  }
  w.ue(0); // log2_max_frame_num_minus4
  w.ue(f.pocType);
  if (f.pocType === 0) w.ue(2);
  else if (f.pocType === 1) {
    w.flag(false).se(-3).se(5).ue(f.pocCycle.length);
    for (const offset of f.pocCycle) w.se(offset);
  }
  w.ue(4).flag(false); // max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
  w.ue(f.widthInMbs - 1)
    .ue(f.heightInMapUnits - 1)
    .flag(f.frameMbsOnly);
  if (!f.frameMbsOnly) w.flag(true);
  w.flag(true); // direct_8x8_inference_flag
  w.flag(f.crop !== null);
  if (f.crop) for (const offset of f.crop) w.ue(offset);
  writeSar(w, f.sar);
  return Uint8Array.from([0x67, ...escapeRbsp(w.rbsp())]);
}

/** H.264 Table 6-1 and §7.4.2.1.1: the display size the fields describe. */
export function expectedAvcSize(f: AvcSpsFields): { width: number; height: number } {
  const codedWidth = f.widthInMbs * 16;
  const codedHeight = (f.frameMbsOnly ? 1 : 2) * f.heightInMapUnits * 16;
  if (!f.crop) return { width: codedWidth, height: codedHeight };
  const chromaArrayType = f.separateColourPlane ? 0 : f.chromaFormatIdc;
  const [subWidthC, subHeightC] = ({ 1: [2, 2], 2: [2, 1], 3: [1, 1] } as Record<number, [number, number]>)[chromaArrayType] ?? [1, 1];
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (f.frameMbsOnly ? 1 : 2);
  return {
    width: codedWidth - cropUnitX * (f.crop[0] + f.crop[1]),
    height: codedHeight - cropUnitY * (f.crop[2] + f.crop[3]),
  };
}

export interface HevcSpsFields {
  vpsId: number;
  maxSubLayersMinus1: number;
  temporalIdNesting: boolean;
  profileSpace: number;
  tierFlag: boolean;
  profileIdc: number;
  compatibilityFlags: number;
  constraintFlags: number[];
  levelIdc: number;
  /** Per sub-layer: profile present, level present. */
  subLayers: Array<[boolean, boolean]>;
  spsId: number;
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  width: number;
  height: number;
  conformanceWindow: [number, number, number, number] | null;
  bitDepthLuma: number;
  bitDepthChroma: number;
  log2MaxPocLsb: number;
  orderingInfoForAll: boolean;
  scalingList: Array<{ predict: boolean; values: number[] }> | null;
  pcm: boolean;
  /** Short-term RPS: explicit (negative, positive) or predicted from the previous set (use flags). */
  rps: Array<{ explicit: [number, number] } | { flags: boolean[] }>;
  longTerm: number[] | null;
  sar: SarChoice | null;
}

export const hevcSpsArbitrary: fc.Arbitrary<HevcSpsFields> = fc
  .record({
    vpsId: fc.nat(15),
    maxSubLayersMinus1: fc.nat(6),
    temporalIdNesting: fc.boolean(),
    profileSpace: fc.nat(3),
    tierFlag: fc.boolean(),
    profileIdc: fc.nat(31),
    compatibilityFlags: fc.nat({ max: 0xffffffff }),
    constraintFlags: fc.array(fc.nat(255), { minLength: 6, maxLength: 6 }),
    levelIdc: fc.nat(255),
    subLayers: fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 6, maxLength: 6 }),
    spsId: fc.nat(15),
    chromaFormatIdc: fc.nat(3),
    separateColourPlane: fc.boolean(),
    width: fc.integer({ min: 64, max: 8192 }),
    height: fc.integer({ min: 64, max: 4320 }),
    conformanceWindow: fc.option(fc.tuple(fc.nat(15), fc.nat(15), fc.nat(15), fc.nat(15))),
    bitDepthLuma: fc.integer({ min: 8, max: 16 }),
    bitDepthChroma: fc.integer({ min: 8, max: 16 }),
    log2MaxPocLsb: fc.integer({ min: 4, max: 16 }),
    orderingInfoForAll: fc.boolean(),
    scalingList: fc.option(
      fc.array(
        fc.record({ predict: fc.boolean(), values: fc.array(fc.integer({ min: -128, max: 127 }), { minLength: 1, maxLength: 4 }) }),
        {
          minLength: 20,
          maxLength: 20,
        },
      ),
    ),
    pcm: fc.boolean(),
    rps: fc.array(
      fc.oneof(
        fc.tuple(fc.nat(8), fc.nat(8)).map((explicit) => ({ explicit })),
        fc.array(fc.boolean(), { maxLength: 40 }).map((flags) => ({ flags })),
      ),
      { maxLength: 12 },
    ),
    longTerm: fc.option(fc.array(fc.nat(0xffff), { maxLength: 32 })),
    sar: sarArbitrary,
  })
  .map((f) => ({ ...f, separateColourPlane: f.chromaFormatIdc === 3 && f.separateColourPlane }));

/** Writes an SPS NAL unit (header 42 01) with the given fields. */
export function writeHevcSps(f: HevcSpsFields): Uint8Array {
  const w = new SyntaxWriter();
  w.bits(f.vpsId, 4).bits(f.maxSubLayersMinus1, 3).flag(f.temporalIdNesting);
  // profile_tier_level(1, sps_max_sub_layers_minus1)
  w.bits(f.profileSpace, 2).flag(f.tierFlag).bits(f.profileIdc, 5).bits(f.compatibilityFlags, 32);
  for (const byte of f.constraintFlags) w.bits(byte, 8);
  w.bits(f.levelIdc, 8);
  const subLayers = f.subLayers.slice(0, f.maxSubLayersMinus1);
  for (const [profile, level] of subLayers) w.flag(profile).flag(level);
  if (f.maxSubLayersMinus1 > 0) for (let i = f.maxSubLayersMinus1; i < 8; i++) w.bits(0, 2);
  for (const [profile, level] of subLayers) {
    if (profile) for (let i = 0; i < 11; i++) w.bits(0xa5, 8);
    if (level) w.bits(90, 8);
  }
  w.ue(f.spsId).ue(f.chromaFormatIdc);
  if (f.chromaFormatIdc === 3) w.flag(f.separateColourPlane);
  w.ue(f.width)
    .ue(f.height)
    .flag(f.conformanceWindow !== null);
  if (f.conformanceWindow) for (const offset of f.conformanceWindow) w.ue(offset);
  w.ue(f.bitDepthLuma - 8)
    .ue(f.bitDepthChroma - 8)
    .ue(f.log2MaxPocLsb - 4)
    .flag(f.orderingInfoForAll);
  for (let i = f.orderingInfoForAll ? 0 : f.maxSubLayersMinus1; i <= f.maxSubLayersMinus1; i++) w.ue(4).ue(2).ue(0);
  w.ue(0).ue(3).ue(0).ue(3).ue(1).ue(1); // block sizes and transform hierarchy depths
  w.flag(f.scalingList !== null);
  if (f.scalingList) {
    w.flag(true); // sps_scaling_list_data_present_flag
    let list = 0;
    for (let sizeId = 0; sizeId < 4; sizeId++) {
      for (let matrixId = 0; matrixId < 6; matrixId += sizeId === 3 ? 3 : 1) {
        const { predict, values } = f.scalingList[list++];
        w.flag(!predict);
        if (predict) {
          w.ue(values.length - 1); // scaling_list_pred_matrix_id_delta
        } else {
          const coefficients = Math.min(64, 1 << (4 + (sizeId << 1)));
          if (sizeId > 1) w.se(values[0]);
          for (let i = 0; i < coefficients; i++) w.se(values[i % values.length]);
        }
      }
    }
  }
  w.flag(true).flag(true); // amp, sao
  w.flag(f.pcm);
  if (f.pcm) w.bits(7, 4).bits(7, 4).ue(0).ue(1).flag(false);
  w.ue(f.rps.length);
  const numDeltaPocs: number[] = [];
  f.rps.forEach((set, idx) => {
    if (idx !== 0) w.flag('flags' in set);
    if ('flags' in set && idx !== 0) {
      w.flag(false).ue(0); // delta_rps_sign, abs_delta_rps_minus1
      let used = 0;
      for (let j = 0; j <= numDeltaPocs[idx - 1]; j++) {
        const flag = set.flags[j % Math.max(1, set.flags.length)] ?? true;
        w.flag(flag); // used_by_curr_pic_flag
        const useDelta = flag || j % 2 === 0;
        if (!flag) w.flag(useDelta);
        if (useDelta) used++;
      }
      numDeltaPocs.push(used);
    } else {
      const [negative, positive] = 'explicit' in set ? set.explicit : [1, 0];
      w.ue(negative).ue(positive);
      for (let i = 0; i < negative + positive; i++) w.ue(i).flag(i % 2 === 0);
      numDeltaPocs.push(negative + positive);
    }
  });
  w.flag(f.longTerm !== null);
  if (f.longTerm) {
    w.ue(f.longTerm.length);
    for (const poc of f.longTerm) w.bits(poc % 2 ** f.log2MaxPocLsb, f.log2MaxPocLsb).flag(true);
  }
  w.flag(true).flag(false); // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
  writeSar(w, f.sar);
  w.flag(false); // sps_extension_present_flag
  return Uint8Array.from([0x42, 0x01, ...escapeRbsp(w.rbsp())]);
}

/** H.265 Table 6-1 and §7.4.3.2.1: the conformance-window size. */
export function expectedHevcSize(f: HevcSpsFields): { width: number; height: number } {
  if (!f.conformanceWindow) return { width: f.width, height: f.height };
  const chromaArrayType = f.separateColourPlane ? 0 : f.chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const [left, right, top, bottom] = f.conformanceWindow;
  return { width: f.width - subWidthC * (left + right), height: f.height - subHeightC * (top + bottom) };
}

export interface WaveFormatFields {
  formatTag: number;
  channels: number;
  samplesPerSec: number;
  avgBytesPerSec: number;
  blockAlign: number;
  bitsPerSample: number;
  cbSize?: number;
}

/** A little-endian WAVEFORMATEX (18 bytes + cbSize extra bytes), or WAVEFORMAT (16) without cbSize. */
export function writeWaveFormatEx(f: WaveFormatFields): Uint8Array {
  const out = new Uint8Array(f.cbSize === undefined ? 16 : 18 + f.cbSize);
  const view = new DataView(out.buffer);
  view.setUint16(0, f.formatTag, true);
  view.setUint16(2, f.channels, true);
  view.setUint32(4, f.samplesPerSec, true);
  view.setUint32(8, f.avgBytesPerSec, true);
  view.setUint16(12, f.blockAlign, true);
  view.setUint16(14, f.bitsPerSample, true);
  if (f.cbSize !== undefined) view.setUint16(16, f.cbSize, true);
  return out;
}

/** What writeAudioSpecificConfig needs; HE-AAC is written with explicit (hierarchical) signalling. */
export interface AudioSpecificConfigFields {
  /** The core object type (2 for AAC LC). */
  objectType: number;
  samplingFrequency: number;
  /** 1..7 or 11..14: a program_config_element is not written. */
  channelConfiguration: number;
  /** 960 (or 480 for ER AAC LD) sets frameLengthFlag; GA object types only. */
  frameLength?: number;
  sbr?: { extensionSamplingFrequency: number; ps: boolean };
}

const AAC_FREQUENCIES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** Object types with a GASpecificConfig, and the error-resilient ones (an epConfig follows). */
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);
const ER_OBJECT_TYPES = new Set([17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 39]);

/**
 * An AudioSpecificConfig as ISO/IEC 14496-3 §1.6.2.1 lays it out, for any object type (escaped ones
 * too), explicit rates, and GASpecificConfig with layerNr / epConfig where the object type has them.
 */
export function writeAudioSpecificConfig(fields: AudioSpecificConfigFields): Uint8Array {
  const w = new SyntaxWriter();
  const writeObjectType = (objectType: number): void => {
    if (objectType >= 32) w.bits(31, 5).bits(objectType - 32, 6);
    else w.bits(objectType, 5);
  };
  const writeFrequency = (frequency: number): void => {
    const index = AAC_FREQUENCIES.indexOf(frequency);
    if (index >= 0) w.bits(index, 4);
    else w.bits(15, 4).bits(frequency, 24);
  };
  writeObjectType(fields.sbr ? (fields.sbr.ps ? 29 : 5) : fields.objectType);
  writeFrequency(fields.samplingFrequency);
  w.bits(fields.channelConfiguration, 4);
  if (fields.sbr) {
    writeFrequency(fields.sbr.extensionSamplingFrequency);
    writeObjectType(fields.objectType);
    if (fields.objectType === 22) w.bits(0, 4); // ER BSAC: extensionChannelConfiguration
  }
  const core = fields.objectType;
  if (GA_OBJECT_TYPES.has(core)) {
    const shortFrames = fields.frameLength === 960 || fields.frameLength === 480;
    w.bits(shortFrames ? 1 : 0, 1)
      .bits(0, 1)
      .bits(0, 1); // frameLengthFlag, dependsOnCoreCoder, extensionFlag
    if (core === 6 || core === 20) w.bits(0, 3); // layerNr
    if (ER_OBJECT_TYPES.has(core)) w.bits(0, 2); // epConfig
  }
  return w.bytes();
}
