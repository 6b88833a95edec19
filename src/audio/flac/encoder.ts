/**
 * FLAC encoder: one call encodes one block of samples into one complete FLAC frame (RFC 9639 §9).
 *
 * Each channel becomes the smallest of these subframes (§9.2):
 * - CONSTANT when every sample is the same;
 * - FIXED: the fixed polynomial predictor of order 0..4 whose residual has the smallest sum of
 *   magnitudes (one pass computes all five);
 * - LPC: Tukey(0.5)-windowed autocorrelation, Levinson-Durbin for every order up to the maximum,
 *   the order with the smallest estimated size, coefficients quantised with error feedback at a
 *   precision that keeps every prediction sum inside 32 bits;
 * - VERBATIM when nothing else is smaller (noise), or when no predictor keeps the residual in range.
 * Samples whose low bits are all zero in a block are coded without them ("wasted bits", §9.2.2):
 * A-law expanded to 16 bits always has 3, µ-law 2. Residuals are Rice coded (rice.ts). With two
 * channels the encoder also tries left/side, right/side and mid/side and keeps the smallest pair.
 *
 * The exact size of every subframe is counted before anything is written, so a frame is written
 * once, straight to its place in a 64 KiB slab that the following frames share. Working memory (the
 * {@link Workspace}) is one per module and reused: after the first frames, encoding allocates only
 * the view it returns (and a new slab every 64 KiB of output).
 */
import { ALAW_TO_PCM16, ULAW_TO_PCM16, type G711Law } from '../g711.js';
import { BitWriter } from './bit-writer.js';
import { crc16 } from './crc.js';
import { bitDepthCode, LEFT_SIDE, MAX_FRAME_HEADER_SIZE, MID_SIDE, RIGHT_SIDE, sampleRateCode, writeFrameHeader } from './frame-header.js';
import { LpcAnalyzer, MAX_LPC_ORDER, quantizeCoefficients } from './lpc.js';
import type { FlacStreamInfo } from './metadata.js';
import { MAX_PARTITION_ORDER, RicePlan, RicePlanner } from './rice.js';

/** Options of a {@link FlacEncoder}. */
export interface FlacEncoderOptions {
  /** Sample rate in Hz (1..1048575; rates a frame header cannot state leave the streamable subset). */
  sampleRate: number;
  /** Channel count, 1..8. */
  channels: number;
  /** Bits per sample, 4..24 (default 16). */
  bitsPerSample?: number;
  /**
   * Fixed block size stream (frame numbers in the headers): every frame has exactly this many
   * samples (16..65535) except the last, which may be shorter. Omit for a variable block size stream
   * (sample numbers in the headers), where every frame may have its own size: the way to keep one
   * FLAC frame per container frame.
   */
  blockSize?: number;
  /**
   * The largest block a variable block size stream will have, for {@link FlacEncoder.declaredStreamInfo}
   * (default 65535, which every decoder accepts as an upper bound). Larger blocks are refused.
   */
  maxBlockSize?: number;
  /** Highest LPC order tried, 0..32 (default 8; 0 = fixed predictors only; above 12 leaves the subset at ≤ 48 kHz). */
  maxLpcOrder?: number;
  /** LPC coefficient precision in bits, 5..15 (default: from the block size, 6 at 160 samples up to 13). */
  lpcPrecision?: number;
  /** Try every LPC order up to the maximum instead of the one with the smallest estimate (slower). */
  exhaustiveLpcSearch?: boolean;
  /** Highest Rice partition order, 0..8 (default 6). */
  maxPartitionOrder?: number;
  /**
   * Escaped (unencoded) residual partitions when smaller than Rice codes (default true). RFC 9639
   * Appendix C.4 notes some decoders mishandle them; libFLAC and ffmpeg (Chrome, Firefox) do not.
   */
  escapeCodes?: boolean;
  /** Try left/side, right/side and mid/side for two channels (default true). */
  stereoDecorrelation?: boolean;
}

/** Size of the buffers frames are written into (frames larger than this get a buffer of their own). */
const SLAB_SIZE = 65536;

const CONSTANT = 0;
const VERBATIM = 1;
const FIXED = 2;
const LPC = 3;

/** |residual| must stay below this (2^30): folded values then fit a non-negative int32. */
const RESIDUAL_LIMIT = 0x40000000;

/** One channel's candidate subframe: the samples it codes and how. */
class Subframe {
  declare kind: number;
  /** Bits per sample of the input to this subframe (bps, or bps + 1 for a side channel). */
  declare inputBits: number;
  /** Wasted bits (k of §9.2.2) and the bits per sample left after removing them. */
  declare wasted: number;
  declare sampleBits: number;
  declare order: number;
  declare precision: number;
  declare shift: number;
  declare constant: number;
  /**
   * OR of all samples (their common trailing zero bits are the wasted bits) and OR of each sample
   * XOR the first (0 when all are equal), gathered by whatever loop filled `samples`.
   */
  declare or: number;
  declare diff: number;
  /** Exact size in bits. */
  declare bits: number;
  /** The samples (shifted right by `wasted` once analysed). */
  declare samples: Int32Array;
  declare residual: Int32Array;
  declare plan: RicePlan;
  declare readonly coefs: Int32Array;

