/**
 * Element values (RFC 8794 §7): unsigned integers of 0–8 bytes (exact: a bigint when a value
 * passes 2^53 - 1), floats of 0/4/8 bytes, and strings with their NUL padding removed.
 */
import { EbmlError } from './errors.js';

const utf8 = new TextDecoder('utf-8');

/** An unsigned integer of up to 8 bytes, exactly: a number when it is ≤ 2^53 - 1, else a bigint. */
export function readUint(bytes: Uint8Array, start: number, end: number, byteOffset: number): number | bigint {
  const length = end - start;
  if (length > 8) throw new EbmlError(`unsigned integer of ${length} bytes (at most 8)`, byteOffset);
  if (length <= 6) {
    let value = 0;
    for (let i = start; i < end; i++) value = value * 256 + bytes[i];
    return value;
  }
  let value = 0n;
  for (let i = start; i < end; i++) value = (value << 8n) | BigInt(bytes[i]);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** An unsigned integer that must fit a number exactly (sizes, timecodes, track numbers…). */
export function readSafeUint(bytes: Uint8Array, start: number, end: number, byteOffset: number, what: string): number {
  const value = readUint(bytes, start, end, byteOffset);
  if (typeof value === 'bigint') throw new EbmlError(`${what} ${value} is larger than 2^53 - 1`, byteOffset);
  return value;
}

/** An IEEE 754 float of 0, 4 or 8 bytes (big-endian). */
export function readFloat(bytes: Uint8Array, start: number, end: number, byteOffset: number): number {
  const length = end - start;
  if (length === 0) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, length);
  if (length === 4) return view.getFloat32(0);
  if (length === 8) return view.getFloat64(0);
  throw new EbmlError(`float of ${length} bytes (must be 0, 4 or 8)`, byteOffset);
}

/** A UTF-8 (or ASCII) string; it ends at the first NUL, since producers pad with NULs. */
export function readString(bytes: Uint8Array, start: number, end: number): string {
  let stop = start;
  let ascii = true;
  while (stop < end && bytes[stop] !== 0) {
    if (bytes[stop] >= 0x80) ascii = false;
    stop++;
  }
  if (!ascii) return utf8.decode(bytes.subarray(start, stop));
  // Short ASCII strings (tag names, codec IDs) are the common case; skip the decoder for them.
  let text = '';
  for (let i = start; i < stop; i++) text += String.fromCharCode(bytes[i]);
  return text;
}
