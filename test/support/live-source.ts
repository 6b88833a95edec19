/**
 * A byte source the test feeds by hand, for live tests: chunks are handed to the reader only when
 * pushed, and `untilStarved()` resolves once the reader asks for a chunk that has not been pushed
 * yet, so a test can tell what came out of a stream before a given byte arrived (no timers).
 */
export interface LiveSource extends AsyncIterable<Uint8Array> {
  push(chunk: Uint8Array): void;
  end(): void;
  /** Resolves when the reader waits for more input than has been pushed. */
  untilStarved(): Promise<void>;
}

export function liveSource(): LiveSource {
  const queue: Uint8Array[] = [];
  let ended = false;
  let waiting: ((result: IteratorResult<Uint8Array>) => void) | null = null;
  let starved: (() => void) | null = null;
  let isStarved = false;
  const wake = (): void => {
    if (waiting === null) return;
    const resolve = waiting;
    waiting = null;
    isStarved = false;
    if (queue.length > 0) resolve({ value: queue.shift()!, done: false });
    else if (ended) resolve({ value: undefined, done: true });
  };
  return {
    push(chunk) {
      queue.push(chunk);
      wake();
    },
    end() {
      ended = true;
      wake();
    },
    untilStarved() {
      if (isStarved) return Promise.resolve();
      return new Promise((resolve) => (starved = resolve));
    },
    [Symbol.asyncIterator]() {
      return {
        next: () => {
          if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
          if (ended) return Promise.resolve({ value: undefined, done: true });
          return new Promise<IteratorResult<Uint8Array>>((resolve) => {
            waiting = resolve;
            isStarved = true;
            const notify = starved;
            starved = null;
            notify?.();
          });
        },
      };
    },
  };
}
