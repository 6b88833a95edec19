/**
 * Pull-based reading of a byte stream that arrives in chunks split at any byte.
 *
 * The read position is always inside an original input chunk, so whatever lies within one chunk is
 * handed out as a `subarray` view of it. Only a value that straddles chunks is joined, from the
 * pieces as they arrive (PieceJoiner): nothing is ever allocated from a size the input merely declares.
 */
import { InvalidArgumentException } from '../errors.js';
import { concatBytes } from '../bytes.js';
import { keepLayout } from '../jit.js';

/** Anything that yields bytes: one buffer, a stream of chunks, or an (async) iterable of chunks. */
export type ByteSource = Uint8Array | ArrayBuffer | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const EMPTY = new Uint8Array(0);

export class ChunkReader {
  /** The chunk holding the read position; parsers read `chunk[pos…]` directly on their fast path. */
  chunk: Uint8Array = EMPTY;
  pos = 0;
  // #private names: the minifier shortens them (this class is in every browser bundle).
  /** Input offset of `chunk[0]`. */
  #chunkStart = 0;
  /** Chunks pulled ahead by `peek`, not yet reached by the read position. */
  readonly #ahead: Uint8Array[] = [];
  readonly #source: ChunkPuller;

  constructor(source: ByteSource) {
    this.#source = chunkPuller(source);
  }

  /** Input offset of the read position. */
  get offset(): number {
    return this.#chunkStart + this.pos;
  }

  /**
   * Makes the read position point at an unread byte, moving to the next chunk when the current one
   * is used up; false at the end of input.
   */
  async fill(): Promise<boolean> {
    return this.pos < this.chunk.length || this.#nextChunk();
  }

  /**
   * Copies up to `n` bytes from the read position into `out` without moving, pulling chunks as
   * needed (for a header that straddles chunks). Returns how many were copied: fewer than `n` only
   * when the input ends.
   */
  async peek(out: Uint8Array, n: number): Promise<number> {
    let copied = Math.min(n, this.chunk.length - this.pos);
    out.set(this.chunk.subarray(this.pos, this.pos + copied), 0);
    for (let i = 0; copied < n; i++) {
      let next = this.#ahead[i];
      if (next === undefined) {
        const pulled = await this.#source.pull();
        if (pulled === undefined) break;
        this.#ahead.push(pulled);
        next = pulled;
      }
      const take = Math.min(next.length, n - copied);
      out.set(next.subarray(0, take), copied);
      copied += take;
    }
    return copied;
  }

