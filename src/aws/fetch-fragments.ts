/**
 * The fetching half of kvs-clip/aws: ListFragments (all pages) and GetClip's selection, then
 * GetMediaForFragmentList in batches with retries, over clients opened for one request.
 */
import { validateSelector } from '../api/index.js';
import { InvalidArgumentException } from '../errors.js';
import type { MkvFragment } from '../mkv/types.js';
import { resolveDataClients, type DataClients } from './clients.js';
import { toSdkError } from './errors.js';
import { downloadFragments } from './media.js';
import { positiveInteger, retrySettings, type RetrySettings } from './retry.js';
import { loadArchivedMediaSdk, type ArchivedMediaSdk } from './sdk.js';
import { listSelectedFragments, streamId, type SelectedFragment, type StreamId } from './selection.js';
import type { FetchOptions, KvsClipInput } from './types.js';

/** The selected fragments, read from GetMediaForFragmentList responses, in timestamp order, each once. */
export async function* fetchFragments(input: KvsClipInput, options: FetchOptions = {}): AsyncGenerator<MkvFragment> {
  const sdk = await loadArchivedMediaSdk();
  try {
    yield* fetchFragmentsWith(sdk, input, options);
  } catch (error) {
    throw toSdkError(sdk, error);
  }
}

/** What ListFragments reports for the fragments GetClip would take, in timestamp order. */
export async function listFragments(input: KvsClipInput, options: FetchOptions = {}): Promise<SelectedFragment[]> {
  const sdk = await loadArchivedMediaSdk();
  try {
    const session = await openSession(sdk, input, options);
    try {
      return await listSelectedFragments(sdk, session.clients.list, session.stream, input.ClipFragmentSelector, session.retry);
    } finally {
      session.close();
    }
  } catch (error) {
    throw toSdkError(sdk, error);
  }
}

/** As `fetchFragments`, with the SDK already loaded and errors left as they are (the caller maps them). */
export async function* fetchFragmentsWith(sdk: ArchivedMediaSdk, input: KvsClipInput, options: FetchOptions): AsyncGenerator<MkvFragment> {
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 100);
  if (batchSize > 1000) {
    throw new InvalidArgumentException(`batchSize must be at most 1000 (GetMediaForFragmentList's limit), got ${batchSize}`);
  }
  const concurrency = positiveInteger('concurrency', options.concurrency ?? 2);
  const session = await openSession(sdk, input, options);
  try {
    const selected = await listSelectedFragments(sdk, session.clients.list, session.stream, input.ClipFragmentSelector, session.retry);
    const listed = selected.length;
    options.onProgress?.({ listed, fetched: 0 });
    const media = {
      sdk,
      client: session.clients.media,
      stream: session.stream,
      retry: session.retry,
      batchSize,
      concurrency,
      onWarning: options.onWarning,
      expectedSizes: new Map(
        selected.flatMap(({ fragmentNumber, listed }) =>
          listed.FragmentSizeInBytes === undefined ? [] : [[fragmentNumber, listed.FragmentSizeInBytes] as const],
        ),
      ),
      onFetched: (fetched: number) => options.onProgress?.({ listed, fetched }),
    };
    yield* downloadFragments(
      media,
      selected.map((fragment) => fragment.fragmentNumber),
    );
  } finally {
    session.close();
  }
}

interface Session {
  stream: StreamId;
  retry: RetrySettings;
  clients: DataClients;
  /** Stops whatever is still in flight and closes the clients we opened. */
  close(): void;
}

/** Validates the request and opens the clients (discovering endpoints when needed). */
async function openSession(sdk: ArchivedMediaSdk, input: KvsClipInput, options: FetchOptions): Promise<Session> {
  const stream = streamId(input);
  validateSelector(input.ClipFragmentSelector); // before any request: GetClip's rules, not ListFragments'
  const controller = new AbortController();
  const userAbort = () => controller.abort(options.abortSignal?.reason);
  if (options.abortSignal?.aborted) userAbort();
  options.abortSignal?.addEventListener('abort', userAbort, { once: true });
  const retry = retrySettings(options.retry, controller.signal, options.onRetry);
  let clients: DataClients | undefined;
  const close = () => {
    controller.abort();
    options.abortSignal?.removeEventListener('abort', userAbort);
    clients?.dispose();
  };
  try {
    clients = await resolveDataClients(sdk, stream, options, retry);
  } catch (error) {
    close();
    throw error;
  }
  return { stream, retry, clients, close };
}