  constructor(capacity: number) {
    this.kind = VERBATIM;
    this.inputBits = 16;
    this.wasted = 0;
    this.sampleBits = 16;
    this.order = 0;
    this.precision = 0;
    this.shift = 0;
    this.constant = 0;
    this.or = 0;
    this.diff = 0;
    this.bits = 0;
    this.samples = new Int32Array(capacity);
    this.residual = new Int32Array(capacity);
    this.plan = new RicePlan();
    this.coefs = new Int32Array(MAX_LPC_ORDER);
  }
}

function checkOption(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`FLAC encoder: ${name} ${value} is outside ${min}..${max}`);
  }
  return value;
}

/**
 * Default LPC precision for a block size: floor(log2(n)) - 1, so 6 bits at 160 samples, 11 at 4096
 * (measured on speech-like signals at 160..4096 samples: within 0.5% of the best fixed choice).
 */
function defaultPrecision(n: number): number {
  const p = 30 - Math.clz32(n);
  return p < 5 ? 5 : p > 13 ? 13 : p;
}

/** ceil(log2(order)) for order ≥ 1. */
function ceilLog2(v: number): number {
  return v <= 1 ? 0 : 32 - Math.clz32(v - 1);
}

/**
 * The encoder's working memory: subframe candidates, residual and Rice planning buffers, LPC
 * analysis, the bit writer. Nothing in it outlives one `encode` call, so one instance serves every
 * encoder of the module (calls never interleave: they are synchronous). An encoder then costs little
 * more than its output slab, and these objects, with the code V8 optimised for them, live for good
 * (see {@link lastEncoder} for why that matters).
 */
class Workspace {
  /** Subframes: one per channel, plus mid and side when trying stereo decorrelation. */
  declare slots: Subframe[];
  declare capacity: number;
  /** Candidate under evaluation, swapped into a slot when it wins. */
  declare candResidual: Int32Array;
  declare candPlan: RicePlan;
  declare readonly candCoefs: Int32Array;
  declare readonly planner: RicePlanner;
  /** [0]: mean folded residual of the last LPC candidate (0 when it was not computed). */
  declare readonly lastLpcMean: Float64Array;
  declare readonly lpc: LpcAnalyzer;
  declare readonly writer: BitWriter;
  declare readonly header: Uint8Array;

  constructor() {
    this.slots = [];
    this.capacity = 0;
    this.candResidual = new Int32Array(0);
    this.candPlan = new RicePlan();
    this.candCoefs = new Int32Array(MAX_LPC_ORDER);
    this.planner = new RicePlanner();
    this.lastLpcMean = new Float64Array(1);
    this.lpc = new LpcAnalyzer(0.5);
    this.writer = new BitWriter(0);
    this.header = new Uint8Array(MAX_FRAME_HEADER_SIZE);
  }

  /** Makes sure there are `count` subframes of at least `n` samples. */
  ensure(count: number, n: number): void {
    if (n > this.capacity) {
      const capacity = Math.max(n, Math.min(65535, this.capacity * 2), 256);
      this.slots = [];
      this.candResidual = new Int32Array(capacity);
      this.capacity = capacity;
    }
    while (this.slots.length < count) this.slots.push(new Subframe(this.capacity));
  }
}

const workspace = new Workspace();

/**
 * The encoder that wrote the latest frame, kept until another one does (with its current slab, at
 * most 64 KiB). When no encoder that had encoded was alive at a full garbage collection, V8
 * deoptimised every encoder function ("weak objects") and the next clip ran 4-7x the CPU time until
 * it re-optimised (measured: one encoder per clip, a collection between clips, 160-sample A-law
 * frames). An idle encoder made when the module loads did not prevent it; keeping the latest one
 * does. The same concern as src/jit.ts, handled locally.
 */
const lastEncoder: FlacEncoder[] = [];

/**
 * Encodes blocks of PCM samples into FLAC frames, one frame per call, for a stream whose STREAMINFO
 * is written separately ({@link FlacEncoder.declaredStreamInfo} before the frames,
 * {@link FlacEncoder.finalStreamInfo} after the last).
 *
 * @example
 * ```ts
 * const flac = new FlacEncoder({ sampleRate: 8000, channels: 1 }); // variable block size
 * const sample = flac.encodeG711('alaw', frame.data);  // 160 bytes (20 ms) in, one FLAC frame out
 * // the same from 16-bit PCM: flac.encode([expandG711('alaw', frame.data)])
 * ```
 */
export class FlacEncoder {
  /** Sample rate in Hz, as given. */
  declare readonly sampleRate: number;
  /** Channel count (1..8), as given. */
  declare readonly channels: number;
  /** Bits per sample of the input and the stream (default 16). */
  declare readonly bitsPerSample: number;
  /** The fixed block size, or 0 for a variable block size stream. */
  declare readonly blockSize: number;
  declare private readonly maxBlock: number;
  declare private readonly maxLpcOrder: number;
  declare private readonly lpcPrecision: number;
  declare private readonly exhaustive: boolean;
  declare private readonly maxPartitionOrder: number;
  declare private readonly escapes: boolean;
  declare private readonly decorrelate: boolean;
  declare private readonly rateCode: number;
  declare private readonly depthCode: number;

