/**
 * The two FLAC checksums (RFC 9639 §9.1.8 and §9.3): CRC-8 of a frame header, polynomial
 * x^8 + x^2 + x + 1 (0x07), and CRC-16 of a whole frame, polynomial x^16 + x^15 + x^2 + 1 (0x8005).
 * Both start at 0, are MSB-first (no reflection) and have no final XOR.
 */

function table8(): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let b = 0; b < 8; b++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    t[i] = c;
  }
  return t;
}

/** Slice-by-2 tables for CRC-16: T0 is the byte table, T1[i] = T0 advanced one more zero byte. */
function tables16(): Uint16Array {
  const t = new Uint16Array(512);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) t[256 + i] = ((t[i] << 8) & 0xffff) ^ t[t[i] >> 8];
  return t;
}

const CRC8 = table8();
const CRC16 = tables16();

/** CRC-8 (FLAC frame header) of `bytes[start, end)`. */
export function crc8(bytes: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) c = CRC8[c ^ bytes[i]];
  return c;
}

/** CRC-16 (FLAC frame footer) of `bytes[start, end)`. */
export function crc16(bytes: Uint8Array, start: number, end: number): number {
  const t = CRC16;
  let c = 0;
  let i = start;
  // Two bytes per step: c' = T1[hi(c) ^ b0] ^ T0[lo(c) ^ b1].
  for (const stop = end - 1; i < stop; i += 2) c = t[256 + ((c >> 8) ^ bytes[i])] ^ t[(c & 0xff) ^ bytes[i + 1]];
  if (i < end) c = ((c << 8) & 0xffff) ^ t[(c >> 8) ^ bytes[i]];
  return c;
}
