/**
 * The flat clip of a regular file in two passes, so the process holds the clip's tables rather than
 * the file (GetClip's output has moov first, so nothing can be written before every frame is known).
 *
 * Pass 1 reads the file in large chunks and builds the clip as usual, except that the fragments it
 * holds (packed: src/mkv/packed-frames.ts) have each span of payload bytes that lies in the file
 * swapped for a stand-in view of the same length, and where those bytes sit in the file is noted; the
 * chunks themselves are then free to go. Placing the samples then yields, in mdat order, pieces of
 * those spans (a laced block's frames join up again into one piece). Pass 2 writes the clip's header
 * and copies the pieces from the file, reading a window of nearby pieces at a time (mdat order
 * follows file order closely: per track and fragment, in decode order).
 *
 * The file may change between the passes (a producer still writing it, a copy replacing it). Pass 2
 * re-reads every payload it copies, so it compares what it re-reads with what pass 1 saw: a sample
 * of each span's bytes (see `sampleSum`) and the bytes just before the span, which are its element
 * and block headers (track, timecode, flags, lace sizes). A difference is an
 * InvalidArgumentException that says the input changed, and no output is left.
 */
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { clipKeeping, holdFragment, releaseFragment, type HeldFragment } from '../api/clip.js';
import type { ClipOptions } from '../api/types.js';
import type { MkvFragment } from '../mkv/types.js';
import type { CheckedFragment } from '../codecs/types.js';
import { InvalidArgumentException } from '../errors.js';
import { readFragments } from '../mkv/index.js';
import type { PayloadCollector } from '../mp4/index.js';
import { readFileChunks } from './file-chunks.js';
import { writeAllv, writeWholeFile } from './output.js';

interface TwoPassSettings {
  /** Pass 1 read size (FILE_READ_CHUNK unless a test wants small ones). */
  readChunk?: number;
  /** Pass 2 reads payloads in windows of at most this many file bytes (COPY_WINDOW unless a test wants others). */
  copyWindow?: number;
  /** Told the bytes read so far in pass 1, after each read (for a progress line). */
  onRead?: (bytes: number) => void;
}

interface TwoPassClip {
  /** The clip's size in bytes. */
  byteLength: number;
  /** Writes the clip to `path`, copying payloads from the input file. */
  writeTo(path: string): Promise<void>;
}

/**
 * Pass 2's read size. Reads into a buffer that stays in the CPU's caches cost a third of those into
 * one that does not (120 MB in 1 MiB reads: 13 ms; in 8 MiB reads: 38 ms, on the bench machine), and
 * the writes that follow then copy from cache too.
 */
const COPY_WINDOW = 1 << 20;

/** How many bytes before a span are compared between the passes: a SimpleBlock's headers fit. */
const BYTES_BEFORE = 16;

/** Where a span of payload bytes sits in the file, and what pass 1 saw there. */
interface FileSpan {
  at: number;
  length: number;
  /** How many bytes before `at` the sum covers (fewer than BYTES_BEFORE at the start of a read chunk). */
  before: number;
  sum: number;
}

/** Bytes of the clip's payload to copy from the file: `length` bytes from `offset` into `span`. */
interface FilePiece {
  span: FileSpan;
  offset: number;
  length: number;
}

/** Consecutive frames of one track whose bytes lie in one span, `offset` bytes of it already placed. */
interface SpanRun {
  /** Where the span is in the file, or null for bytes the frames hold themselves. */
  span: FileSpan | null;
  frames: number;
  offset: number;
}

/** A first-in first-out queue that lets go of what it has handed out. */
interface Queue<T> {
  items: T[];
  head: number;
}