  /** Working memory, shared by every encoder (see {@link Workspace}). */
  declare private readonly ws: Workspace;
  declare private slab: Uint8Array;
  declare private slabPos: number;

  declare private frames: number;
  declare private samplesDone: number;
  declare private lastBlock: number;
  declare private minBlockExceptLast: number;
  declare private maxBlockSeen: number;
  declare private minFrameBytes: number;
  declare private maxFrameBytes: number;
  declare private ended: boolean;

  constructor(options: FlacEncoderOptions) {
    this.sampleRate = checkOption('sample rate', options.sampleRate, 1, 0xfffff);
    this.channels = checkOption('channel count', options.channels, 1, 8);
    this.bitsPerSample = checkOption('bits per sample', options.bitsPerSample ?? 16, 4, 24);
    this.blockSize = options.blockSize === undefined ? 0 : checkOption('fixed block size', options.blockSize, 16, 65535);
    this.maxBlock = this.blockSize || checkOption('maximum block size', options.maxBlockSize ?? 65535, 16, 65535);
    this.maxLpcOrder = checkOption('maximum LPC order', options.maxLpcOrder ?? 8, 0, MAX_LPC_ORDER);
    this.lpcPrecision = options.lpcPrecision === undefined ? 0 : checkOption('LPC precision', options.lpcPrecision, 5, 15);
    this.exhaustive = options.exhaustiveLpcSearch ?? false;
    this.maxPartitionOrder = checkOption('maximum partition order', options.maxPartitionOrder ?? 6, 0, MAX_PARTITION_ORDER);
    this.escapes = options.escapeCodes ?? true;
    this.decorrelate = this.channels === 2 && (options.stereoDecorrelation ?? true);
    this.rateCode = sampleRateCode(this.sampleRate);
    this.depthCode = bitDepthCode(this.bitsPerSample);

    this.ws = workspace;
    this.slab = new Uint8Array(0);
    this.slabPos = 0;

    this.frames = 0;
    this.samplesDone = 0;
    this.lastBlock = 0;
    this.minBlockExceptLast = Infinity;
    this.maxBlockSeen = 0;
    this.minFrameBytes = Infinity;
    this.maxFrameBytes = 0;
    this.ended = false;
    this.grow(this.blockSize || 256);
  }

  /** Frames encoded so far. */
  get frameCount(): number {
    return this.frames;
  }

  /** Samples per channel encoded so far. */
  get sampleCount(): number {
    return this.samplesDone;
  }

  /**
   * Encodes one block given as one array per channel (`channels[c][i]`, integers in the signed
   * range of `bitsPerSample`) into one FLAC frame.
   *
   * @param channels One array per channel, each with at least `length` samples.
   * @param length Samples per channel in this block (default: the first array's length), 1..65535.
   *   Blocks under 16 samples are valid only as the last frame of a stream (RFC 9639 §9.1.6), though
   *   libFLAC and ffmpeg decode them anywhere.
   * @returns The frame's bytes: a view of a buffer shared with the frames encoded before and after it
   *   (frames are written back to back into 64 KiB slabs); `slice()` it for a buffer of its own.
   * @throws RangeError on a wrong channel count, block size or sample value, or a frame after the
   *   short last block of a fixed block size stream.
   */
  encode(channels: ArrayLike<ArrayLike<number>>, length?: number): Uint8Array {
    if (channels.length !== this.channels)
      throw new RangeError(`FLAC encoder: ${channels.length} channel arrays for a ${this.channels}-channel stream`);
    const n = length ?? channels[0].length;
    this.startBlock(n);
    for (let c = 0; c < this.channels; c++) {
      const src = channels[c];
      if (src.length < n) throw new RangeError(`FLAC encoder: channel ${c} has ${src.length} samples, the block ${n}`);
      this.load(src, 0, 1, n, this.ws.slots[c]);
    }
    return this.finishBlock(n);
  }

  /**
   * Encodes one block given interleaved (`samples[i * channels + c]`) into one FLAC frame: 16-bit PCM
   * as it comes from WAV or Matroska `A_PCM/INT/LIT`, or G.711 stereo after expansion.
   *
   * @param samples Interleaved samples, at least `length * channels`.
   * @param length Samples per channel (default: `samples.length / channels`).
   * @returns The frame, as {@link FlacEncoder.encode} returns it.
   */
  encodeInterleaved(samples: ArrayLike<number>, length?: number): Uint8Array {
    const ch = this.channels;
    const n = length ?? Math.floor(samples.length / ch);
    if (samples.length < n * ch) throw new RangeError(`FLAC encoder: ${samples.length} interleaved samples for ${n} × ${ch}`);
    this.startBlock(n);
    for (let c = 0; c < ch; c++) this.load(samples, c, ch, n, this.ws.slots[c]);
    return this.finishBlock(n);
  }

