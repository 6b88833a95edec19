/**
 * GetMediaForFragmentList in batches, a bounded window of them in flight, fragments handed on in
 * the order asked for. A response that breaks off (socket error, or a body that ends mid-fragment)
 * loses only what was not complete: the next request asks for exactly the fragment numbers still
 * missing, so every fragment arrives once and none is lost (checked by fragment number). The same
 * holds for a body that ends cleanly between two blocks of an unknown-size cluster, which the reader
 * cannot tell from a whole fragment: a fragment with fewer bytes than ListFragments'
 * FragmentSizeInBytes is asked for again (docs/errors.md#short-fragments); for an in-band error that
 * KVS documents as transient (docs/errors.md#in-band); and for a body that goes silent
 * (docs/errors.md#timeouts).
 */
import type { KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { KvsStreamError } from '../errors.js';
import { readFragments } from '../mkv/index.js';
import type { ReaderWarning } from '../warnings.js';
import type { ByteSource, MkvFragment } from '../mkv/types.js';
import type { ArchivedMediaSdk } from './sdk.js';
import { fromSdkFailure } from './response.js';
import { attemptSignal, backoffDelay, idleTimeoutError, isRetryable, type RetrySettings } from './retry.js';
import type { StreamId } from './selection.js';

interface MediaContext {
  sdk: ArchivedMediaSdk;
  client: KinesisVideoArchivedMediaClient;
  stream: StreamId;
  retry: RetrySettings;
  batchSize: number;
  concurrency: number;
  onWarning?: (warning: ReaderWarning) => void;
  /** ListFragments' FragmentSizeInBytes by fragment number, where it gave one. */
  expectedSizes: ReadonlyMap<string, number>;
  /** Called with the running count each time a fragment has arrived complete. */
  onFetched?: (fetched: number) => void;
}

/**
 * Yields the fragments with these numbers, in this order. At most `concurrency` batches are in
 * flight or waiting to be consumed, which bounds memory as well as connections.
 */
export async function* downloadFragments(ctx: MediaContext, fragmentNumbers: string[]): AsyncGenerator<MkvFragment> {
  const batches: string[][] = [];
  for (let i = 0; i < fragmentNumbers.length; i += ctx.batchSize) batches.push(fragmentNumbers.slice(i, i + ctx.batchSize));
  const downloads = new Map<number, BatchDownload>();
  let started = 0;
  let fetched = 0;
  const counted = () => ctx.onFetched?.(++fetched);
  // Fragments come from many responses; renumber them as one input for the layers above.
  let index = 0;
  for (let b = 0; b < batches.length; b++) {
    for (; started < Math.min(batches.length, b + ctx.concurrency); started++) {
      downloads.set(started, downloadBatch(ctx, batches[started], counted));
    }
    const batch = downloads.get(b)!;
    downloads.delete(b);
    for (const fragmentNumber of batches[b]) yield { ...(await batch.take(fragmentNumber)), index: index++ };
  }
}

interface BatchDownload {
  /** Waits for the fragment (each is taken once), or throws what made the batch give up. */
  take(fragmentNumber: string): Promise<MkvFragment>;
}

function downloadBatch(ctx: MediaContext, numbers: string[], counted: () => void): BatchDownload {
  const wanted = new Set(numbers);
  const complete = new Set<string>();
  const waiting = new Map<string, MkvFragment>();
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };

  /** Fragments that came shorter than ListFragments said, with the length they came with. */
  const shortSeen = new Map<string, number>();
  const accept = (fragment: MkvFragment) => {
    const number = fragment.fragmentNumber;
    if (number === null || !wanted.has(number) || complete.has(number)) {
      ctx.onWarning?.({
        code: 'unexpected-fragment',
        message: `GetMediaForFragmentList sent fragment ${number ?? '(without a number)'}, which was not asked for or came twice; skipped`,
      });
      return;
    }
    const expected = ctx.expectedSizes.get(number);
    if (expected !== undefined && fragment.byteLength < expected) {
      // The same short length twice is what the service holds, not a cut: take it, and say so.
      if (shortSeen.get(number) !== fragment.byteLength) {
        shortSeen.set(number, fragment.byteLength);
        return;
      }
      ctx.onWarning?.({
        code: 'fragment-size-mismatch',
        message: `GetMediaForFragmentList sent fragment ${number} with ${fragment.byteLength} bytes twice, ListFragments says ${expected}; kept as sent`,
        fragmentIndex: fragment.index,
      });
    }
    complete.add(number);
    waiting.set(number, fragment);
    counted();
    notify();
  };

  const { retry } = ctx;
  const run = async () => {
    let missing = numbers;
    // Attempts since the last one that brought a fragment: a cut-off response that delivered
    // something is progress, and the re-request is a new, smaller request.
    let failures = 0;
    for (;;) {
      let reason: unknown;
      try {
        await requestOnce(ctx, missing, accept);
      } catch (error) {
        if (!isRetryable(error, retry.signal) && !isTransientInBandError(error)) throw error;
        reason = error;
      }
      const stillMissing = numbers.filter((number) => !complete.has(number));
      if (stillMissing.length === 0) return;
      failures = stillMissing.length < missing.length ? 1 : failures + 1;
      missing = stillMissing;
      reason ??= new KvsStreamError(
        `GetMediaForFragmentList response ended before ${missing.length} of the fragments asked for were complete`,
        { errorCode: 'IncompleteResponse', fragmentNumber: missing[0] },
      );
      if (failures >= retry.maxAttempts) throw reason;
      const delayMs = backoffDelay(failures, retry);
      retry.onRetry?.({ operation: 'GetMediaForFragmentList', attempt: failures, delayMs, error: reason, fragments: missing });
      await retry.sleep(delayMs, retry.signal);
    }
  };
  run().then(
    () => notify(),
    (error: unknown) => {
      failure = { error };
      notify();
    },
  );

  return {
    async take(fragmentNumber) {
      for (;;) {
        const fragment = waiting.get(fragmentNumber);
        if (fragment) {
          waiting.delete(fragmentNumber);
          return fragment;
        }
        if (failure) throw failure.error;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/**
 * One GetMediaForFragmentList request; passes on each fragment that arrived complete. The reader
 * marks the fragment it was in when the body ended early as `partial` (with a 'truncated' warning,
 * which is ours to handle, not the user's); when the body fails with a socket error, it never
 * hands that fragment over at all.
 */
async function requestOnce(ctx: MediaContext, numbers: string[], accept: (fragment: MkvFragment) => void): Promise<void> {
  const attempt = attemptSignal('GetMediaForFragmentList', ctx.retry);
  let output;
  try {
    output = await ctx.client.send(new ctx.sdk.GetMediaForFragmentListCommand({ ...ctx.stream, Fragments: numbers }), {
      abortSignal: attempt.signal,
    });
  } catch (error) {
    // Our own timer's abort surfaces as the SDK's AbortError: report the timeout instead.
    throw attempt.signal.aborted && !ctx.retry.signal.aborted ? attempt.signal.reason : fromSdkFailure('GetMediaForFragmentList', error);
  } finally {
    attempt.settle();
  }
  const onWarning = (warning: ReaderWarning) => {
    if (warning.code !== 'truncated') ctx.onWarning?.(warning);
  };
  let partial: MkvFragment | undefined;
  const body = idleLimited(payloadSource(output.Payload), ctx.retry);
  try {
    for await (const fragment of readFragments(body, { onWarning })) {
      if (fragment.partial) partial = fragment;
      else accept(fragment);
    }
  } catch (error) {
    // Malformed media will not mend on a retry: like the offline reader, hand on the complete frames
    // before the bad spot, then the error.
    if (partial && !isRetryable(error, ctx.retry.signal) && !isTransientInBandError(error)) accept(partial);
    throw error;
  }
}

/**
 * In-band error codes that KVS describes as transient (GetMedia API reference, docs/errors.md#in-band):
 * 3002 "Error writing to the stream" and 5000 "Internal error". 4000 (fragment not found) and the KMS
 * errors 4500–4506 will not mend on a retry. GetMediaForFragmentList's EXCEPTION_ERROR_CODE is
 * documented only as "the integer code"; we read it with the same table.
 */
const transientInBandCodes = new Set([3002, 5000]);

export function isTransientInBandError(error: unknown): boolean {
  if (!(error instanceof KvsStreamError)) return false;
  const code = error.errorId ?? (error.errorCode !== undefined && /^\d{1,9}$/.test(error.errorCode) ? Number(error.errorCode) : undefined);
  return code !== undefined && transientInBandCodes.has(code);
}

/**
 * The body, given up with a TimeoutError (retryable) when no byte arrives for idleTimeoutMs, or
 * with the session's reason when it is aborted. Either way the underlying stream is destroyed, so
 * no socket is left open.
 */
function idleLimited(source: ByteSource, retry: RetrySettings): ByteSource {
  if (source instanceof Uint8Array || !(Symbol.asyncIterator in source)) return source;
  const iterable = source as AsyncIterable<Uint8Array> & { destroy?: (error?: Error) => void };
  return (async function* () {
    const iterator = iterable[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = iterator.next();
        next.catch(() => {}); // it may settle after we gave up on it
        let timer: ReturnType<typeof setTimeout> | undefined;
        let onAbort: (() => void) | undefined;
        const stalled = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(idleTimeoutError('GetMediaForFragmentList', retry.idleTimeoutMs, 'no body byte')),
            retry.idleTimeoutMs,
          );
          onAbort = () => reject(retry.signal.reason as Error);
          if (retry.signal.aborted) onAbort();
          else retry.signal.addEventListener('abort', onAbort, { once: true });
        });
        try {
          const result = await Promise.race([next, stalled]);
          if (result.done) return;
          yield result.value;
        } finally {
          clearTimeout(timer);
          retry.signal.removeEventListener('abort', onAbort!);
        }
      }
    } finally {
      iterable.destroy?.();
      void iterator.return?.()?.catch(() => {});
    }
  })();
}

/** The SDK's streaming payload: a Node Readable (async iterable) or a web ReadableStream / Blob. */
function payloadSource(payload: unknown): ByteSource {
  if (payload === undefined || payload === null) return new Uint8Array(0);
  if (payload instanceof Uint8Array) return payload;
  if (typeof ReadableStream !== 'undefined' && payload instanceof ReadableStream) return payload;
  if (typeof payload === 'object' && Symbol.asyncIterator in payload) return payload as AsyncIterable<Uint8Array>;
  if (typeof Blob !== 'undefined' && payload instanceof Blob) return payload.stream();
  throw new KvsStreamError('GetMediaForFragmentList returned a payload of an unknown kind', { errorCode: 'UnknownPayload' });
}
