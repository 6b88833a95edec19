/**
 * Choosing how to code a residual (RFC 9639 §9.2.7): partition order, and per partition a Rice
 * parameter or an escape (fixed-width two's complement, possibly 0 bits when every residual of the
 * partition is 0), with 4-bit parameters unless a parameter above 14 pays for the 5-bit form.
 *
 * Estimates come from sums of folded residuals: `layout` picks the finest partitioning allowed, one
 * pass over the residual (`accumulate`, or the encoder's residual loops, which fold as they compute)
 * collects the sum and the bitwise OR of the folded values of each of its partitions, and `choose`
 * evaluates every coarser partitioning as pairwise merges of those. `refine` then counts the exact
 * size of the chosen plan, trying the Rice parameters next to each estimate, so the encoder knows
 * every frame's size in bits before writing it. (`plan` = layout + accumulate + choose.)
 */

/** Highest partition order allowed in the streamable subset (RFC 9639 §7). */
export const MAX_PARTITION_ORDER = 8;
const MAX_PARTITIONS = 1 << MAX_PARTITION_ORDER;
/**
 * Partitions are not split below this many samples: each costs a 4-bit parameter, and on 160-sample
 * telephone frames splitting to 10 or 5 samples saved 0.02% while doubling the search.
 */
const MIN_PARTITION_SIZE = 16;
const ESCAPE = -1;

/** How one residual is coded, with its size in bits. */
export class RicePlan {
  /** Partition order (partitions = 2^order). */
  declare partitionOrder: number;
  /** 0: 4-bit Rice parameters (escape 0b1111), 1: 5-bit (escape 0b11111). */
  declare method: number;
  /** Rice parameter of each partition, or -1 for an escaped partition. */
  declare readonly params: Int32Array;
  /** Bits per residual of each escaped partition (0..31). */
  declare readonly rawBits: Int32Array;
  /** Size of the coded residual in bits, from the coding method field to the last partition. */
  declare bits: number;

  constructor() {
    this.partitionOrder = 0;
    this.method = 0;
    this.params = new Int32Array(MAX_PARTITIONS);
    this.rawBits = new Int32Array(MAX_PARTITIONS);
    this.bits = 0;
  }
}

/** 2^-k for k = 0..31. */
const INV_POW2 = new Float64Array(32).map((_, k) => 2 ** -k);

/** Estimated bits of the Rice codes: (k + 1) per residual, plus Σ(u >> k) ≈ (sum - count·(2^k - 1)/2) / 2^k. */
function estimateBits(sum: number, count: number, k: number): number {
  if (k === 0) return count + sum;
  const high = (sum - count * 0.5 * ((1 << k) - 1)) * INV_POW2[k];
  return count * (k + 1) + (high > 0 ? high : 0);
}

/**
 * Estimated best Rice parameter for `count` folded residuals summing to `sum`: floor(log2(mean)) or
 * one less, whichever the estimate prefers (2^k ≈ 0.7 · mean is the optimum for geometric residuals).
 */
function estimateParam(sum: number, count: number): number {
  const mean = sum / count;
  if (mean < 1) return 0;
  let k = mean < 2147483648 ? 31 - Math.clz32(mean) : Math.min(30, Math.floor(Math.log2(mean)));
  if (k > 30) k = 30;
  if (k > 0 && estimateBits(sum, count, k - 1) <= estimateBits(sum, count, k)) k--;
  return k;
}

/** Plans Rice coding; keeps the per-level working memory between calls. */
export class RicePlanner {
  /**
   * Per partition of the finest level: sum and bitwise OR of the folded residuals. Filled by
   * {@link RicePlanner.accumulate}, or directly by residual loops that fold as they go (encoder.ts).
   */
  declare readonly sums: Float64Array;
  declare readonly ors: Int32Array;
  /** Finest partition order of the current layout, and its partition size. */
  declare top: number;
  declare size: number;
  /** Parameters per level: level p at [p * MAX_PARTITIONS, …). */
  declare private readonly levelParams: Int32Array;
  declare private readonly levelRaw: Int32Array;

  constructor() {
    this.sums = new Float64Array(MAX_PARTITIONS);
    this.ors = new Int32Array(MAX_PARTITIONS);
    this.top = 0;
    this.size = 0;
    this.levelParams = new Int32Array((MAX_PARTITION_ORDER + 1) * MAX_PARTITIONS);
    this.levelRaw = new Int32Array((MAX_PARTITION_ORDER + 1) * MAX_PARTITIONS);
  }

  /**
   * Sets the finest partitioning for a block of `n` with predictor order `order`: the highest order
   * ≤ `maxPartitionOrder` that divides `n`, leaves partitions longer than `order` (RFC 9639 §9.2.7)
   * and not shorter than {@link MIN_PARTITION_SIZE}. Returns the partition size.
   */
  layout(n: number, order: number, maxPartitionOrder: number): number {
    let top = maxPartitionOrder;
    while (top > 0 && ((n & ((1 << top) - 1)) !== 0 || n >> top <= order || n >> top < MIN_PARTITION_SIZE)) top--;
    this.top = top;
    this.size = n >> top;
    return this.size;
  }

  /** Fills `sums` and `ors` from the residual `r[order, n)` for the current layout. */
  accumulate(r: Int32Array, n: number, order: number): void {
    const sums = this.sums;
    const ors = this.ors;
    const size = this.size;
    let i = order;
    for (let j = 0, end = size; end <= n; j++, end += size) {
      let s = 0;
      let o = 0;
      for (; i < end; i++) {
        const x = r[i];
        const u = (x << 1) ^ (x >> 31);
        s += u;
        o |= u;
      }
      sums[j] = s;
      ors[j] = o;
    }
  }