  /**
   * Encodes one block of G.711 bytes (channels interleaved, one byte per sample) into one FLAC frame
   * of 16-bit samples: the expansion of {@link expandG711} done straight into the encoder's working
   * memory. Needs `bitsPerSample` 16 (or more).
   *
   * @param law `'alaw'` or `'ulaw'`.
   * @param bytes The G.711 bytes of the block, `length * channels` of them.
   * @param length Samples per channel (default: `bytes.length / channels`).
   * @returns The frame, as {@link FlacEncoder.encode} returns it.
   */
  encodeG711(law: G711Law, bytes: Uint8Array, length?: number): Uint8Array {
    if (this.bitsPerSample < 16) throw new RangeError(`FLAC encoder: G.711 expands to 16 bits, the stream has ${this.bitsPerSample}`);
    const ch = this.channels;
    const n = length ?? Math.floor(bytes.length / ch);
    if (bytes.length < n * ch) throw new RangeError(`FLAC encoder: ${bytes.length} G.711 bytes for ${n} × ${ch}`);
    this.startBlock(n);
    const table = law === 'alaw' ? ALAW_TO_PCM16 : ULAW_TO_PCM16;
    for (let c = 0; c < ch; c++) {
      const sf = this.ws.slots[c];
      const dst = sf.samples;
      const v0 = table[bytes[c]];
      let or = 0;
      let diff = 0;
      for (let i = 0, j = c; i < n; i++, j += ch) {
        const v = table[bytes[j]];
        dst[i] = v;
        or |= v;
        diff |= v ^ v0;
      }
      sf.or = or;
      sf.diff = diff;
    }
    return this.finishBlock(n);
  }

  /**
   * STREAMINFO for a header written before the frames are known (an MP4 init segment, a streamed
   * `.flac`): block size bounds rather than actual sizes (a fixed stream states its block size; a
   * variable one 16 and `maxBlockSize`, as RFC 9639 §8.2 allows), frame sizes, total samples and
   * MD5 unknown (0).
   */
  declaredStreamInfo(): FlacStreamInfo {
    return {
      minBlockSize: this.blockSize || 16,
      maxBlockSize: this.maxBlock,
      minFrameSize: 0,
      maxFrameSize: 0,
      sampleRate: this.sampleRate,
      channels: this.channels,
      bitsPerSample: this.bitsPerSample,
      totalSamples: 0,
    };
  }

  /**
   * STREAMINFO describing the frames encoded so far, for a header written (or rewritten) after the
   * last frame: actual block and frame sizes, total samples. The MD5 is left unknown (0).
   *
   * For a variable block size stream the stated minimum is raised to 16 when smaller blocks were
   * encoded (RFC 9639 forbids smaller values in STREAMINFO), and when the minimum would equal the
   * maximum it is stated as 16 (or the maximum as 17), since equal values mean a fixed block size
   * stream (§8.2); both are bounds a variable stream may state.
   */
  finalStreamInfo(): FlacStreamInfo {
    let minBlock: number;
    let maxBlock: number;
    if (this.blockSize) {
      minBlock = this.blockSize;
      maxBlock = this.blockSize;
    } else {
      maxBlock = Math.max(16, this.maxBlockSeen);
      minBlock = this.minBlockExceptLast === Infinity ? Math.max(16, this.lastBlock) : this.minBlockExceptLast;
      minBlock = Math.min(Math.max(16, minBlock), maxBlock);
      if (minBlock === maxBlock) {
        if (minBlock > 16) minBlock = 16;
        else maxBlock = 17;
      }
    }
    return {
      minBlockSize: minBlock,
      maxBlockSize: maxBlock,
      minFrameSize: this.frames ? this.minFrameBytes : 0,
      maxFrameSize: this.maxFrameBytes,
      sampleRate: this.sampleRate,
      channels: this.channels,
      bitsPerSample: this.bitsPerSample,
      totalSamples: this.samplesDone,
    };
  }

  private grow(n: number): void {
    this.ws.ensure(this.decorrelate ? 4 : this.channels, n);
  }

  private startBlock(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new RangeError(`FLAC encoder: block size ${n} is outside 1..65535`);
    if (this.blockSize) {
      if (this.ended)
        throw new RangeError(`FLAC encoder: a fixed block size stream ends with its one short block (${this.lastBlock} samples)`);
      if (n > this.blockSize) throw new RangeError(`FLAC encoder: block of ${n} samples in a stream of ${this.blockSize}-sample blocks`);
      if (this.frames >= 0x7fffffff) throw new RangeError('FLAC encoder: more than 2^31 - 1 frames');
    } else {
      if (n > this.maxBlock) throw new RangeError(`FLAC encoder: block of ${n} samples, larger than the stated maximum ${this.maxBlock}`);
      if (this.samplesDone + n > 2 ** 36) throw new RangeError('FLAC encoder: more than 2^36 samples');
    }
    this.grow(n);
  }

