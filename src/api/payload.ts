import { concatBytes } from '../bytes.js';
import type { ClipPayload } from './types.js';

/** The flat clip as the SDK-like payload: chunks as written, joined only when asked. */
export function createPayload(chunks: Uint8Array[], byteLength: number, type = 'video/mp4'): ClipPayload {
  let joined: Uint8Array<ArrayBuffer> | null = null;
  const bytes = (): Uint8Array<ArrayBuffer> => {
    if (joined) return joined;
    return (joined = concatBytes(chunks, byteLength));
  };
  return {
    byteLength,
    chunks: () => chunks.slice(),
    bytes,
    stream: () => streamOf(chunks),
    blob: () => new Blob(chunks as BlobPart[], { type }),
    transformToByteArray: async () => bytes(),
  };
}

/**
 * A ReadableStream over an (async) iterable, one chunk per pull (ReadableStream.from is not everywhere
 * yet). `stopSource`, when given, runs first on cancel: it ends a pull in flight.
 */
export function streamOf<T>(source: Iterable<T> | AsyncIterable<T>, stopSource?: () => Promise<unknown>): ReadableStream<T> {
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  return new ReadableStream<T>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel(reason) {
      // The iterator's return waits behind a pull in flight: `stopSource` ends that pull first.
      await stopSource?.();
      await iterator.return?.(reason);
    },
  });
}
