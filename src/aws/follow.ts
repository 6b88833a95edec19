/**
 * Following a live stream with GetMedia (docs/kvs-mkv.md, GetMedia): one long response per
 * connection, which the service ends regularly and networks break. Each fragment ends with Tags
 * carrying AWS_KINESISVIDEO_CONTINUATION_TOKEN; a fragment is handed on only once that token has
 * arrived (so it is complete), and the next connection starts from the last token
 * (StartSelectorType CONTINUATION_TOKEN): every fragment is delivered once, in order, none lost.
 *
 * GetDataEndpoint (APIName GET_MEDIA) is asked once and its answer kept until a request to it fails
 * at the network or with a 5xx. Throttling (ClientLimitExceededException,
 * ConnectionLimitExceededException) and network failures wait a capped exponential backoff with
 * full jitter (retry.ts); in-band errors (ERROR_ID tags) are thrown as the reader raises them.
 */
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { KinesisVideoMediaClient, KinesisVideoMediaClientConfig, StartSelector } from '@aws-sdk/client-kinesis-video-media';
import { fragmentedMp4FromEvents } from '../api/fragmented.js';
import { compareFragmentNumbers } from '../api/select.js';
import type { FragmentedOptions, Mp4Segment } from '../api/types.js';
import { ResourceNotFoundException } from '../errors.js';
import { completeFragments, readFragmentEvents } from '../mkv/index.js';
import type { ByteSource, FragmentEvent, MkvFragment } from '../mkv/types.js';
import type { ReaderWarning } from '../warnings.js';
import { fromSdkFailure } from './response.js';
import { backoffDelay, isRetryable, retrySettings, withRetries, type RetrySettings } from './retry.js';
import { loadKinesisVideoSdk, loadMediaSdk, type MediaSdk } from './sdk.js';
import { streamId, type StreamId } from './selection.js';
import type { AwsCredentials, KinesisVideoControlClient, RetryEvent, RetryOptions } from './types.js';

/**
 * Where GetMedia starts: the SDK's `StartSelector`, by the fields it has, so that this declaration
 * needs no AWS SDK installed to type-check.
 */
export interface FollowStartSelector {
  /** NOW, EARLIEST, FRAGMENT_NUMBER, PRODUCER_TIMESTAMP, SERVER_TIMESTAMP or CONTINUATION_TOKEN. */
  StartSelectorType: 'NOW' | 'EARLIEST' | 'FRAGMENT_NUMBER' | 'PRODUCER_TIMESTAMP' | 'SERVER_TIMESTAMP' | 'CONTINUATION_TOKEN';
  /** With FRAGMENT_NUMBER: the fragment to start at. */
  AfterFragmentNumber?: string;
  /** With PRODUCER_TIMESTAMP / SERVER_TIMESTAMP: the time to start at. */
  StartTimestamp?: Date;
  /** With CONTINUATION_TOKEN: the token a previous GetMedia response ended with. */
  ContinuationToken?: string;
}

/** A `KinesisVideoMediaClient` from `@aws-sdk/client-kinesis-video-media`, by the members kvs-clip uses. */
export interface MediaClient {
  /** The SDK client's `send`. */
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  /** The SDK client's `destroy`. */
  destroy(): void;
}

/** Options of `followStream` and `liveFragmentedMp4`: which stream, from where, and how to reach it. */
export interface FollowOptions {
  /** The stream, by name or ARN (one of the two). */
  StreamName?: string;
  /** The stream's ARN, instead of StreamName. */
  StreamARN?: string;
  /** Where to start (default `{ StartSelectorType: 'NOW' }`). */
  StartSelector?: FollowStartSelector;
  /** Stops following: the connection is closed and the iteration ends with the signal's reason. */
  signal?: AbortSignal;
  /** A configured GetMedia client, used as is (no GetDataEndpoint). */
  client?: MediaClient;
  /** A data endpoint: skips GetDataEndpoint. */
  endpoint?: string;
  /** Client for GetDataEndpoint (its region and credentials are reused for the media client). */
  kinesisVideoClient?: KinesisVideoControlClient;
  /** The AWS Region, e.g. `eu-west-1`; else the SDK's default chain (`AWS_REGION`, the profile's region). */
  region?: string;
  /** Credentials or a credential provider; else the SDK's default chain (environment, profile, SSO, instance role). */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /**
   * Retries as for the other requests (docs/errors.md#retries); `maxAttempts` counts failed attempts in
   * a row with no fragment in between.
   */
  retry?: RetryOptions;
  /** Told of every retry and reconnection after a failure. */
  onRetry?: (event: RetryEvent) => void;
  /** Reader warnings (a body cut off mid-fragment gives a 'truncated' one; its fragment is fetched again). */
  onWarning?: (warning: ReaderWarning) => void;
}

