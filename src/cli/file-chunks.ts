/**
 * A regular file read in large chunks into a few buffers that are reused, instead of a fresh buffer
 * per read left to the garbage collector (V8 frees dead buffers only every few tens of MiB, so a
 * fresh buffer per read makes the process hold far more than it uses).
 *
 * Frames are views of these buffers, so a buffer may be reused only once nothing will read those
 * views again: the caller says so with `release(position)`, meaning every byte before `position` of
 * the file is done with.
 */
import { readSync } from 'node:fs';
import { FILE_READ_CHUNK } from './io.js';

interface FileChunks {
  /** The file's bytes, chunk by chunk; each chunk is a view of a buffer of its own. */
  chunks: AsyncGenerator<Uint8Array>;
  /** Every byte of the file before `position` is done with: buffers wholly before it are reused. */
  release(position: number): void;
  /** Where a view of one of the chunks starts in the file, or undefined for any other bytes. */
  fileOffsetOf(view: Uint8Array): number | undefined;
}

export function readFileChunks(fd: number, readChunk = FILE_READ_CHUNK, onRead?: (bytes: number) => void): FileChunks {
  const chunkStarts = new WeakMap<ArrayBufferLike, number>();
  const free: Buffer[] = [];
  const reading: { buffer: Buffer; end: number }[] = [];

  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let position = 0; ;) {
      const buffer = free.pop() ?? Buffer.allocUnsafeSlow(readChunk); // its own ArrayBuffer: offsets map back to the file
      // Synchronous reads: a CLI has nothing else to do meanwhile, and it saves a thread-pool round trip per chunk.
      const bytesRead = readSync(fd, buffer, 0, readChunk, position);
      if (bytesRead === 0) return;
      chunkStarts.set(buffer.buffer, position);
      position += bytesRead;
      reading.push({ buffer, end: position });
      onRead?.(position);
      yield buffer.subarray(0, bytesRead);
    }
  }

  return {
    chunks: chunks(),
    release(position) {
      // The newest buffer stays whatever the position: the reader may still be in it.
      while (reading.length > 1 && reading[0].end <= position) free.push(reading.shift()!.buffer);
    },
    fileOffsetOf(view) {
      const start = chunkStarts.get(view.buffer);
      return start === undefined ? undefined : start + view.byteOffset;
    },
  };
}