  /** Copies samples `src[first + i * step]` into `sf.samples`, checking they fit the bit depth. */
  private load(src: ArrayLike<number>, first: number, step: number, n: number, sf: Subframe): void {
    const bps = this.bitsPerSample;
    const dst = sf.samples;
    const v0 = src[first] | 0;
    let or = 0;
    let diff = 0;
    if (src instanceof Int16Array && bps >= 16) {
      for (let i = 0, j = first; i < n; i++, j += step) {
        const v = src[j];
        dst[i] = v;
        or |= v;
        diff |= v ^ v0;
      }
      sf.or = or;
      sf.diff = diff;
      return;
    }
    const hi = 2 ** (bps - 1) - 1;
    const lo = -(2 ** (bps - 1));
    let bad = false;
    for (let i = 0, j = first; i < n; i++, j += step) {
      const v = src[j];
      if ((v | 0) !== v || v < lo || v > hi) bad = true;
      dst[i] = v;
      or |= v;
      diff |= v ^ v0;
    }
    sf.or = or;
    sf.diff = diff;
    if (bad) {
      for (let i = 0, j = first; i < n; i++, j += step) {
        const v = src[j];
        if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new RangeError(`FLAC encoder: sample ${v} does not fit ${bps} bits`);
      }
    }
  }

