/** Runs the reader to the end and records what came out, in order, for assertions. */
import { readFragments, type ByteSource, type MkvFragment, type ReaderWarning, type ReadOptions } from '../../src/mkv/index.js';

export interface ReadResult {
  fragments: MkvFragment[];
  warnings: ReaderWarning[];
  error: unknown;
  /** 'fragment' / 'warning' / 'error' in the order they happened. */
  events: string[];
}

export async function readAll(source: ByteSource, options: Omit<ReadOptions, 'onWarning'> = {}): Promise<ReadResult> {
  const result: ReadResult = { fragments: [], warnings: [], error: undefined, events: [] };
  const onWarning = (warning: ReaderWarning): void => {
    result.warnings.push(warning);
    result.events.push('warning');
  };
  try {
    for await (const fragment of readFragments(source, { ...options, onWarning })) {
      result.fragments.push(fragment);
      result.events.push('fragment');
    }
  } catch (error) {
    result.error = error;
    result.events.push('error');
  }
  return result;
}

/** The same chunks as a sync iterable, an async generator or a web ReadableStream. */
export function asSource(chunks: Uint8Array[], kind: 'array' | 'async' | 'stream'): ByteSource {
  if (kind === 'array') return chunks;
  if (kind === 'async') {
    return (async function* () {
      for (const chunk of chunks) yield chunk;
    })();
  }
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}
