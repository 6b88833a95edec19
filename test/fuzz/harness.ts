/**
 * Runs one input through the public entry points (readFragments, clip, fragmentedMp4) the way a
 * caller would, and records for each what escaped, how long it took and the largest buffer it
 * allocated. The allocation watch wraps the global typed-array, ArrayBuffer and Array constructors
 * (and %TypedArray%.prototype.slice) for the duration of one stage only.
 */
import fc from 'fast-check';
import { clip, fragmentedMp4, readFragments, type ClipOptions, type Mp4Segment } from '../../src/index.js';
import { KvsClipError } from '../../src/errors.js';
import type { ByteSource } from '../../src/mkv/types.js';
import { chunkPlan, splitBytes } from '../support/kvs-arbitrary.js';
import { asSource } from '../support/read.js';

export type Stage = 'readFragments' | 'clip' | 'fragmentedMp4';

export interface StageResult {
  stage: Stage;
  /** What was thrown, if anything. */
  error: unknown;
  ms: number;
  /** Largest single allocation seen, in bytes. */
  largestAllocation: number;
  /**
   * What else is wrong: more frames than input bytes (each frame object costs far more than a byte,
   * so that is memory out of proportion), or MP4 boxes that do not tile their buffer.
   */
  problem?: string;
}

/** How the bytes reach the library: one buffer, or chunks through an iterable / async generator / web stream. */
export interface Delivery {
  chunks: number[] | null;
  kind: 'array' | 'async' | 'stream';
}

export const delivery: fc.Arbitrary<Delivery> = fc.record({
  chunks: fc.option(chunkPlan, { nil: null, freq: 2 }),
  kind: fc.constantFrom<Delivery['kind']>('array', 'async', 'stream'),
});

/**
 * Option sets that change which paths run: server timestamps, GetClip's strict pairing, caps, and
 * selectors over the seeds' producer / server times (2017–2018 captures, 2023 writer streams).
 */
export const clipOptions: fc.Arbitrary<ClipOptions> = fc.oneof(
  fc.constant({}),
  fc.constant<ClipOptions>({ timestamps: 'server' }),
  fc.constant<ClipOptions>({ strict: 'getclip', duplicateTimestamps: 'highest-fragment-number' }),
  fc.constant<ClipOptions>({ maxFragments: 1, maxBytes: 10_000 }),
  fc.constantFrom(1511852108, 1517530100, 1700000000).map((start) => ({
    ClipFragmentSelector: {
      FragmentSelectorType: start === 1517530100 ? ('SERVER_TIMESTAMP' as const) : ('PRODUCER_TIMESTAMP' as const),
      TimestampRange: { StartTimestamp: start, EndTimestamp: new Date((start + 3) * 1000) },
    },
  })),
);

export function sourceOf(bytes: Uint8Array, delivery: Delivery): ByteSource {
  return delivery.chunks === null ? bytes : asSource(splitBytes(bytes, delivery.chunks), delivery.kind);
}

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

type Global = Record<string, unknown>;

/** Records the largest allocation while installed. Not reentrant: one stage at a time. */
export class AllocationWatch {
  largest = 0;
  private restore: (() => void)[] = [];

  install(): void {
    const g = globalThis as unknown as Global;
    const record = (bytes: number): void => {
      if (bytes > this.largest) this.largest = bytes;
    };
    for (const name of TYPED_ARRAYS) {
      const original = g[name] as { new (...args: unknown[]): object; BYTES_PER_ELEMENT: number };
      g[name] = new Proxy(original, {
        construct(target, args) {
          record(requestedBytes(args[0], target.BYTES_PER_ELEMENT));
          return Reflect.construct(target, args, target);
        },
      });
      this.restore.push(() => (g[name] = original));
    }
    const OriginalArrayBuffer = ArrayBuffer;
    g.ArrayBuffer = new Proxy(OriginalArrayBuffer, {
      construct(target, args) {
        record(typeof args[0] === 'number' ? args[0] : 0);
        return Reflect.construct(target, args, target);
      },
    });
    this.restore.push(() => (g.ArrayBuffer = OriginalArrayBuffer));
    const OriginalArray = Array;
    const arrayLength = (args: unknown[]): number => (args.length === 1 && typeof args[0] === 'number' ? args[0] * 8 : 0);
    g.Array = new Proxy(OriginalArray, {
      construct(target, args) {
        record(arrayLength(args));
        return Reflect.construct(target, args, target);
      },
      apply(target, self, args) {
        record(arrayLength(args));
        return Reflect.apply(target, self, args);
      },
    });
    this.restore.push(() => (g.Array = OriginalArray));
    const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as {
      slice: (this: Uint8Array, ...args: unknown[]) => Uint8Array;
    };
    const slice = typedArrayPrototype.slice;
    typedArrayPrototype.slice = function (this: Uint8Array, ...args: unknown[]) {
      const copy = slice.apply(this, args);
      record(copy.byteLength);
      return copy;
    };
    this.restore.push(() => (typedArrayPrototype.slice = slice));
  }