  /** Moves the read position `n` bytes on; false when the input ended first (position at the end). */
  async skip(n: number): Promise<boolean> {
    for (;;) {
      const available = this.chunk.length - this.pos;
      if (n <= available) {
        this.pos += n;
        return true;
      }
      n -= available;
      if (!(await this.#nextChunk())) return false;
    }
  }

  /**
   * The next `n` bytes as one contiguous array, moving past them: a view of the input chunk when
   * they lie in one, else a copy joined from the pieces. Undefined when the input ends first (the
   * position is then at the end).
   */
  async read(n: number): Promise<Uint8Array | undefined> {
    if (n > 0 && !(await this.fill())) return undefined;
    const available = this.chunk.length - this.pos;
    if (n <= available) {
      const view = this.chunk.subarray(this.pos, this.pos + n);
      this.pos += n;
      return view;
    }
    const pieces = new PieceJoiner(n);
    pieces.add(this.chunk.subarray(this.pos));
    let have = available;
    while (have < n) {
      if (!(await this.#nextChunk())) return undefined;
      const want = n - have;
      const piece = this.chunk.length > want ? this.chunk.subarray(0, want) : this.chunk;
      pieces.add(piece);
      have += piece.length;
      this.pos = piece.length;
    }
    return pieces.join();
  }

  /** Stops the source early (cancels a stream, returns an iterator); safe to call more than once. */
  close(): Promise<void> {
    return this.#source.close();
  }

  /** Makes the next chunk current (the current one must be used up); false at the end of input. */
  async #nextChunk(): Promise<boolean> {
    this.#chunkStart += this.chunk.length;
    this.pos = 0;
    const next = this.#ahead.length > 0 ? this.#ahead.shift() : await this.#source.pull();
    this.chunk = next ?? EMPTY;
    return next !== undefined;
  }
}
keepLayout(new ChunkReader(EMPTY));

/**
 * Heap bytes one held piece costs beyond its bytes (the view, its slot in the list, and a chunk
 * nobody else holds), roughly: V8's typed arrays are ~100–200 bytes each.
 */
const PIECE_OVERHEAD = 128;

/**
 * Pieces of one value that straddles chunks, joined once it is whole. Pieces are kept as views
 * while they are large; once the held pieces cost more heap than their bytes (a value that trickles
 * in a few bytes per chunk), they are copied into one growing buffer. The buffer at most doubles
 * the bytes that arrived, capped at the value's length, so it is never sized by the declared
 * length alone, and each byte is copied a bounded number of times on average.
 */
class PieceJoiner {
  readonly #length: number;
  #pieces: Uint8Array[] = [];
  #pieceBytes = 0;
  #buffer: Uint8Array = EMPTY;
  #buffered = 0;

  constructor(length: number) {
    this.#length = length;
  }

  add(piece: Uint8Array): void {
    this.#pieces.push(piece);
    this.#pieceBytes += piece.length;
    if (this.#pieces.length * PIECE_OVERHEAD > this.#pieceBytes) this.#flush();
  }

  /** The whole value (all `length` bytes must have been added). */
  join(): Uint8Array {
    if (this.#buffered === 0) return concatBytes(this.#pieces, this.#pieceBytes);
    this.#flush();
    return this.#buffer.length === this.#buffered ? this.#buffer : this.#buffer.subarray(0, this.#buffered);
  }

  /** Moves the held pieces into the buffer, growing it geometrically. */
  #flush(): void {
    const needed = this.#buffered + this.#pieceBytes;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.min(this.#length, Math.max(needed, 2 * this.#buffer.length)));
      grown.set(this.#buffer.subarray(0, this.#buffered), 0);
      this.#buffer = grown;
    }
    for (const piece of this.#pieces) {
      this.#buffer.set(piece, this.#buffered);
      this.#buffered += piece.length;
    }
    this.#pieces = [];
    this.#pieceBytes = 0;
  }
}
keepLayout(new PieceJoiner(0));

/** Lets go of a source no ChunkReader has read: an unlocked stream is cancelled; anything else has nothing to release. */
export async function cancelUnread(source: ByteSource): Promise<void> {
  if (isReadableStream(source) && !source.locked) await source.cancel();
}

interface ChunkPuller {
  /** The next non-empty chunk, or undefined at the end. */
  pull(): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}

function chunkPuller(source: ByteSource): ChunkPuller {
  // A whole buffer is a source of one chunk.
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return iteratorPuller([source][Symbol.iterator]());
  if (isReadableStream(source)) {
    const reader = source.getReader();
    return puller(
      () => reader.read(),
      () => reader.cancel(),
      true,
      () => reader.releaseLock(),
    );
  }
  return iteratorPuller(iteratorOf(source));
}

function iteratorPuller(iterator: Iterator<unknown> | AsyncIterator<unknown>): ChunkPuller {
  return puller(
    () => iterator.next(),
    () => iterator.return?.(),
    false,
  );
}

const CLOSED: IteratorResult<unknown> = { done: true, value: undefined };

/**
 * Pulls results from `next` (a stream reader's or an iterator's), skipping empty chunks; `stop`
 * runs when the reader stops early, `onEnd` once the source is done. Stopping does not wait for a
 * pull in flight, so a source that stalls forever is still let go at once: a stream reader's cancel
 * (`stream`) settles its pending read itself, and is awaited; an async iterator's pending next is
 * settled here as the end of input, and its return (which would wait behind that next) is run but
 * not awaited.
 */
function puller(
  next: () => Promise<IteratorResult<unknown>> | IteratorResult<unknown>,
  stop: () => unknown,
  stream: boolean,
  onEnd?: () => void,
): ChunkPuller {
  let finished = false;
  /** Settles the iterator's pull in flight (per pull: a long-lived promise raced each time would keep every race). */
  let wake: ((result: IteratorResult<unknown>) => void) | null = null;
  const pullOnce = (): Promise<IteratorResult<unknown>> | IteratorResult<unknown> => {
    const result = next();
    if (stream || !(result instanceof Promise)) return result;
    return new Promise((resolve, reject) => {
      wake = resolve;
      result.then(resolve, reject);
    });
  };
  return {
    pull: async () => {
      while (!finished) {
        const result = await pullOnce();
        wake = null;
        if (finished) break;
        if (result.done) {
          finished = true;
          onEnd?.();
          break;
        }
        const chunk = toBytes(result.value);
        if (chunk.length > 0) return chunk;
      }
      return undefined;
    },
    close: async () => {
      if (finished) return;
      finished = true;
      (wake as ((result: IteratorResult<unknown>) => void) | null)?.(CLOSED);
      const stopping = Promise.resolve().then(stop);
      if (stream) await stopping;
      else stopping.catch(() => {}); // an iterator's return: run, not waited for
    },
  };
}

function isReadableStream(source: object): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream).getReader === 'function';
}

function iteratorOf(source: unknown): Iterator<unknown> | AsyncIterator<unknown> {
  if (source !== null && typeof source === 'object') {
    const asyncIterate = (source as AsyncIterable<unknown>)[Symbol.asyncIterator];
    if (typeof asyncIterate === 'function') return asyncIterate.call(source);
    const iterate = (source as Iterable<unknown>)[Symbol.iterator];
    if (typeof iterate === 'function') return iterate.call(source);
  }
  throw new InvalidArgumentException('input must be a Uint8Array, ArrayBuffer, ReadableStream or (async) iterable of Uint8Array chunks');
}

/**
 * A chunk as a plain Uint8Array over the same memory (no copy). A Node Buffer is re-viewed: its
 * `subarray` is a slower JS override (one per frame adds up) and its `slice` is a view, not a copy,
 * so frames handed out are plain Uint8Arrays whatever the caller passed.
 */
function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) {
    return chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new InvalidArgumentException(`input chunk is ${describe(chunk)}, expected a Uint8Array`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}
