/**
 * Element headers: an ID (1–4 bytes, marker bits kept) and a data size (1–8 bytes, any width may
 * mean "unknown"). Parsed straight from a byte array into a caller-owned object so walking
 * millions of elements allocates nothing.
 */

/** `size` value of an element whose size field has every data bit set (RFC 8794 §6.2). */
export const UNKNOWN_SIZE = -1;

/** Negative results of readElementHeader; 0 means "the bytes end inside the header". */
export const HEADER_INCOMPLETE = 0;
export const HEADER_BAD_ID = -1;
export const HEADER_BAD_SIZE = -2;
export const HEADER_SIZE_TOO_LARGE = -3;

/** The longest header: a 4-byte ID and an 8-byte size. */
export const MAX_HEADER_LENGTH = 12;

export interface ElementHeader {
  id: number;
  /** Data size in bytes, or UNKNOWN_SIZE. */
  size: number;
}

/** Length of a variable-size integer from its first byte: 1–8, or 0 when the byte is 0 (invalid). */
export function vintLength(firstByte: number): number {
  return firstByte === 0 ? 0 : Math.clz32(firstByte) - 23;
}

/**
 * Reads the header at `bytes[pos]` (not past `end`) into `out` and returns its length, or
 * HEADER_INCOMPLETE / HEADER_BAD_ID / HEADER_BAD_SIZE / HEADER_SIZE_TOO_LARGE.
 */
export function readElementHeader(bytes: Uint8Array, pos: number, end: number, out: ElementHeader): number {
  if (pos >= end) return HEADER_INCOMPLETE;
  const first = bytes[pos];
  const idLength = first >= 0x80 ? 1 : first >= 0x40 ? 2 : first >= 0x20 ? 3 : first >= 0x10 ? 4 : 0;
  if (idLength === 0) return HEADER_BAD_ID;
  if (pos + idLength >= end) return HEADER_INCOMPLETE;
  let id = first;
  for (let i = 1; i < idLength; i++) id = (id << 8) | bytes[pos + i];
  // IDs whose data bits are all 0 or all 1 are reserved.
  const idDataMask = 2 ** (7 * idLength) - 1;
  const idData = id & idDataMask;
  if (idData === 0 || idData === idDataMask) return HEADER_BAD_ID;

  const p = pos + idLength;
  const sizeLength = vintLength(bytes[p]);
  if (sizeLength === 0) return HEADER_BAD_SIZE;
  if (p + sizeLength > end) return HEADER_INCOMPLETE;
  const firstMask = 0xff >> sizeLength;
  let size = bytes[p] & firstMask;
  let allOnes = size === firstMask;
  for (let i = 1; i < sizeLength; i++) {
    const b = bytes[p + i];
    // Exact up to 2^53; anything larger stays > MAX_SAFE_INTEGER after rounding and is rejected.
    size = size * 256 + b;
    if (b !== 0xff) allOnes = false;
  }
  out.id = id;
  if (allOnes) out.size = UNKNOWN_SIZE;
  else if (size > Number.MAX_SAFE_INTEGER) return HEADER_SIZE_TOO_LARGE;
  else out.size = size;
  return idLength + sizeLength;
}

/** Why a header could not be read, for error messages. */
export function headerProblem(code: number): string {
  switch (code) {
    case HEADER_BAD_ID:
      return 'invalid EBML element ID';
    case HEADER_BAD_SIZE:
      return 'invalid EBML size field (first byte 0x00)';
    case HEADER_SIZE_TOO_LARGE:
      return 'EBML element size larger than 2^53 - 1';
    default:
      return 'EBML element header cut short';
  }
}

/** `0x1A45DFA3`-style spelling of an ID, for messages. */
export function formatId(id: number): string {
  return `0x${id.toString(16).toUpperCase()}`;
}