export async function clipFileInTwoPasses(
  inputPath: string,
  input: FileHandle,
  options: ClipOptions,
  { readChunk, copyWindow = COPY_WINDOW, onRead }: TwoPassSettings = {},
): Promise<TwoPassClip> {
  let standIns = new ArrayBuffer(0);
  // Per held fragment, where each of its spans is in the file (null: the span is its own bytes).
  // Weak: a fragment left out of the clip takes its entry with it.
  const fileSpans = new WeakMap<HeldFragment, (FileSpan | null)[]>();
  // Per track, the spans of its frames in the order they were released to be placed: the order in
  // which `payload` is handed their bytes (PayloadCollector), so no frame needs an identity.
  const queues = new Map<number, Queue<SpanRun>>();
  // Read buffers are reused once nothing will read them again (see `fragments`), so pass 1 touches a
  // few buffers' worth of memory instead of leaving the whole file to the garbage collector.
  const file = readFileChunks(input.fd, readChunk, onRead);

  async function* fragments(): AsyncGenerator<MkvFragment> {
    for await (const fragment of readFragments(file.chunks, options)) {
      yield fragment;
      // Resumed: the clip is done with `fragment` (checked and held, or left out), and the reader
      // keeps no view before its end (codec private data is copied).
      file.release(fragment.byteOffset + fragment.byteLength);
    }
  }

  /** Same length, no bytes held: one shared zero buffer backs every stand-in. */
  function standIn(length: number): Uint8Array {
    if (length > standIns.byteLength) standIns = new ArrayBuffer(Math.max(length, 2 * standIns.byteLength));
    return new Uint8Array(standIns, 0, length);
  }

  function hold(fragment: CheckedFragment): HeldFragment {
    const held = holdFragment(fragment);
    const spans = held.frames.spans;
    const sources = spans.map((span, s): FileSpan | null => {
      const at = file.fileOffsetOf(span);
      if (at === undefined) return null; // converted from Annex-B, re-encoded or joined across chunks: its own bytes
      const before = Math.min(BYTES_BEFORE, span.byteOffset);
      const bytes = new Uint8Array(span.buffer, span.byteOffset - before, before + span.byteLength);
      spans[s] = standIn(span.byteLength);
      return { at, length: span.byteLength, before, sum: sampleSum(bytes, before) };
    });
    fileSpans.set(held, sources);
    return held;
  }

  function release(held: HeldFragment): CheckedFragment {
    const sources = fileSpans.get(held)!;
    const { spanFrames, track } = held.frames;
    for (let s = 0, i = 0; s < sources.length; s++) {
      for (const end = i + spanFrames[s]; i < end; i++) {
        let queue = queues.get(track[i]);
        if (queue === undefined) queues.set(track[i], (queue = { items: [], head: 0 }));
        const last = queue.items[queue.items.length - 1];
        if (last !== undefined && last.span === sources[s] && queue.items.length > queue.head) last.frames++;
        else queue.items.push({ span: sources[s], frames: 1, offset: 0 });
      }
    }
    return releaseFragment(held);
  }

  const pieces: (FilePiece | Uint8Array)[] = [];
  const payload: PayloadCollector = {
    add(bytes, trackNumber) {
      const queue = queues.get(trackNumber);
      const run = queue?.items[queue.head];
      if (run === undefined) throw new Error(`kvs-clip: a ${bytes.byteLength}-byte sample of track ${trackNumber} was never released`);
      if (--run.frames === 0) nextRun(queue!);
      const { span } = run;
      if (span === null) return void pieces.push(bytes);
      const offset = run.offset;
      run.offset += bytes.byteLength;
      if (run.offset > span.length) throw new Error(`kvs-clip: samples of track ${trackNumber} overrun their span at byte ${span.at}`);
      const last = pieces[pieces.length - 1];
      if (last !== undefined && !(last instanceof Uint8Array) && last.span === span && last.offset + last.length === offset) {
        last.length += bytes.byteLength;
      } else pieces.push({ span, offset, length: bytes.byteLength });
    },
  };

  const { header, byteLength } = await clipKeeping(fragments(), options, { hold, release, payload });
  return {
    byteLength,
    writeTo: (path) => copyPayloads(header, pieces, input, path, inputPath, copyWindow),
  };
}

/** Moves past the queue's first item, dropping the items handed out once they are half of it. */
function nextRun(queue: Queue<SpanRun>): void {
  queue.head++;
  if (queue.head >= 1024 && queue.head * 2 >= queue.items.length) {
    queue.items = queue.items.slice(queue.head);
    queue.head = 0;
  }
}

/**
 * A sum of `bytes` (a frame's payload from `start`, with the bytes before it): every byte before the
 * payload, its first and last 16 bytes, and one byte in every 256. Not every byte: summing all of
 * them in both passes would cost more than the copy itself, and a file rewritten between the passes
 * (another recording, a re-encode, a shifted layout) differs in the sampled bytes too. FNV-1a.
 */
function sampleSum(bytes: Uint8Array, start: number): number {
  const end = bytes.length;
  const headEnd = Math.min(end, start + 16);
  const tailStart = Math.max(headEnd, end - 16);
  let sum = 0x811c9dc5 ^ (end - start);
  // Loops rather than a helper closure: this runs per frame, in both passes (src/jit.ts).
  for (let i = 0; i < headEnd; i++) sum = Math.imul(sum ^ bytes[i], 0x01000193);
  for (let i = headEnd; i < tailStart; i += 256) sum = Math.imul(sum ^ bytes[i], 0x01000193);
  for (let i = tailStart; i < end; i++) sum = Math.imul(sum ^ bytes[i], 0x01000193);
  return sum >>> 0;
}

/**
 * A buffer for reads, as a plain Uint8Array: Buffer's `subarray` is a slower JS override, and pass 2
 * takes two views per frame.
 */
function readBuffer(size: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
}

async function copyPayloads(
  header: Uint8Array,
  pieces: readonly (FilePiece | Uint8Array)[],
  input: FileHandle,
  path: string,
  inputPath: string,
  copyWindow: number,
): Promise<void> {
  let window = readBuffer(copyWindow);
  let pending: (FilePiece | Uint8Array)[] = [];
  let low = Infinity;
  let high = 0;

  const changed = (what: string, byteOffset: number) =>
    new InvalidArgumentException(`${inputPath} changed while it was being clipped (${what})`, { byteOffset });

  // Reads the file range covering the pending pieces' spans once, checks each span against pass 1,
  // then writes everything pending in clip order.
  const flush = (out: FileHandle): void => {
    if (high > low) {
      const length = high - low;
      if (length > window.byteLength) window = readBuffer(length);
      const bytesRead = readSync(input.fd, window, 0, length, low);
      if (bytesRead < length) throw changed('short read', low + bytesRead);
    }
    const buffers = pending.map((p) => {
      if (p instanceof Uint8Array) return p;
      const { at, before, length, sum } = p.span;
      const start = at - low;
      if (sampleSum(window.subarray(start - before, start + length), before) !== sum) {
        throw changed(`the frame bytes at byte ${at} or the bytes before them differ from the first read`, at - before);
      }
      return window.subarray(start + p.offset, start + p.offset + p.length);
    });
    writeAllv(out, buffers);
    pending = [];
    low = Infinity;
    high = 0;
  };

  await writeWholeFile(path, async (out) => {
    pending.push(header);
    for (const piece of pieces) {
      if (piece instanceof Uint8Array) {
        pending.push(piece);
        continue;
      }
      const start = piece.span.at - piece.span.before;
      const end = piece.span.at + piece.span.length;
      if (high > low && Math.max(high, end) - Math.min(low, start) > copyWindow) flush(out);
      pending.push(piece);
      low = Math.min(low, start);
      high = Math.max(high, end);
    }
    flush(out);
  });
}
