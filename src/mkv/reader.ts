/**
 * The streaming Matroska/KVS reader: bytes in, fragments out (docs/kvs-mkv.md).
 *
 * One pass over the input, one element per step of an ElementReader (element-reader.ts); this
 * generator only drives the steps, awaits their async halves and hands out the fragments they complete.
 */
import { cancelUnread, ChunkReader, EbmlError } from '../ebml/index.js';
import { decodeFrames, needsDecoding } from './content-encoding.js';
import { ElementReader, END, READ, SKIP } from './element-reader.js';
import { readerLimits } from './limits.js';
import type { ByteSource, MkvFragment, ReadOptions } from './types.js';

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
 * - A fragment exceeding a ReaderLimits option: like malformed bytes, with an
 *   InvalidArgumentException naming the option.
 * - `return()` stops the source at once, even while a `next()` waits for it (a stream is cancelled):
 *   that `next()` then settles as if the input had ended there.
 */
export function readFragments(source: ByteSource, options: ReadOptions = {}): AsyncGenerator<MkvFragment> {
  let input: ChunkReader | undefined;
  const fragments = fragmentsOf(source, options, (opened) => (input = opened));
  // An async generator's return() waits behind a pending next(), which waits for the source: closing
  // the input first ends that wait, so a stalled source does not keep the caller (or a process) hanging.
  const finish = fragments.return.bind(fragments);
  fragments.return = async (value) => {
    // Returned before its first next(): the generator never runs, so the source is let go here.
    await (input === undefined ? cancelUnread(source) : input.close());
    return finish(value);
  };
  return fragments;
}

async function* fragmentsOf(source: ByteSource, options: ReadOptions, opened: (input: ChunkReader) => void): AsyncGenerator<MkvFragment> {
  const limits = readerLimits(options);
  const input = new ChunkReader(source);
  opened(input);
  const reader = new ElementReader(input, limits, options.onWarning);
  const maxElementSize = limits.maxElementSize;
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