  uninstall(): void {
    for (const undo of this.restore.splice(0).reverse()) undo();
  }
}

function requestedBytes(first: unknown, bytesPerElement: number): number {
  if (typeof first === 'number') return first * bytesPerElement;
  if (first instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && first instanceof SharedArrayBuffer)) return 0;
  if (first !== null && typeof first === 'object' && typeof (first as ArrayLike<unknown>).length === 'number') {
    return (first as ArrayLike<unknown>).length * bytesPerElement;
  }
  return 0;
}

/** Problems with an MP4 buffer's top-level boxes: sizes must tile it exactly, each at least 8 bytes. */
export function boxTilingProblem(data: Uint8Array): string | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < data.length) {
    if (at + 8 > data.length) return `${data.length - at} stray bytes at ${at}`;
    let size = view.getUint32(at);
    if (size === 1) {
      if (at + 16 > data.length) return `largesize box cut short at ${at}`;
      size = view.getUint32(at + 8) * 2 ** 32 + view.getUint32(at + 12);
    } else if (size === 0) size = data.length - at;
    if (size < 8 || at + size > data.length) return `box of ${size} bytes at ${at} in ${data.length}`;
    at += size;
  }
  return undefined;
}

async function timed(stage: Stage, run: () => Promise<string | undefined>): Promise<StageResult> {
  const watch = new AllocationWatch();
  const start = performance.now();
  let error: unknown;
  let problem: string | undefined;
  watch.install();
  try {
    problem = await run();
  } catch (thrown) {
    error = thrown;
  } finally {
    watch.uninstall();
  }
  return { stage, error, ms: performance.now() - start, largestAllocation: watch.largest, problem };
}

/** The three entry points on fresh sources of the same bytes. */
export async function exercise(bytes: Uint8Array, delivery: Delivery, options: ClipOptions = {}): Promise<StageResult[]> {
  const results: StageResult[] = [];
  results.push(
    await timed('readFragments', async () => {
      let frames = 0;
      for await (const fragment of readFragments(sourceOf(bytes, delivery), { onWarning: () => {} })) frames += fragment.frames.length;
      return frames > bytes.length ? `${frames} frames from ${bytes.length} bytes` : undefined;
    }),
  );
  results.push(
    await timed('clip', async () => {
      const output = await clip(sourceOf(bytes, delivery), { ...options, onWarning: () => {} });
      const problem = boxTilingProblem(output.Payload.bytes());
      return problem === undefined ? undefined : `malformed MP4: ${problem}`;
    }),
  );
  results.push(
    await timed('fragmentedMp4', async () => {
      const segments: Mp4Segment[] = [];
      for await (const segment of fragmentedMp4(sourceOf(bytes, delivery), { ...options, onWarning: () => {} })) segments.push(segment);
      for (const segment of segments) {
        const problem = boxTilingProblem(segment.data);
        if (problem !== undefined) return `malformed MP4 ${segment.type} segment: ${problem}`;
      }
      return undefined;
    }),
  );
  return results;
}

/** Generous time for one stage on `size` bytes: a guard against hangs and superlinear work, not a benchmark. */
export function budgetMs(size: number): number {
  return 3000 + size / 50;
}

/** Allocation bound: the output (moov tables, media segments) may be a few times the input, never more. */
export function allocationBound(size: number): number {
  return 16 * size + (1 << 20);
}

/** Why a stage result breaks the hostile-input properties, or undefined when it is fine. */
export function violation(result: StageResult, size: number): string | undefined {
  const { stage, error } = result;
  if (error !== undefined && !(error instanceof KvsClipError)) {
    const e = error as Error;
    return `${stage} threw ${e?.name ?? typeof error}: ${e?.message}\n${e?.stack?.split('\n').slice(1, 6).join('\n')}`;
  }
  if (result.ms > budgetMs(size))
    return `${stage} took ${result.ms.toFixed(0)} ms for ${size} bytes (budget ${budgetMs(size).toFixed(0)} ms)`;
  if (result.largestAllocation > allocationBound(size)) {
    return `${stage} allocated ${result.largestAllocation} bytes at once for a ${size}-byte input`;
  }
  if (result.problem !== undefined) return `${stage}: ${result.problem}`;
  return undefined;
}
