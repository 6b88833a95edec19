/**
 * NAL unit framing: the length-prefixed form MP4 wants (AVCC/HVCC) and the start-code form
 * (Annex-B) that some producers send in CodecPrivate or frames. KVS's producer converts Annex-B to
 * length prefixes ("NAL adaptation"); we do the same on the way in.
 */
import { InvalidMediaFrameException } from '../errors.js';

export type NalLengthSize = 1 | 2 | 4;

/**
 * True when length prefixes of `lengthSize` bytes tile `data` exactly (every NAL unit fits and
 * nothing is left over). This runs on every video frame, so it is a bare loop over the prefixes.
 */
export function tilesExactly(data: Uint8Array, lengthSize: NalLengthSize): boolean {
  const end = data.length;
  let at = 0;
  if (lengthSize === 4) {
    while (at + 4 <= end) {
      at += 4 + (data[at] * 0x1000000 + ((data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3]));
    }
  } else if (lengthSize === 2) {
    while (at + 2 <= end) at += 2 + ((data[at] << 8) | data[at + 1]);
  } else {
    while (at < end) at += 1 + data[at];
  }
  return at === end;
}

/**
 * The NAL units of a length-prefixed frame (views), and when its prefixes do not tile it, why not (for
 * messages). Off the hot path: frames are checked with tilesExactly first.
 */
export function splitLengthPrefixed(data: Uint8Array, lengthSize: NalLengthSize): { units: Uint8Array[]; fault?: string } {
  const units: Uint8Array[] = [];
  for (let at = 0; at < data.length;) {
    if (at + lengthSize > data.length) {
      return { units, fault: `${data.length - at} byte(s) left at byte ${at}, too few for a ${lengthSize}-byte NAL length` };
    }
    let length = 0;
    for (let i = 0; i < lengthSize; i++) length = length * 256 + data[at + i];
    const start = at + lengthSize;
    if (start + length > data.length) {
      return { units, fault: `NAL unit length ${length} at byte ${at} runs past the frame's ${data.length} bytes` };
    }
    units.push(data.subarray(start, (at = start + length)));
  }
  return { units };
}

/**
 * True when `data` starts with a start code: two or more zero bytes, then 01 (Annex B allows leading
 * zero bytes before the first start code).
 */
export function startsWithStartCode(data: Uint8Array): boolean {
  let zeros = 0;
  while (zeros < data.length && data[zeros] === 0) zeros++;
  return zeros >= 2 && zeros < data.length && data[zeros] === 1;
}

/**
 * Views of the NAL units between start codes. Leading bytes before the first start code, the zero
 * bytes that pad a NAL unit before the next start code (trailing_zero_8bits), and empty units are
 * dropped. Emulation-prevention bytes stay: they are part of the NAL unit in both forms.
 */
export function splitAnnexB(data: Uint8Array): Uint8Array[] {
  const units: Uint8Array[] = [];
  let unitStart = -1;
  let at = 0;
  while (at + 2 < data.length) {
    // A start code ends with 01 after at least two zeros; jump from one 01 to the next.
    const one = data.indexOf(1, at + 2);
    if (one < 0) break;
    if (data[one - 1] === 0 && data[one - 2] === 0) {
      if (unitStart >= 0) pushTrimmed(units, data, unitStart, one - 2);
      unitStart = one + 1;
    }
    at = one - 1;
  }
  if (unitStart >= 0) pushTrimmed(units, data, unitStart, data.length);
  return units;
}

function pushTrimmed(units: Uint8Array[], data: Uint8Array, start: number, end: number): void {
  while (end > start && data[end - 1] === 0) end--;
  if (end > start) units.push(data.subarray(start, end));
}

/**
 * Re-frames an Annex-B frame with `lengthSize`-byte length prefixes (a new buffer: the lengths do not
 * fit where the start codes were when a start code is 3 bytes or the prefix is 4).
 */
export function annexBToLengthPrefixed(data: Uint8Array, lengthSize: NalLengthSize): Uint8Array {
  return joinLengthPrefixed(splitAnnexB(data), lengthSize);
}

/** Writes NAL units with `lengthSize`-byte length prefixes, one after another. */
export function joinLengthPrefixed(units: Uint8Array[], lengthSize: NalLengthSize): Uint8Array {
  const limit = 2 ** (8 * lengthSize) - 1;
  let size = 0;
  for (const unit of units) {
    if (unit.length > limit) {
      throw new InvalidMediaFrameException(`a ${unit.length}-byte NAL unit does not fit the stream's ${lengthSize}-byte NAL length field`);
    }
    size += lengthSize + unit.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const unit of units) {
    for (let shift = 8 * (lengthSize - 1); shift >= 0; shift -= 8) out[at++] = Math.floor(unit.length / 2 ** shift) & 0xff;
    out.set(unit, at);
    at += unit.length;
  }
  return out;
}
