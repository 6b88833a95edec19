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
import type { ByteSource, FragmentEvent, MkvFragment, ReadOptions } from './types.js';

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
  return cancellable(source, (opened) => completeFragments(eventsOf(source, options, opened, false)));
}

/**
 * As `readFragments`, and besides each complete fragment the frames of every block as soon as the
 * block has arrived, inside the still open fragment: for low-latency output, which sends frames
 * before their fragment ends (docs/kvs-mkv.md#blocks-as-they-arrive). Same errors, warnings and
 * cancelling as `readFragments`; a 'fragment' event comes before the frames of the block that
 * completed it.
 */
export function readFragmentEvents(source: ByteSource, options: ReadOptions = {}): AsyncGenerator<FragmentEvent> {
  return cancellable(source, (opened) => eventsOf(source, options, opened, true));
}

function cancellable<T>(source: ByteSource, start: (opened: (input: ChunkReader) => void) => AsyncGenerator<T>): AsyncGenerator<T> {
  let input: ChunkReader | undefined;
  const generator = start((opened) => (input = opened));
  // An async generator's return() waits behind a pending next(), which waits for the source: closing
  // the input first ends that wait, so a stalled source does not keep the caller (or a process) hanging.
  const finish = generator.return.bind(generator);
  generator.return = async (value) => {
    // Returned before its first next(): the generator never runs, so the source is let go here.
    await (input === undefined ? cancelUnread(source) : input.close());
    return finish(value);
  };
  return generator;
}

/** The complete fragments of a stream of reader events (the block events left out). */
export async function* completeFragments(events: AsyncIterable<FragmentEvent>): AsyncGenerator<MkvFragment> {
  for await (const event of events) if (event.type === 'fragment') yield event.fragment;
}

async function* eventsOf(
  source: ByteSource,
  options: ReadOptions,
  opened: (input: ChunkReader) => void,
  withFrames: boolean,
): AsyncGenerator<FragmentEvent> {
  const limits = readerLimits(options);
  const input = new ChunkReader(source);
  opened(input);
  const reader = new ElementReader(input, limits, options.onWarning);
  const maxElementSize = limits.maxElementSize;
  const ready = reader.ready;
  /**
   * The next fragment to hand out, its frames decoded when a track has a ContentEncoding
   * (content-encoding.ts); with frame events they were decoded block by block already.
   */
  const next = async (): Promise<FragmentEvent> => {
    const fragment = ready.shift()!;
    if (!withFrames && needsDecoding(fragment.tracks)) await decodeFrames(fragment, maxElementSize);
    return { type: 'fragment', fragment };
  };
  /** The frames of the block the last step read, decoded like a fragment's. */
  const grown = async (): Promise<FragmentEvent> => {
    const fragment = reader.grown!;
    reader.grown = null;
    const frames = fragment.frames.slice(reader.grownFrom);
    if (needsDecoding(fragment.tracks)) await decodeFrames({ ...fragment, frames }, maxElementSize);
    return { type: 'frames', fragment, frames };
  };
  try {
    for (;;) {
      if (!reader.startElement() && !(await reader.startElementAcrossChunks())) break;
      let step = reader.readElement();
      if (step === SKIP) step = await reader.skipAcrossChunks();
      else if (step === READ) step = await reader.readAcrossChunks();
      // Taken off the list before each yield, so that none is handed out twice.
      while (ready.length > 0) yield await next();
      if (reader.grown !== null) {
        if (withFrames) yield await grown();
        else reader.grown = null;
      }
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
