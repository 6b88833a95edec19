/**
 * kvs-clip/aws: GetClip's job against a live stream, with the real AWS SDK (an optional peer
 * dependency, imported on first use) and without GetClip's 100 MB / 200 fragment caps.
 *
 *   ListFragments (all pages) ─▶ GetClip's selection ─▶ GetMediaForFragmentList (batches, retries)
 *   ─▶ the offline API (clipFromFragments / fragmentedMp4FromFragments)
 *
 * Every error thrown from here is the SDK's class of its name when the SDK has one, so handlers
 * written for GetClipCommand (`err instanceof ResourceNotFoundException`) work unchanged.
 */
import { clipFromFragments, fragmentedMp4FromFragments, validateSelector } from '../api/index.js';
import type { ClipOptions, ClipOutput, Mp4Segment } from '../api/types.js';
import { InvalidArgumentException } from '../errors.js';
import type { MkvFragment } from '../mkv/types.js';
import { resolveDataClients, type DataClients } from './clients.js';
import { toSdkError } from './errors.js';
import { downloadFragments } from './media.js';
import type { RetrySettings } from './retry.js';
import { loadArchivedMediaSdk, type ArchivedMediaSdk } from './sdk.js';
import { listSelectedFragments, streamId, type SelectedFragment, type StreamId } from './selection.js';
import type { FetchOptions, GetClipOptions, KvsClipInput } from './types.js';

export type { FetchOptions, FetchProgress, GetClipOptions, KvsClipInput, KvsOperation, RetryEvent } from './types.js';
export type { SelectedFragment } from './selection.js';

/** Like GetClipCommand: the flat MP4 of the selected fragments, uncapped unless options cap it. */
export async function getClip(input: KvsClipInput, options: GetClipOptions = {}): Promise<ClipOutput> {
  const sdk = await loadArchivedMediaSdk();
  try {
    return await clipFromFragments(fetchWith(sdk, input, options), clipOptions(input, options));
  } catch (error) {
    throw toSdkError(sdk, error);
  }
}

/** The same fragments as fragmented MP4: an init segment, then one media segment per fragment. */
export async function* getFragmentedMp4(input: KvsClipInput, options: GetClipOptions = {}): AsyncGenerator<Mp4Segment> {
  const sdk = await loadArchivedMediaSdk();
  try {
    yield* fragmentedMp4FromFragments(fetchWith(sdk, input, options), clipOptions(input, options));
  } catch (error) {
    throw toSdkError(sdk, error);
  }
}

/** The selected fragments, read from GetMediaForFragmentList responses, in timestamp order, each once. */
export async function* fetchFragments(input: KvsClipInput, options: FetchOptions = {}): AsyncGenerator<MkvFragment> {
  const sdk = await loadArchivedMediaSdk();
  try {
    yield* fetchWith(sdk, input, options);
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

async function* fetchWith(sdk: ArchivedMediaSdk, input: KvsClipInput, options: FetchOptions): AsyncGenerator<MkvFragment> {
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
      onFetched: (fetched: number) => options.onProgress?.({ listed, fetched }),
    };
    yield* downloadFragments(media, selected.map((fragment) => fragment.fragmentNumber));
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
  const retry: RetrySettings = {
    maxAttempts: positiveInteger('maxAttempts', options.maxAttempts ?? 5),
    baseDelayMs: options.retryBaseDelayMs ?? 100,
    maxDelayMs: options.retryMaxDelayMs ?? 5_000,
    onRetry: options.onRetry,
    signal: controller.signal,
  };
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

/** The offline API's options: everything that is not about fetching, plus the selector. */
function clipOptions(input: KvsClipInput, options: GetClipOptions): ClipOptions {
  const {
    client, kinesisVideoClient, region, endpoint, credentials, batchSize, concurrency, maxAttempts,
    retryBaseDelayMs, retryMaxDelayMs, onRetry, onProgress, abortSignal,
    ...clip
  } = options;
  return { ...clip, ClipFragmentSelector: input.ClipFragmentSelector };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentException(`${name} must be a positive integer, got ${value}`);
  return value;
}