/** A throttling answer GetMedia gives besides the generic ones retry.ts knows. */
const CONNECTION_LIMIT = 'ConnectionLimitExceededException';

/**
 * Follows a stream with GetMedia: yields its fragments as each one completes, for as long as the
 * stream runs, reconnecting when the service ends the response or the connection breaks. Breaking
 * out of the loop or aborting `signal` closes the connection; nothing is left running.
 */
export async function* followStream(options: FollowOptions): AsyncGenerator<MkvFragment> {
  yield* completeFragments(followStreamEvents(options));
}

/**
 * As `followStream`, and besides each complete fragment the frames of every block as it arrives
 * (readFragmentEvents), for low-latency output. A connection that breaks inside a fragment is
 * resumed from the previous fragment's token, so KVS sends that fragment again: its frames already
 * handed out are not handed out again, and the rest continue the same fragment object (the one the
 * earlier `frames` events carried, later handed out complete): every frame once, in order.
 */
export async function* followStreamEvents(options: FollowOptions): AsyncGenerator<FragmentEvent> {
  const stream = streamId(options);
  const sdk = await loadMediaSdk();
  // Ours, aborted when the iteration ends for any reason, so no request or backoff timer outlives it.
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const retry = retrySettings(options.retry, stop.signal, options.onRetry);
  const endpoints = endpointCache(sdk, stream, options, retry);
  let selector = (options.StartSelector ?? { StartSelectorType: 'NOW' }) as StartSelector;
  let last: string | null = null;
  let index = 0;
  /** The fragment whose frames are being handed out (from an earlier connection when it broke inside it). */
  let open: MkvFragment | null = null;
  /** The object `open` arrives as on the current connection. */
  let arriving: MkvFragment | null = null;
  let failures = 0;
  let idle = 0;
  try {
    for (;;) {
      let client: KinesisVideoMediaClient | undefined;
      let delivered = false;
      try {
        client = await endpoints.client();
        const { Payload } = await client
          .send(new sdk.GetMediaCommand({ ...stream, StartSelector: selector }), { abortSignal: stop.signal })
          .catch((error: unknown) => {
            throw fromSdkFailure('GetMedia', error);
          });
        if (Payload === undefined) throw new ResourceNotFoundException('GetMedia returned no body');
        for await (const event of readFragmentEvents(Payload as ByteSource, { onWarning: options.onWarning })) {
          const fragment = event.fragment;
          if (event.type === 'frames') {
            if (fragment.fragmentNumber !== null && last !== null && compareFragmentNumbers(fragment.fragmentNumber, last) <= 0) continue;
            if (fragment !== arriving) {
              arriving = fragment;
              // The fragment a broken connection was inside, sent again: it continues the same object.
              const resumed = open !== null && open.fragmentNumber !== null && open.fragmentNumber === fragment.fragmentNumber;
              if (!resumed) open = Object.assign(fragment, { index });
            }
            const carrier = open!;
            if (carrier === fragment) {
              yield event;
              continue;
            }
            const fresh = fragment.frames.slice(carrier.frames.length);
            if (fresh.length === 0) continue;
            carrier.frames.push(...fresh);
            yield { type: 'frames', fragment: carrier, frames: fresh };
            continue;
          }
          // Only a fragment whose closing tags arrived is complete; the rest comes again after the token.
          if (fragment.continuationToken === undefined || fragment.partial) continue;
          selector = { StartSelectorType: 'CONTINUATION_TOKEN', ContinuationToken: fragment.continuationToken };
          if (fragment.fragmentNumber !== null) {
            if (last !== null && compareFragmentNumbers(fragment.fragmentNumber, last) <= 0) continue; // sent again
            last = fragment.fragmentNumber;
          }
          delivered = true;
          failures = idle = 0;
          // The object its frames events carried (a resumed fragment keeps its first connection's frames).
          const complete =
            open !== null && open.fragmentNumber === fragment.fragmentNumber && open !== fragment
              ? Object.assign(open, { ...fragment, frames: open.frames })
              : fragment;
          complete.index = index++;
          open = arriving = null;
          yield { type: 'fragment', fragment: complete };
        }
      } catch (error) {
        const name = (error as { name?: unknown } | null)?.name;
        // Aborted: the body breaks as the connection closes; what the caller aborted with is the answer.
        if (stop.signal.aborted) throw stop.signal.reason;
        if (!(isRetryable(error, stop.signal) || name === CONNECTION_LIMIT)) throw error;
        // A network failure or 5xx may mean the endpoint is gone: ask GetDataEndpoint again.
        if (name !== CONNECTION_LIMIT && !/Limit|Throttl/.test(String(name))) endpoints.forget(client);
        if (++failures >= retry.maxAttempts) throw error;
        const delayMs = backoffDelay(failures, retry);
        retry.onRetry?.({ operation: 'GetMedia', attempt: failures, delayMs, error });
        await retry.sleep(delayMs, stop.signal);
        continue;
      }
      // The service ended the response: reconnect at once after a fragment, else after a backoff
      // (an idle stream is no failure: following goes on).
      if (!delivered) await retry.sleep(backoffDelay(Math.min(++idle, 16), retry), stop.signal);
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
    endpoints.dispose();
  }
}

/**
 * The fragmented MP4 of a live stream, for Media Source Extensions: the init segment, then one media
 * segment per fragment as soon as it is complete, or with `lowLatency` one CMAF chunk per block as
 * it arrives (`followStreamEvents` into `fragmentedMp4FromEvents`).
 */
export function liveFragmentedMp4(options: FollowOptions & Omit<FragmentedOptions, 'ClipFragmentSelector'>): AsyncGenerator<Mp4Segment> {
  return fragmentedMp4FromEvents(followStreamEvents(options), options);
}

interface EndpointCache {
  /** The media client for the current endpoint (GetDataEndpoint asked when there is none). */
  client(): Promise<KinesisVideoMediaClient>;
  /** Drops the endpoint `client` talks to, so that the next call asks GetDataEndpoint again. */
  forget(client: KinesisVideoMediaClient | undefined): void;
  /** Closes the clients we created (never the user's). */
  dispose(): void;
}

function endpointCache(sdk: MediaSdk, stream: StreamId, options: FollowOptions, retry: RetrySettings): EndpointCache {
  const created: KinesisVideoMediaClient[] = [];
  let current = options.client as KinesisVideoMediaClient | undefined;
  // Our retry loop covers throttling and network failures; SDK retries under it would multiply them.
  const build = (endpoint: string | undefined, config: Pick<KinesisVideoMediaClientConfig, 'region' | 'credentials'>) => {
    const client = new sdk.KinesisVideoMediaClient({ ...config, endpoint, maxAttempts: 1 });
    created.push(client);
    return client;
  };
  const discover = async (): Promise<KinesisVideoMediaClient> => {
    let { region, credentials } = options;
    if (options.endpoint !== undefined) return build(options.endpoint, { region, credentials });
    const kv = await loadKinesisVideoSdk();
    const control =
      (options.kinesisVideoClient as KinesisVideoClient | undefined) ?? new kv.KinesisVideoClient({ region, credentials, maxAttempts: 1 });
    if (options.kinesisVideoClient) {
      region ??= await control.config.region();
      credentials ??= control.config.credentials;
    }
    try {
      const endpoint = await withRetries('GetDataEndpoint', retry, async (signal) => {
        const { DataEndpoint } = await control.send(new kv.GetDataEndpointCommand({ ...stream, APIName: 'GET_MEDIA' }), {
          abortSignal: signal,
        });
        if (!DataEndpoint) throw new ResourceNotFoundException('GetDataEndpoint returned no endpoint for GET_MEDIA');
        return DataEndpoint;
      });
      return build(endpoint, { region, credentials });
    } finally {
      if (!options.kinesisVideoClient) control.destroy();
    }
  };
  return {
    async client() {
      current ??= await discover();
      return current;
    },
    forget(client) {
      if (client === undefined || client === options.client || client !== current) return;
      current = undefined;
      client.destroy();
    },
    dispose() {
      for (const client of created) client.destroy();
    },
  };
}
