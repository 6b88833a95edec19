/**
 * The fragmented MP4 of a regular file, read into a few reused buffers (file-chunks.ts) rather than a
 * fresh buffer per read, so streaming a file of any length holds a few fragments' worth of memory.
 */
import { fragmentedMp4Chunks } from '../api/index.js';
import type { FragmentedOptions, Mp4SegmentChunks } from '../api/types.js';
import { readFileChunks } from './file-chunks.js';

interface FragmentedFileSettings {
  /** Read size (FILE_READ_CHUNK unless a test wants small ones). */
  readChunk?: number;
  /** Told the bytes read so far, after each read (for a progress line). */
  onRead?: (bytes: number) => void;
}

/**
 * Segments come in input order and their payloads are views of the read buffers, not copies. When
 * the caller asks for the next segment it is done with this one (the CLI writes it synchronously),
 * and nothing reads the bytes before the next segment's fragment (its byteOffset) again: the buffers
 * wholly before that are reused.
 */
export async function* fragmentedMp4OfFile(
  fd: number,
  options: FragmentedOptions,
  { readChunk, onRead }: FragmentedFileSettings = {},
): AsyncGenerator<Mp4SegmentChunks> {
  const file = readFileChunks(fd, readChunk, onRead);
  for await (const segment of fragmentedMp4Chunks(file.chunks, options)) {
    yield segment;
    if (segment.byteOffset !== null) file.release(segment.byteOffset);
  }
}
