/**
 * GetClip against a live stream: the fetched fragments (fetch-fragments.ts) through the offline API,
 * uncapped unless the options cap it. Errors become the SDK's classes of their names (errors.ts).
 */
import { clipFromFragments, fragmentedMp4FromFragments } from '../api/index.js';
import type { ClipOptions, ClipOutput, Mp4Segment } from '../api/types.js';
import { toSdkError } from './errors.js';
import { fetchFragmentsWith } from './fetch-fragments.js';
import { loadArchivedMediaSdk } from './sdk.js';
import type { GetClipOptions, KvsClipInput } from './types.js';

/** Like GetClipCommand: the flat MP4 of the selected fragments, uncapped unless options cap it. */
export async function getClip(input: KvsClipInput, options: GetClipOptions = {}): Promise<ClipOutput> {
  const sdk = await loadArchivedMediaSdk();
  try {
    return await clipFromFragments(fetchFragmentsWith(sdk, input, options), clipOptions(input, options));
  } catch (error) {
    throw toSdkError(sdk, error);
  }
}

/** The same fragments as fragmented MP4: an init segment, then one media segment per fragment. */
export async function* getFragmentedMp4(input: KvsClipInput, options: GetClipOptions = {}): AsyncGenerator<Mp4Segment> {
  const sdk = await loadArchivedMediaSdk();
  try {
    yield* fragmentedMp4FromFragments(fetchFragmentsWith(sdk, input, options), clipOptions(input, options));
  } catch (error) {
    throw toSdkError(sdk, error);
  }
}

/** The offline API's options: everything that is not about fetching, plus the selector. */
function clipOptions(input: KvsClipInput, options: GetClipOptions): ClipOptions {
  const {
    client,
    kinesisVideoClient,
    region,
    endpoint,
    credentials,
    batchSize,
    concurrency,
    retry,
    connectTimeoutMs,
    onRetry,
    onProgress,
    abortSignal,
    ...clip
  } = options;
  return { ...clip, ClipFragmentSelector: input.ClipFragmentSelector };
}
