/**
 * Bit-level reading of codec configuration: SPS/PPS/VPS (after emulation-prevention removal) and
 * AudioSpecificConfig. Everything read here is codec private data (or parameter sets standing in for
 * it), so running off the end is reported as InvalidCodecPrivateDataException; callers that know the
 * track and fragment re-raise it with that place.
 */
import { InvalidCodecPrivateDataException } from '../errors.js';

export class BitReader {
  private position = 0;
  private readonly totalBits: number;

  /** `what` names the structure being read, for error messages ("H.264 SPS", "AudioSpecificConfig"). */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.totalBits = bytes.length * 8;
  }

  get bitsLeft(): number {
    return this.totalBits - this.position;
  }

  get bitPosition(): number {
    return this.position;
  }

  bit(): number {
    if (this.position >= this.totalBits) this.overrun(1);
    const value = (this.bytes[this.position >> 3] >> (7 - (this.position & 7))) & 1;
    this.position++;
    return value;
  }

  flag(): boolean {
    return this.bit() === 1;
  }

  /** An unsigned value of up to 32 bits (arithmetic, so 32-bit values stay positive). */
  bits(count: number): number {
    if (count > this.bitsLeft) this.overrun(count);
    let value = 0;
    for (let i = 0; i < count; i++) {
      value = value * 2 + ((this.bytes[this.position >> 3] >> (7 - (this.position & 7))) & 1);
      this.position++;
    }
    return value;
  }

  skip(count: number): void {
    if (count > this.bitsLeft) this.overrun(count);
    this.position += count;
  }

  /** Skips to the next byte boundary (counted from the start of the bytes read). */
  alignToByte(): void {
    this.skip((8 - (this.position & 7)) & 7);
  }

  /** Unsigned Exp-Golomb, ue(v). More than 31 leading zeros cannot be a valid 32-bit code. */
  ue(): number {
    let leadingZeros = 0;
    while (this.bit() === 0) {
      if (++leadingZeros > 31) this.fail('has an Exp-Golomb code longer than 32 bits');
    }
    return leadingZeros === 0 ? 0 : 2 ** leadingZeros - 1 + this.bits(leadingZeros);
  }

  /** ue(v) that must not exceed `max` (the syntax element's allowed range). */
  ueMax(max: number, field: string): number {
    const value = this.ue();
    if (value > max) this.fail(`has ${field} = ${value}, above ${max}`);
    return value;
  }

  /** Signed Exp-Golomb, se(v). */
  se(): number {
    const code = this.ue();
    return code % 2 === 1 ? (code + 1) / 2 : -(code / 2);
  }

  fail(problem: string): never {
    throw new InvalidCodecPrivateDataException(`${this.what} ${problem}`);
  }

  private overrun(wanted: number): never {
    this.fail(`ends early: needed ${wanted} more bit(s) at bit ${this.position} of ${this.totalBits}`);
  }
}

/**
 * Removes emulation-prevention bytes (00 00 03 → 00 00) from a NAL unit. Returns the input view
 * itself when it has none, which is the usual case for parameter sets.
 */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const first = findEmulationPrevention(nal, 0);
  if (first < 0) return nal;
  const out = new Uint8Array(nal.length);
  let written = 0;
  let from = 0;
  for (let at = first; at >= 0; at = findEmulationPrevention(nal, at + 1)) {
    out.set(nal.subarray(from, at), written);
    written += at - from;
    from = at + 1;
  }
  out.set(nal.subarray(from), written);
  written += nal.length - from;
  return out.subarray(0, written);
}

/** Index of the 03 in the next 00 00 03 at or after `start` (counting zeros from the start). */
function findEmulationPrevention(nal: Uint8Array, start: number): number {
  let zeros = 0;
  for (let i = start; i < nal.length; i++) {
    const byte = nal[i];
    if (byte === 3 && zeros >= 2) return i;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return -1;
}

/** Writes fields of up to 32 bits, most significant bit first (for AudioSpecificConfig). */
export class BitWriter {
  private readonly out: number[] = [];
  private current = 0;
  private used = 0;

  bits(value: number, count: number): this {
    for (let i = count - 1; i >= 0; i--) {
      this.current = (this.current << 1) | (Math.floor(value / 2 ** i) & 1);
      if (++this.used === 8) {
        this.out.push(this.current);
        this.current = 0;
        this.used = 0;
      }
    }
    return this;
  }

  /** The bytes written, the last one padded with zero bits. */
  bytes(): Uint8Array {
    const tail = this.used > 0 ? [this.current << (8 - this.used)] : [];
    return Uint8Array.from([...this.out, ...tail]);
  }
}
