/**
 * The streaming Matroska/KVS reader: bytes in, fragments out (docs/kvs-mkv.md).
 *
 * One pass over the input, one element per step of an ElementReader (element-reader.ts); this
 * generator only drives the steps, awaits their async halves and hands out the fragments they complete.
 */
import { ChunkReader, EbmlError } from '../ebml/index.js';
import { decodeFrames, needsDecoding } from './content-encoding.js';
import { ElementReader, END, READ, SKIP } from './element-reader.js';
import type { ByteSource, MkvFragment, ReadOptions } from './types.js';

export const DEFAULT_MAX_ELEMENT_SIZE = 64 * 1024 * 1024;

/**
 * Reads KVS GetMedia / GetMediaForFragmentList output, or any Matroska file, as fragments.
 *
 * - Frames are views of the input chunks (a frame straddling chunks is joined once).
 * - Malformed bytes: the fragment being read is yielded with its complete frames (`partial`), then
 *   an InvalidArgumentException naming the byte offset and fragment is thrown.
 * - In-band KVS errors: every earlier fragment is yielded, then ResourceNotFoundException
 *   (ERROR_ID 4000) or KvsStreamError is thrown.
 * - Input ending inside an element: every complete frame is yielded, then `onWarning` gets a
 *   'truncated' warning; no error.
 */
export async function* readFragments(source: ByteSource, options: ReadOptions = {}): AsyncGenerator<MkvFragment> {
  const input = new ChunkReader(source);
  const maxElementSize = options.maxElementSize ?? DEFAULT_MAX_ELEMENT_SIZE;
  const reader = new ElementReader(input, maxElementSize, options.onWarning);
  const ready = reader.ready;
  /** The next fragment to hand out, its frames decoded when a track has a ContentEncoding (content-encoding.ts). */
  const next = async (): Promise<MkvFragment> => {
    const fragment = ready.shift()!;
    if (needsDecoding(fragment.tracks)) await decodeFrames(fragment, maxElementSize);
    return fragment;
  };
  try {
    for (;;) {
      if (!reader.startElement() && !(await reader.startElementAcrossChunks())) break;
      let step = reader.readElement();
      if (step === SKIP) step = await reader.skipAcrossChunks();
      else if (step === READ) step = await reader.readAcrossChunks();
      // Taken off the list before each yield, so that none is handed out twice.
      while (ready.length > 0) yield await next();
      if (step === END) break;
    }
    const last = reader.finish();
    if (last !== null) {
      ready.push(last);
      yield await next();
    }
    reader.warnIfTruncated(last);
  } catch (error) {
    // Whatever was complete before the bad spot is still delivered.
    while (ready.length > 0) yield await next();
    if (!(error instanceof EbmlError)) throw error;
    const failure = reader.malformed(error);
    const partial = reader.closeBeforeFailure();
    if (partial !== null) {
      ready.push(partial);
      yield await next();
    }
    throw failure;
  } finally {
    await input.close();
  }
}
