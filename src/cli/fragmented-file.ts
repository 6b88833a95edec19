/**
 * The fragmented MP4 of a regular file, read into a few reused buffers (file-chunks.ts) rather than a
 * fresh buffer per read, so streaming a file of any length holds a few fragments' worth of memory.
 */
import { fragmentedMp4 } from '../api/index.js';
import type { ClipOptions, Mp4Segment } from '../api/types.js';
import { FILE_READ_CHUNK, readFileChunks } from './file-chunks.js';

export interface FragmentedFileSettings {
  /** Read size (FILE_READ_CHUNK unless a test wants small ones). */
  readChunk?: number;
  /** Told the bytes read so far, after each read (for a progress line). */
  onRead?: (bytes: number) => void;
}

/**
 * Segments are copies and come in input order, so once one is out, nothing reads the bytes before
 * its fragment again (Mp4Segment.byteOffset) and the buffers that held them are reused.
 */
export async function* fragmentedMp4OfFile(fd: number, options: ClipOptions, { readChunk = FILE_READ_CHUNK, onRead }: FragmentedFileSettings = {}): AsyncGenerator<Mp4Segment> {
  const file = readFileChunks(fd, readChunk, onRead);
  for await (const segment of fragmentedMp4(file.chunks, options)) {
    if (segment.byteOffset !== null) file.release(segment.byteOffset);
    yield segment;
  }
}