  private finishBlock(n: number): Uint8Array {
    const bps = this.bitsPerSample;
    const slots = this.ws.slots;
    let channelCode = this.channels - 1;
    let first = 0;
    let second = 1;
    if (this.decorrelate) {
      const left = slots[0].samples;
      const right = slots[1].samples;
      const mid = slots[2].samples;
      const side = slots[3].samples;
      const m0 = (left[0] + right[0]) >> 1;
      const s0 = left[0] - right[0];
      let mOr = 0;
      let mDiff = 0;
      let sOr = 0;
      let sDiff = 0;
      for (let i = 0; i < n; i++) {
        const l = left[i];
        const r = right[i];
        const m = (l + r) >> 1;
        const d = l - r;
        mid[i] = m;
        side[i] = d;
        mOr |= m;
        mDiff |= m ^ m0;
        sOr |= d;
        sDiff |= d ^ s0;
      }
      slots[2].or = mOr;
      slots[2].diff = mDiff;
      slots[3].or = sOr;
      slots[3].diff = sDiff;
      this.analyze(slots[0], n, bps);
      this.analyze(slots[1], n, bps);
      this.analyze(slots[2], n, bps);
      this.analyze(slots[3], n, bps + 1);
      const l = slots[0].bits;
      const r = slots[1].bits;
      const m = slots[2].bits;
      const s = slots[3].bits;
      let best = l + r;
      if (l + s < best) {
        best = l + s;
        channelCode = LEFT_SIDE;
        second = 3;
      }
      if (r + s < best) {
        best = r + s;
        channelCode = RIGHT_SIDE;
        first = 3;
        second = 1;
      }
      if (m + s < best) {
        channelCode = MID_SIDE;
        first = 2;
        second = 3;
      }
    } else {
      for (let c = 0; c < this.channels; c++) this.analyze(slots[c], n, bps);
    }

    // Exact frame size, then one write into a buffer of that size.
    const number = this.blockSize ? this.frames : this.samplesDone;
    const headerLength = writeFrameHeader(this.ws.header, this.blockSize === 0, n, this.rateCode, channelCode, this.depthCode, number);
    let bits = 0;
    if (this.decorrelate) {
      bits = slots[first].bits + slots[second].bits;
    } else {
      for (let c = 0; c < this.channels; c++) bits += slots[c].bits;
    }
    const frameBytes = headerLength + ((bits + 7) >> 3) + 2;

    // Frames are written back to back into a shared slab and handed out as views of it: one small
    // typed array per frame instead of a buffer per frame (measured 10% of the time with slice()).
    if (this.slabPos + frameBytes > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB_SIZE, frameBytes));
      this.slabPos = 0;
    }
    const start = this.slabPos;
    const w = this.ws.writer;
    w.start(this.slab, start);
    for (let i = 0; i < headerLength; i++) w.byte(this.ws.header[i]);
    if (this.decorrelate) {
      this.writeSubframe(slots[first], n);
      this.writeSubframe(slots[second], n);
    } else {
      for (let c = 0; c < this.channels; c++) this.writeSubframe(slots[c], n);
    }
    w.alignToByte();
    const crc = crc16(w.bytes, start, w.pos);
    w.bits(crc, 16);
    w.alignToByte();
    const end = w.pos;
    if (end - start !== frameBytes)
      throw new Error(`FLAC encoder: wrote ${end - start} bytes for a frame counted as ${frameBytes} (internal error)`);
    this.slabPos = end;

    if (this.frames > 0 && this.lastBlock < this.minBlockExceptLast) this.minBlockExceptLast = this.lastBlock;
    this.lastBlock = n;
    if (n > this.maxBlockSeen) this.maxBlockSeen = n;
    if (frameBytes < this.minFrameBytes) this.minFrameBytes = frameBytes;
    if (frameBytes > this.maxFrameBytes) this.maxFrameBytes = frameBytes;
    if (n < this.blockSize) this.ended = true;
    this.frames++;
    this.samplesDone += n;
    lastEncoder[0] = this;
    return this.slab.subarray(start, end);
  }

  /** Picks the smallest subframe for `sf.samples[0, n)` of `inputBits` bits; sets its exact size. */
  private analyze(sf: Subframe, n: number, inputBits: number): void {
    const x = sf.samples;
    sf.inputBits = inputBits;
    const v0 = x[0];
    const or = sf.or;
    if (sf.diff === 0) {
      sf.kind = CONSTANT;
      sf.constant = v0;
      sf.wasted = 0;
      sf.sampleBits = inputBits;
      sf.bits = 8 + inputBits;
      return;
    }
    const wasted = 31 - Math.clz32(or & -or);
    // The fixed order search shifts the wasted bits out as it reads (one pass instead of two).
    let fixedOrder: number;
    if (n > 4) {
      fixedOrder = shiftAndChooseFixedOrder(x, n, wasted);
    } else {
      if (wasted > 0) for (let i = 0; i < n; i++) x[i] >>= wasted;
      fixedOrder = Math.min(n - 1, 2);
    }
    const sbps = inputBits - wasted;
    sf.wasted = wasted;
    sf.sampleBits = sbps;
    const head = 8 + wasted;
    const verbatim = head + n * sbps;
    sf.kind = VERBATIM;
    sf.bits = verbatim;
    let best = verbatim;

    // FIXED: the order whose residual magnitudes sum smallest.
    if (n > 1) {
      const order = fixedOrder;
      const planner = this.ws.planner;
      planner.layout(n, order, this.maxPartitionOrder);
      fixedResidual(x, n, order, this.ws.candResidual, planner);
      const bits = head + order * sbps + planner.choose(n, order, this.escapes, this.ws.candPlan);
      if (bits < best) {
        best = bits;
        this.take(sf, FIXED, order, bits);
      }
    }

    // LPC.
    const maxOrder = Math.min(this.maxLpcOrder, n - 1);
    if (maxOrder > 0 && n >= 8) {
      const reached = this.ws.lpc.analyze(x, n, maxOrder);
      if (reached > 0) {
        if (this.exhaustive) {
          for (let o = 1; o <= reached; o++) best = this.tryLpc(sf, x, n, o, best, this.lpcPrecision || defaultPrecision(n));
        } else {
          const order = this.estimateLpcOrder(n, reached, sbps);
          const precision = this.lpcPrecision || defaultPrecision(n);
          best = this.tryLpc(sf, x, n, order, best, precision);
          // When quantising the coefficients cost far more than the unquantised predictor promised
          // (pure tones, whose poles sit on the unit circle, need precise coefficients), try again
          // with the finest precision. Residual scale from Levinson: sqrt(error / n).
          if (!this.lpcPrecision && precision < 15 && this.ws.lastLpcMean[0] > 4 * Math.sqrt(this.ws.lpc.error[order] / n) + 4) {
            this.tryLpc(sf, x, n, order, best, 15); // the last candidate: `sf` keeps whichever is smaller
          }
        }
      }
    }

    if (sf.kind === FIXED || sf.kind === LPC) {
      const overhead = head + sf.order * sf.sampleBits + (sf.kind === LPC ? 9 + sf.order * sf.precision : 0);
      const exact = overhead + this.ws.planner.refine(sf.residual, n, sf.order, this.escapes, sf.plan);
      if (exact >= verbatim) {
        sf.kind = VERBATIM;
        sf.bits = verbatim;
      } else {
        sf.bits = exact;
      }
    }
  }

  /** Moves the candidate (residual, plan) into `sf` as its current best. */
  private take(sf: Subframe, kind: number, order: number, bits: number): void {
    sf.kind = kind;
    sf.order = order;
    sf.bits = bits;
    const r = sf.residual;
    sf.residual = this.ws.candResidual;
    this.ws.candResidual = r;
    const p = sf.plan;
    sf.plan = this.ws.candPlan;
    this.ws.candPlan = p;
  }

  /** The LPC order with the smallest estimated subframe (residual bits from the Levinson error). */
  private estimateLpcOrder(n: number, reached: number, sbps: number): number {
    const error = this.ws.lpc.error;
    const precision = this.lpcPrecision || defaultPrecision(n);
    // Residual variance ≈ error / n (the window's loss of energy is the same for every order, so it
    // does not change the choice); a Laplacian residual costs about log2(σ) + 1.5 bits per sample.
    let bestOrder = 1;
    let bestBits = Infinity;
    for (let o = 1; o <= reached; o++) {
      const e = error[o];
      const perSample = e > 0 ? Math.max(0, 0.5 * Math.log2(e / n) + 1.5) : 0;
      const bits = perSample * (n - o) + o * (sbps + precision);
      if (bits < bestBits) {
        bestBits = bits;
        bestOrder = o;
      }
    }
    return bestOrder;
  }

  /** Quantises the order-`order` predictor, computes its residual and keeps it when smaller. */
  private tryLpc(sf: Subframe, x: Int32Array, n: number, order: number, best: number, wanted: number): number {
    this.ws.lastLpcMean[0] = 0;
    const sbps = sf.sampleBits;
    // Every prediction sum must fit 32 bits: sbps + precision + ceil(log2(order)) ≤ 32 (RFC 9639 A.3).
    const room = 32 - sbps - ceilLog2(order);
    const precision = wanted > room ? room : wanted;
    if (precision < 2) return best;
    const q = this.ws.candCoefs;
    const shift = quantizeCoefficients(this.ws.lpc.coefs, (order - 1) * MAX_LPC_ORDER, order, precision, q);
    if (shift < 0) return best;
    const planner = this.ws.planner;
    planner.layout(n, order, this.maxPartitionOrder);
    if (!lpcResidual(x, n, order, q, shift, this.ws.candResidual, planner)) return best;
    let total = 0;
    for (let j = 0, parts = 1 << planner.top; j < parts; j++) total += planner.sums[j];
    this.ws.lastLpcMean[0] = total / (n - order);
    const bits = 8 + sf.wasted + order * sbps + 9 + order * precision + planner.choose(n, order, this.escapes, this.ws.candPlan);
    if (bits >= best) return best;
    this.take(sf, LPC, order, bits);
    sf.precision = precision;
    sf.shift = shift;
    sf.coefs.set(q.subarray(0, order));
    return bits;
  }

  private writeSubframe(sf: Subframe, n: number): void {
    const w = this.ws.writer;
    const kind = sf.kind;
    const type = kind === CONSTANT ? 0 : kind === VERBATIM ? 1 : kind === FIXED ? 8 + sf.order : 31 + sf.order;
    // 0 pad bit, 6 type bits, wasted-bits flag, then wasted - 1 in unary.
    if (sf.wasted > 0) {
      w.bits((type << 1) | 1, 8);
      w.zeros(sf.wasted - 1);
      w.bits(1, 1);
    } else {
      w.bits(type << 1, 8);
    }
    const sbps = sf.sampleBits;
    if (kind === CONSTANT) {
      w.bits(sf.constant, sbps);
      return;
    }
    if (kind === VERBATIM) {
      w.signedRun(sf.samples, 0, n, sbps);
      return;
    }
    w.signedRun(sf.samples, 0, sf.order, sbps);
    if (kind === LPC) {
      w.bits(sf.precision - 1, 4);
      w.bits(sf.shift, 5);
      for (let i = 0; i < sf.order; i++) w.bits(sf.coefs[i], sf.precision);
    }
    const plan = sf.plan;
    const method = plan.method;
    const order = plan.partitionOrder;
    w.bits(method, 2);
    w.bits(order, 4);
    const size = n >> order;
    const paramBits = method ? 5 : 4;
    const escape = method ? 31 : 15;
    const r = sf.residual;
    for (let j = 0, count = 1 << order; j < count; j++) {
      const start = j === 0 ? sf.order : j * size;
      const end = (j + 1) * size;
      const k = plan.params[j];
      if (k < 0) {
        const raw = plan.rawBits[j];
        w.bits(escape, paramBits);
        w.bits(raw, 5);
        w.signedRun(r, start, end, raw);
      } else {
        w.bits(k, paramBits);
        w.riceRun(r, start, end, k);
      }
    }
  }
}

