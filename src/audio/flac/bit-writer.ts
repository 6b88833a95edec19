/**
 * MSB-first bit writer for FLAC frames: a 32-bit accumulator flushed as big-endian words into a
 * growable byte buffer.
 *
 * The accumulator holds the pending bits in its low `32 - free` bits; whatever sits above them is
 * left over from earlier values and falls off the top when the word is completed (`acc << free`),
 * so values never need masking against the accumulator. Capacity is reserved up front (`reserve`) by callers
 * that know their size, so the hot loops write without bounds checks: a write past the end of a
 * typed array is silently dropped by JavaScript, and the encoder compares the final position with
 * the size it computed before writing.
 */
export class BitWriter {
  /** The buffer; replaced by a larger one when `reserve` grows it. */
  declare bytes: Uint8Array;
  /** Index of the next whole byte (bits still in the accumulator are not counted). */
  declare pos: number;
  /** [0]: the accumulator; [1]: free bits in it (1..32). */
  declare private readonly state: Int32Array;

  constructor(capacity = 4096) {
    this.bytes = new Uint8Array(capacity);
    this.pos = 0;
    this.state = Int32Array.of(0, 32);
  }

  /** Starts again at byte 0 (the buffer is kept). */
  reset(): void {
    this.pos = 0;
    this.state[0] = 0;
    this.state[1] = 32;
  }

  /** Continues in `bytes` at byte `pos` (the caller guarantees the room), with nothing pending. */
  start(bytes: Uint8Array, pos: number): void {
    this.bytes = bytes;
    this.pos = pos;
    this.state[0] = 0;
    this.state[1] = 32;
  }

  /** Makes room for `byteCount` more bytes after the current position (plus the accumulator). */
  reserve(byteCount: number): void {
    const need = this.pos + byteCount + 8;
    if (need <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
  }

  /** Bits written so far, including the ones still in the accumulator. */
  get bitLength(): number {
    return this.pos * 8 + (32 - this.state[1]);
  }

  /** Writes 8 bits (the frame header's bytes). */
  byte(value: number): void {
    this.bits(value & 0xff, 8);
  }

  /**
   * Writes the low `n` bits of `value` (0 ≤ n ≤ 32), most significant first. Negative values are
   * written in two's complement, so this also writes signed fields.
   */
  bits(value: number, n: number): void {
    if (n > 24) {
      // Split so that every write below is at most 24 bits (and shifts stay under 32).
      this.bits(Math.floor(value / 0x1000000) & 0xff, n - 24);
      this.bits(value & 0xffffff, 24);
      return;
    }
    if (n === 0) return;
    const v = value & ((1 << n) - 1);
    const state = this.state;
    const free = state[1];
    if (n < free) {
      state[0] = (state[0] << n) | v;
      state[1] = free - n;
    } else {
      const rest = n - free;
      const word = (state[0] << free) | (v >>> rest);
      const b = this.bytes;
      const p = this.pos;
      b[p] = word >>> 24;
      b[p + 1] = word >>> 16;
      b[p + 2] = word >>> 8;
      b[p + 3] = word;
      this.pos = p + 4;
      state[0] = v;
      state[1] = 32 - rest;
    }
  }

  /** Writes `count` zero bits. */
  zeros(count: number): void {
    while (count > 24) {
      this.bits(0, 24);
      count -= 24;
    }
    this.bits(0, count);
  }

  /**
   * Writes `x[start, end)` as `n`-bit two's complement numbers (1 ≤ n ≤ 31): verbatim subframes,
   * warm-up samples, escaped residual partitions.
   */
  signedRun(x: Int32Array, start: number, end: number, n: number): void {
    if (n === 0 || start >= end) return;
    const mask = n === 32 ? -1 : (1 << n) - 1;
    if (n > 24) {
      for (let i = start; i < end; i++) this.bits(x[i], n);
      return;
    }
    const state = this.state;
    let acc = state[0];
    let free = state[1];
    let p = this.pos;
    const b = this.bytes;
    for (let i = start; i < end; i++) {
      const v = x[i] & mask;
      if (n < free) {
        acc = (acc << n) | v;
        free -= n;
      } else {
        const rest = n - free;
        const word = (acc << free) | (v >>> rest);
        b[p] = word >>> 24;
        b[p + 1] = word >>> 16;
        b[p + 2] = word >>> 8;
        b[p + 3] = word;
        p += 4;
        acc = v;
        free = 32 - rest;
      }
    }
    state[0] = acc;
    state[1] = free;
    this.pos = p;
  }

  /**
   * Writes the residuals `r[start, end)` as Rice codes with parameter `k` (0 ≤ k ≤ 30): each is
   * zigzag-folded (u = 2r for r ≥ 0, -2r - 1 for r < 0), then written as u >> k in unary (zeros and
   * a one) followed by the low k bits of u. Callers guarantee |r| < 2^30.
   */
  riceRun(r: Int32Array, start: number, end: number, k: number): void {
    const state = this.state;
    let acc = state[0];
    let free = state[1];
    let p = this.pos;
    const b = this.bytes;
    const mask = (1 << k) - 1;
    const top = 1 << k;
    for (let i = start; i < end; i++) {
      const x = r[i];
      const u = (x << 1) ^ (x >> 31);
      let q = u >>> k;
      let n = q + 1 + k;
      const v = top | (u & mask);
      if (n > 31) {
        // Long unary part: flush the zeros in pieces first, then the stop bit and the low bits.
        while (q > 0) {
          const z = q > 24 ? 24 : q;
          if (z < free) {
            acc <<= z;
            free -= z;
          } else {
            const word = acc << free;
            b[p] = word >>> 24;
            b[p + 1] = word >>> 16;
            b[p + 2] = word >>> 8;
            b[p + 3] = word;
            p += 4;
            acc = 0;
            free = 32 - (z - free);
          }
          q -= z;
        }
        n = 1 + k; // ≤ 31: one write below
      }
      if (n < free) {
        acc = (acc << n) | v;
        free -= n;
      } else {
        const rest = n - free;
        const word = (acc << free) | (v >>> rest);
        b[p] = word >>> 24;
        b[p + 1] = word >>> 16;
        b[p + 2] = word >>> 8;
        b[p + 3] = word;
        p += 4;
        acc = v;
        free = 32 - rest;
      }
    }
    state[0] = acc;
    state[1] = free;
    this.pos = p;
  }

  /** Pads with zero bits to a byte boundary and writes out the accumulator; `pos` is then exact. */
  alignToByte(): void {
    const state = this.state;
    const pending = 32 - state[1];
    if (pending === 0) return;
    const word = state[0] << state[1];
    const b = this.bytes;
    let p = this.pos;
    b[p++] = word >>> 24;
    if (pending > 8) b[p++] = word >>> 16;
    if (pending > 16) b[p++] = word >>> 8;
    if (pending > 24) b[p++] = word;
    this.pos = p;
    state[0] = 0;
    state[1] = 32;
  }
}
