/**
 * Syntax that H.264 and H.265 share: parameter-set lists in their decoder configuration records
 * (avcC, hvcC), and the SPS's cropping and VUI aspect ratio (ITU-T H.264 / H.265, Annex E).
 */
import { InvalidCodecPrivateDataException } from '../errors.js';
import type { BitReader } from './bits.js';

/**
 * `count` NAL units with 16-bit lengths from `at` in a decoder configuration record (avcC and hvcC
 * lay them out alike), each at least its `headerBytes` long, with forbidden_zero_bit clear and of
 * `type`. `name` says which units, for `fail`'s messages. Returns the units (views) and where they end.
 */
export function readRecordUnits(
  bytes: Uint8Array,
  at: number,
  count: number,
  headerBytes: number,
  typeOf: (nal: Uint8Array) => number,
  type: number,
  name: string,
  fail: (problem: string) => never,
): [Uint8Array[], number] {
  const units: Uint8Array[] = [];
  for (let i = 1; i <= count; i++) {
    if (at + 2 > bytes.length) fail(`ends inside the length of ${name} #${i}`);
    const length = (bytes[at] << 8) | bytes[at + 1];
    at += 2;
    if (length < headerBytes) fail(`has a ${length}-byte ${name} #${i}, shorter than a NAL header`);
    if (at + length > bytes.length) fail(`${name} #${i} (${length} bytes) runs past the record's ${bytes.length} bytes`);
    const unit = bytes.subarray(at, at + length);
    if ((unit[0] & 0x80) !== 0 || typeOf(unit) !== type) {
      fail(`${name} #${i} has NAL header 0x${unit[0].toString(16)}, not a NAL unit of type ${type}`);
    }
    units.push(unit);
    at += length;
  }
  return [units, at];
}

/** Appends NAL units with 16-bit lengths, as avcC and hvcC hold them. `record` names it for the error. */
export function pushRecordUnits(out: number[], units: readonly Uint8Array[], record: string): void {
  for (const unit of units) {
    // Parameter sets can come from frames, so a violation is bad input, not a programming error.
    if (unit.length > 0xffff) throw new InvalidCodecPrivateDataException(`a ${unit.length}-byte NAL unit does not fit an ${record}`);
    out.push(unit.length >> 8, unit.length & 0xff);
    for (const byte of unit) out.push(byte);
  }
}

/** Table E-1: aspect_ratio_idc 1..16. */
const SAR_TABLE: ReadonlyArray<readonly [number, number]> = [
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
const EXTENDED_SAR = 255;

/**
 * The display size: the coded size minus frame cropping (H.264 §7.4.2.1.1) or the conformance window
 * (H.265 §7.4.3.2.1), both four ue(v) offsets (left, right, top, bottom) in chroma sample units, after
 * their present flag. ChromaArrayType 0 (monochrome, separate planes) crops in luma samples.
 * `rowsPerUnit` doubles the vertical unit for H.264 field coding.
 */
export function readCroppedSize(
  r: BitReader,
  codedWidth: number,
  codedHeight: number,
  chromaArrayType: number,
  rowsPerUnit: number,
): [number, number] {
  if (!r.flag()) return [codedWidth, codedHeight];
  const unitX = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const unitY = (chromaArrayType === 1 ? 2 : 1) * rowsPerUnit;
  const width = codedWidth - unitX * (r.ue() + r.ue());
  const height = codedHeight - unitY * (r.ue() + r.ue());
  if (width <= 0 || height <= 0) r.fail(`crops its ${codedWidth}x${codedHeight} picture to nothing`);
  return [width, height];
}

/**
 * vui_parameters_present_flag, then aspect_ratio_info_present_flag, aspect_ratio_idc and the optional
 * explicit SAR (H.264 and H.265 VUI start alike and share Table E-1). Square pixels when absent.
 */
export function readVuiSar(r: BitReader): readonly [number, number] {
  if (!r.flag() || !r.flag()) return [1, 1];
  const idc = r.bits(8);
  if (idc === EXTENDED_SAR) {
    const w = r.bits(16);
    const h = r.bits(16);
    return w > 0 && h > 0 ? [w, h] : [1, 1];
  }
  // 0 is "unspecified" and 17..254 are reserved: both mean square pixels to a player.
  return SAR_TABLE[idc - 1] ?? [1, 1];
}