/**
 * Shifts `wasted` zero bits out of x[0, n) in place and returns the fixed predictor order (0..4)
 * with the smallest sum of residual magnitudes over x[4, n), all five computed in one pass from
 * running differences (n > 4).
 */
function shiftAndChooseFixedOrder(x: Int32Array, n: number, wasted: number): number {
  const x0 = (x[0] >>= wasted);
  const x1 = (x[1] >>= wasted);
  const x2 = (x[2] >>= wasted);
  const x3 = (x[3] >>= wasted);
  let e0 = 0;
  let e1 = 0;
  let e2 = 0;
  let e3 = 0;
  let e4 = 0;
  let last = x3;
  let d1 = x3 - x2;
  let d2 = d1 - (x2 - x1);
  let d3 = d2 - (x2 - 2 * x1 + x0);
  for (let i = 4; i < n; i++) {
    const v = x[i] >> wasted;
    x[i] = v;
    const r1 = v - last;
    const r2 = r1 - d1;
    const r3 = r2 - d2;
    const r4 = r3 - d3;
    // Branch-free |v| (signs are random, branches would mispredict).
    e0 += (v ^ (v >> 31)) - (v >> 31);
    e1 += (r1 ^ (r1 >> 31)) - (r1 >> 31);
    e2 += (r2 ^ (r2 >> 31)) - (r2 >> 31);
    e3 += (r3 ^ (r3 >> 31)) - (r3 >> 31);
    e4 += (r4 ^ (r4 >> 31)) - (r4 >> 31);
    last = v;
    d1 = r1;
    d2 = r2;
    d3 = r3;
  }
  let order = 0;
  let min = e0;
  if (e1 < min) {
    min = e1;
    order = 1;
  }
  if (e2 < min) {
    min = e2;
    order = 2;
  }
  if (e3 < min) {
    min = e3;
    order = 3;
  }
  if (e4 < min) order = 4;
  return order;
}

/**
 * Residual of fixed predictor `order` for x[order, n) (RFC 9639 §9.2.5), folding each residual into
 * the planner's partition sums as it goes (the planner's layout is set).
 */
