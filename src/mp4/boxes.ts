/**
 * Declarative ISO BMFF box builders. A box is a tree of parts whose sizes are known before anything
 * is written, so a whole header is sized first and then written once into one preallocated buffer
 * (no growing arrays, no per-box allocations besides the small part objects).
 */

import { keepLayout } from '../jit.js';

/** Something with a byte size known up front that can write itself at the writer's position. */
export interface Part {
  readonly size: number;
  write(w: BoxWriter): void;
}

const TWO_32 = 0x1_0000_0000;

/** Big-endian writer over a preallocated buffer. */
export class BoxWriter {
  readonly view: DataView;
  pos = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(v: number): void {
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u16(v: number): void {
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }
  u24(v: number): void {
    this.view.setUint8(this.pos, (v >>> 16) & 0xff);
    this.view.setUint16(this.pos + 1, v & 0xffff);
    this.pos += 3;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }
  i32(v: number): void {
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }
  /** Unsigned 64-bit from a safe integer (split, because DataView wants BigInt otherwise). */
  u64(v: number): void {
    this.view.setUint32(this.pos, Math.floor(v / TWO_32));
    this.view.setUint32(this.pos + 4, v % TWO_32);
    this.pos += 8;
  }
  fourcc(type: string): void {
    for (let i = 0; i < 4; i++) this.view.setUint8(this.pos + i, type.charCodeAt(i));
    this.pos += 4;
  }
  raw(data: Uint8Array): void {
    this.bytes.set(data, this.pos);
    this.pos += data.byteLength;
  }
}
keepLayout(new BoxWriter(new Uint8Array(0)));

export const u8 = (v: number): Part => ({ size: 1, write: (w) => w.u8(v) });
export const u16 = (v: number): Part => ({ size: 2, write: (w) => w.u16(v) });
const u24 = (v: number): Part => ({ size: 3, write: (w) => w.u24(v) });
export const u32 = (v: number): Part => ({ size: 4, write: (w) => w.u32(v) });
export const i32 = (v: number): Part => ({ size: 4, write: (w) => w.i32(v) });
export const u64 = (v: number): Part => ({ size: 8, write: (w) => w.u64(v) });
export const fourcc = (v: string): Part => ({ size: 4, write: (w) => w.fourcc(v) });
export const bytes = (v: Uint8Array): Part => ({ size: v.byteLength, write: (w) => w.raw(v) });
export const zeros = (n: number): Part => ({ size: n, write: (w) => void (w.pos += n) });

/** A table of `count` fixed-size rows written by a loop (sample tables: no object per row). */
export function table(count: number, rowSize: number, writeRows: (w: BoxWriter) => void): Part {
  return { size: count * rowSize, write: writeRows };
}

export type PartOrNothing = Part | null | undefined | false;

function sizeOf(parts: PartOrNothing[]): number {
  let size = 0;
  for (const p of parts) if (p) size += p.size;
  return size;
}

/** A plain box; children and fields are given in order, falsy entries are skipped. */
export function box(type: string, ...parts: PartOrNothing[]): Part {
  const bodySize = sizeOf(parts);
  const header = boxHeader(type, bodySize);
  return {
    size: header.size + bodySize,
    write(w) {
      header.write(w);
      for (const p of parts) if (p) p.write(w);
    },
  };
}

/** A full box: version (8 bits) and flags (24 bits) precede the body. */
export function fullBox(type: string, version: number, flags: number, ...parts: PartOrNothing[]): Part {
  return box(type, u8(version), u24(flags), ...parts);
}

/**
 * A box header for a body of `bodySize` bytes; used alone for mdat, whose payloads stay views of the
 * input. A body beyond 4 GiB − 8 needs the 64-bit largesize form.
 */
export function boxHeader(type: string, bodySize: number): Part {
  const large = bodySize + 8 > 0xffff_ffff;
  return {
    size: large ? 16 : 8,
    write(w) {
      if (large) {
        w.u32(1);
        w.fourcc(type);
        w.u64(bodySize + 16);
      } else {
        w.u32(bodySize + 8);
        w.fourcc(type);
      }
    },
  };
}

/** Writes parts back to back into one new buffer of exactly their total size. */
export function serialize(...parts: PartOrNothing[]): Uint8Array {
  const out = new Uint8Array(sizeOf(parts));
  const w = new BoxWriter(out);
  for (const p of parts) if (p) p.write(w);
  return out;
}

/** Unity transformation matrix (tkhd, mvhd). */
export const MATRIX: Part = {
  size: 36,
  write(w) {
    const m = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];
    for (const v of m) w.u32(v);
  },
};

/** True when a duration or time needs the 64-bit (version 1) field of mvhd/tkhd/mdhd/elst. */
export function needs64(...values: number[]): boolean {
  for (const v of values) if (v > 0xffff_ffff) return true;
  return false;
}