  /**
   * Estimates the best coding of `r[order, n)` (the first `order` samples are warm-up) and stores it
   * in `plan`; returns the estimated size in bits. Residuals must satisfy |r| < 2^30.
   */
  plan(r: Int32Array, n: number, order: number, maxPartitionOrder: number, escapes: boolean, plan: RicePlan): number {
    this.layout(n, order, maxPartitionOrder);
    this.accumulate(r, n, order);
    return this.choose(n, order, escapes, plan);
  }

  /**
   * The level search of {@link RicePlanner.plan}, from `sums` and `ors` already filled for the
   * current layout (they are consumed: merged in place into coarser levels).
   */
  choose(n: number, order: number, escapes: boolean, plan: RicePlan): number {
    const top = this.top;
    const sums = this.sums;
    const ors = this.ors;
    let bestBits = Infinity;
    let bestLevel = 0;
    let bestMethod = 0;
    const levelParams = this.levelParams;
    const levelRaw = this.levelRaw;
    for (let p = top; p >= 0; p--) {
      const count = 1 << p;
      const psize = n >> p;
      const base = p * MAX_PARTITIONS;
      // Sizes with 4-bit parameters (k ≤ 14) and with 5-bit ones (k ≤ 30); escapes fit both.
      let bits4 = 0;
      let bits5 = 0;
      let needs5 = false;
      for (let j = 0; j < count; j++) {
        const c = j === 0 ? psize - order : psize;
        const s = sums[j];
        let k = estimateParam(s, c);
        let rice5 = estimateBits(s, c, k);
        let rice4 = rice5;
        if (k > 14) {
          needs5 = true;
          rice4 = estimateBits(s, c, 14);
        }
        const o = ors[j];
        const raw = o === 0 ? 0 : 32 - Math.clz32(o);
        const escape = 5 + c * raw;
        if (escapes && escape < rice5) {
          rice5 = escape;
          k = ESCAPE;
        }
        if (escapes && escape < rice4) rice4 = escape;
        levelParams[base + j] = k;
        levelRaw[base + j] = raw;
        bits4 += rice4 + 4;
        bits5 += rice5 + 5;
      }
      const method = needs5 && bits5 < bits4 ? 1 : 0;
      const bits = 6 + (method ? bits5 : bits4);
      if (bits < bestBits) {
        bestBits = bits;
        bestLevel = p;
        bestMethod = method;
      }
      if (p > 0) {
        for (let j = 0; j < count >> 1; j++) {
          sums[j] = sums[2 * j] + sums[2 * j + 1];
          ors[j] = ors[2 * j] | ors[2 * j + 1];
        }
      }
    }

    // Whole bits: the estimate is fractional, and integer fields keep one representation in V8.
    bestBits = Math.ceil(bestBits);
    plan.partitionOrder = bestLevel;
    plan.method = bestMethod;
    plan.bits = bestBits;
    const base = bestLevel * MAX_PARTITIONS;
    const limit = bestMethod ? 30 : 14;
    for (let j = 0, count = 1 << bestLevel; j < count; j++) {
      let k = levelParams[base + j];
      if (k > limit) k = limit;
      plan.params[j] = k;
      plan.rawBits[j] = levelRaw[base + j];
    }
    return bestBits;
  }

  /**
   * Counts the exact size of `plan` for `r`, moving each Rice parameter to its best neighbour (or
   * to an escape) when that is smaller, and dropping to 4-bit parameters when none needs 5; returns
   * the exact size in bits, also stored in `plan.bits`.
   */
  refine(r: Int32Array, n: number, order: number, escapes: boolean, plan: RicePlan): number {
    const p = plan.partitionOrder;
    const count = 1 << p;
    const psize = n >> p;
    const limit = plan.method ? 30 : 14;
    const params = plan.params;
    let total = 0;
    let maxK = 0;
    for (let j = 0; j < count; j++) {
      const start = j === 0 ? order : j * psize;
      const end = (j + 1) * psize;
      const c = end - start;
      const escape = 5 + c * plan.rawBits[j];
      let k = params[j];
      let best: number;
      if (k === ESCAPE) {
        best = escape;
      } else {
        const lo = k > 0 ? k - 1 : 0;
        const hi = k < limit ? k + 1 : limit;
        let sLo = 0;
        let sMid = 0;
        let sHi = 0;
        for (let i = start; i < end; i++) {
          const x = r[i];
          const u = (x << 1) ^ (x >> 31);
          sLo += u >>> lo;
          sMid += u >>> k;
          sHi += u >>> hi;
        }
        best = sMid + c * (k + 1);
        const bLo = sLo + c * (lo + 1);
        const bHi = sHi + c * (hi + 1);
        if (bLo < best) {
          best = bLo;
          k = lo;
        }
        if (bHi < best) {
          best = bHi;
          k = hi;
        }
        if (escapes && escape < best) {
          best = escape;
          k = ESCAPE;
        }
      }
      params[j] = k;
      if (k > maxK) maxK = k;
      total += best;
    }
    if (plan.method === 1 && maxK <= 14) plan.method = 0;
    const bits = 6 + total + count * (plan.method ? 5 : 4);
    plan.bits = bits;
    return bits;
  }
}
