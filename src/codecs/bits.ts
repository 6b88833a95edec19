/**
 * Bit-level reading of codec configuration: SPS/PPS/VPS (after emulation-prevention removal) and
 * AudioSpecificConfig. Everything read here is codec private data (or parameter sets standing in for
 * it), so running off the end is reported as InvalidCodecPrivateDataException; callers that know the
 * track and fragment re-raise it with that place.
 */
import { InvalidCodecPrivateDataException } from '../errors.js';
import { keepLayout } from '../jit.js';

export class BitReader {
  // #private names: the minifier shortens them (this class is in every browser bundle).
  readonly #bytes: Uint8Array;
  readonly #what: string;
  readonly #totalBits: number;
  #position = 0;

  /** `what` names the structure being read, for error messages ("H.264 SPS", "AudioSpecificConfig"). */
  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#what = what;
    this.#totalBits = bytes.length * 8;
  }

  get bitsLeft(): number {
    return this.#totalBits - this.#position;
  }

  flag(): boolean {
    return this.bits(1) === 1;
  }

  /** An unsigned value of up to 32 bits (arithmetic, so 32-bit values stay positive). */
  bits(count: number): number {
    if (count > this.bitsLeft) {
      this.fail(`ends early: needed ${count} more bit(s) at bit ${this.#position} of ${this.#totalBits}`);
    }
    let value = 0;
    for (let i = 0; i < count; i++, this.#position++) {
      value = value * 2 + ((this.#bytes[this.#position >> 3] >> (7 - (this.#position & 7))) & 1);
    }
    return value;
  }

  /** Skips `count` bits (any number: the SPS skips whole sub-layer profiles of 88). */
  skip(count: number): void {
    if (count > this.bitsLeft) this.bits(count); // raises the "ends early" error
    this.#position += count;
  }

  /** Skips to the next byte boundary (counted from the start of the bytes read). */
  alignToByte(): void {
    this.skip((8 - (this.#position & 7)) & 7);
  }

  /** Unsigned Exp-Golomb, ue(v). More than 31 leading zeros cannot be a valid 32-bit code. */
  ue(): number {
    let leadingZeros = 0;
    while (!this.flag()) {
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
    throw new InvalidCodecPrivateDataException(`${this.#what} ${problem}`);
  }
}
keepLayout(new BitReader(new Uint8Array(0), ''));

/**
 * Removes emulation-prevention bytes (00 00 03 → 00 00) from a NAL unit. Returns the input view
 * itself when it has none, which is the usual case for parameter sets (the only units read here).
 */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of nal) {
    if (byte === 3 && zeros >= 2) {
      zeros = 0; // the 03 is dropped, and the zeros before it count no more
      continue;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.length === nal.length ? nal : Uint8Array.from(out);
}

/**
 * A reader of a parameter set's RBSP (after its NAL header of `headerBytes`), once the unit is at
 * least `minLength` bytes and its type, `nalType`, is the `expected` one. `what` names it ("H.264 SPS").
 */
export function rbspReader(
  nal: Uint8Array,
  headerBytes: 1 | 2,
  nalType: number,
  expected: number,
  minLength: number,
  what: string,
): BitReader {
  if (nal.length < minLength || nalType !== expected) {
    throw new InvalidCodecPrivateDataException(`${what} is too short or not a NAL unit of type ${expected}`);
  }
  return new BitReader(unescapeRbsp(nal.subarray(headerBytes)), what);
}