function fixedResidual(x: Int32Array, n: number, order: number, r: Int32Array, planner: RicePlanner): void {
  const size = planner.size;
  const sums = planner.sums;
  const ors = planner.ors;
  let i = order;
  for (let j = 0, end = size; end <= n; j++, end += size) {
    let s = 0;
    let o = 0;
    switch (order) {
      case 0:
        for (; i < end; i++) {
          const e = x[i];
          r[i] = e;
          const u = (e << 1) ^ (e >> 31);
          s += u;
          o |= u;
        }
        break;
      case 1:
        for (; i < end; i++) {
          const e = x[i] - x[i - 1];
          r[i] = e;
          const u = (e << 1) ^ (e >> 31);
          s += u;
          o |= u;
        }
        break;
      case 2:
        for (; i < end; i++) {
          const e = x[i] - 2 * x[i - 1] + x[i - 2];
          r[i] = e;
          const u = (e << 1) ^ (e >> 31);
          s += u;
          o |= u;
        }
        break;
      case 3:
        for (; i < end; i++) {
          const e = x[i] - 3 * x[i - 1] + 3 * x[i - 2] - x[i - 3];
          r[i] = e;
          const u = (e << 1) ^ (e >> 31);
          s += u;
          o |= u;
        }
        break;
      default:
        for (; i < end; i++) {
          const e = x[i] - 4 * x[i - 1] + 6 * x[i - 2] - 4 * x[i - 3] + x[i - 4];
          r[i] = e;
          const u = (e << 1) ^ (e >> 31);
          s += u;
          o |= u;
        }
    }
    sums[j] = s;
    ors[j] = o;
  }
}

/**
 * Residual of an LPC predictor: r[i] = x[i] - ((Σ q[j]·x[i-1-j]) >> shift), folded into the
 * planner's partition sums as it goes (the planner's layout is set). The precision is chosen so that
 * the true sum fits 32 bits, so int32 arithmetic that wraps (Math.imul, | 0) gives it exactly: the
 * wrapped result equals the true sum modulo 2^32. Returns false when a residual reaches 2^30 (never
 * for sane predictors).
 */
function lpcResidual(x: Int32Array, n: number, order: number, q: Int32Array, shift: number, r: Int32Array, planner: RicePlanner): boolean {
  let bad = false;
  // Unrolled bodies for orders up to 8 and up to 12, with the unused taps' coefficients 0; the first
  // samples (where the unrolled body would read before x[0]) and higher orders take the loop.
  const taps = order <= 8 ? 8 : order <= 12 ? 12 : n;
  const split = taps < n ? taps : n;
  for (let i = order; i < split; i++) {
    let s = 0;
    for (let j = 0; j < order; j++) s = (s + Math.imul(q[j], x[i - 1 - j])) | 0;
    const e = x[i] - (s >> shift);
    if (e >= RESIDUAL_LIMIT || e <= -RESIDUAL_LIMIT) bad = true;
    r[i] = e;
  }
  const c = order;
  const q0 = q[0];
  const q1 = c > 1 ? q[1] : 0;
  const q2 = c > 2 ? q[2] : 0;
  const q3 = c > 3 ? q[3] : 0;
  const q4 = c > 4 ? q[4] : 0;
  const q5 = c > 5 ? q[5] : 0;
  const q6 = c > 6 ? q[6] : 0;
  const q7 = c > 7 ? q[7] : 0;
  const q8 = c > 8 ? q[8] : 0;
  const q9 = c > 9 ? q[9] : 0;
  const q10 = c > 10 ? q[10] : 0;
  const q11 = c > 11 ? q[11] : 0;
  const size = planner.size;
  const sums = planner.sums;
  const ors = planner.ors;
  let i = order;
  for (let j = 0, end = size; end <= n; j++, end += size) {
    let s = 0;
    let o = 0;
    // Residuals the loop above computed: only fold them.
    for (const stop = end < split ? end : split; i < stop; i++) {
      const e = r[i];
      const u = (e << 1) ^ (e >> 31);
      s += u;
      o |= u;
    }
    if (taps === 8) {
      for (; i < end; i++) {
        const p =
          (Math.imul(q0, x[i - 1]) +
            Math.imul(q1, x[i - 2]) +
            Math.imul(q2, x[i - 3]) +
            Math.imul(q3, x[i - 4]) +
            Math.imul(q4, x[i - 5]) +
            Math.imul(q5, x[i - 6]) +
            Math.imul(q6, x[i - 7]) +
            Math.imul(q7, x[i - 8])) |
          0;
        const e = x[i] - (p >> shift);
        if (e >= RESIDUAL_LIMIT || e <= -RESIDUAL_LIMIT) bad = true;
        r[i] = e;
        const u = (e << 1) ^ (e >> 31);
        s += u;
        o |= u;
      }
    } else if (taps === 12) {
      for (; i < end; i++) {
        const p =
          (Math.imul(q0, x[i - 1]) +
            Math.imul(q1, x[i - 2]) +
            Math.imul(q2, x[i - 3]) +
            Math.imul(q3, x[i - 4]) +
            Math.imul(q4, x[i - 5]) +
            Math.imul(q5, x[i - 6]) +
            Math.imul(q6, x[i - 7]) +
            Math.imul(q7, x[i - 8]) +
            Math.imul(q8, x[i - 9]) +
            Math.imul(q9, x[i - 10]) +
            Math.imul(q10, x[i - 11]) +
            Math.imul(q11, x[i - 12])) |
          0;
        const e = x[i] - (p >> shift);
        if (e >= RESIDUAL_LIMIT || e <= -RESIDUAL_LIMIT) bad = true;
        r[i] = e;
        const u = (e << 1) ^ (e >> 31);
        s += u;
        o |= u;
      }
    }
    sums[j] = s;
    ors[j] = o;
  }
  return !bad;
}
