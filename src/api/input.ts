/**
 * What the API calls accept as input, checked at the door: a wrong input is an
 * InvalidArgumentException naming what was given, never a TypeError from deep inside the reader. A
 * Blob or File is read as a stream (never whole); with `signal` or `onProgress` the chunks pass
 * through a reader that stops when the signal aborts and counts what was read.
 */
import type { ByteSource } from '../mkv/types.js';
import { InvalidArgumentException } from '../errors.js';
import type { ClipInput, ClipOptions, ReadProgress } from './types.js';

/** The reader's byte source for `input`, with the options' signal and progress applied. */
export function inputSource(input: ClipInput, options: Pick<ClipOptions, 'signal' | 'onProgress'>): ByteSource {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  if (isBlob(input)) return watched(input.stream(), input.size, signal, onProgress);
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    // Nothing to read: the whole input is there. Progress is reported once; the clip loops check the signal.
    onProgress?.({ bytesRead: input.byteLength, totalBytes: input.byteLength });
    return input;
  }
  if (!isReadableStream(input) && !isIterable(input)) {
    throw new InvalidArgumentException(
      `input is ${describe(input)}; expected a Uint8Array, ArrayBuffer, Blob, ReadableStream or (async) iterable of Uint8Array chunks`,
    );
  }
  return signal || onProgress ? watched(input, null, signal, onProgress) : input;
}

/** The chunks of `source` as they come, ending the read (and releasing the source) when `signal` aborts. */
async function* watched(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  totalBytes: number | null,
  signal: AbortSignal | undefined,
  onProgress: ((progress: ReadProgress) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  const next = chunkIterator(source);
  let aborted: Promise<never> | undefined;
  let onAbort: (() => void) | undefined;
  if (signal) {
    aborted = new Promise<never>((_, reject) => {
      // signal.reason is what the caller aborted with (an AbortError DOMException by default).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {}); // observed by the race below; never an unhandled rejection
  }
  let bytesRead = 0;
  try {
    for (;;) {
      // A chunk that never comes (a stalled network read) must not hold the abort back.
      const result = await (aborted ? Promise.race([next.next(), aborted]) : next.next());
      if (result.done) return;
      const chunk = result.value;
      bytesRead += chunk.byteLength;
      onProgress?.({ bytesRead, totalBytes });
      yield chunk;
      signal?.throwIfAborted();
    }
  } finally {
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    // Stops the source: a stream is cancelled, a generator returned, a Node stream destroyed.
    void Promise.resolve(next.return?.()).catch(() => {});
  }
}

function chunkIterator(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterator<Uint8Array> {
  if (isReadableStream(source)) {
    const reader = source.getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    };
  }
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  const iterator = source[Symbol.iterator]();
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  };
}

function isBlob(input: unknown): input is Blob {
  return typeof Blob !== 'undefined' && input instanceof Blob;
}

function isReadableStream(input: unknown): input is ReadableStream<Uint8Array> {
  return typeof input === 'object' && input !== null && typeof (input as ReadableStream).getReader === 'function';
}

function isIterable(input: unknown): input is AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  if (typeof input !== 'object' || input === null) return false;
  return (
    typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
    typeof (input as Iterable<unknown>)[Symbol.iterator] === 'function'
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}
