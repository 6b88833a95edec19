/**
 * Which clients talk to KVS: the user's own client as is; or one we build for a given endpoint; or,
 * with neither, the data endpoints KVS assigns to the stream (GetDataEndpoint, one per API).
 */
import type { KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { ResourceNotFoundException } from '../errors.js';
import { loadKinesisVideoSdk, type ArchivedMediaSdk } from './sdk.js';
import { withRetries, type RetrySettings } from './retry.js';
import type { FetchOptions } from './types.js';
import type { StreamId } from './selection.js';

/** Connect timeout of the clients we create (docs/errors.md#timeouts). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export interface DataClients {
  list: KinesisVideoArchivedMediaClient;
  media: KinesisVideoArchivedMediaClient;
  /** Closes the clients we created (never the user's). */
  dispose(): void;
}

export async function resolveDataClients(
  sdk: ArchivedMediaSdk,
  stream: StreamId,
  options: FetchOptions,
  retry: RetrySettings,
): Promise<DataClients> {
  // The options type clients by the members we use (types.ts), so that it needs no SDK; they are SDK clients.
  const userClient = options.client as KinesisVideoArchivedMediaClient | undefined;
  const userControl = options.kinesisVideoClient as KinesisVideoClient | undefined;
  if (userClient) return { list: userClient, media: userClient, dispose() {} };

  let { region, credentials } = options;
  const created: KinesisVideoArchivedMediaClient[] = [];
  // A connection that cannot be made in time fails (retryably) instead of waiting for the OS;
  // answers and bodies that go silent are timed by the retry policy (retry.ts), for any client.
  const requestHandler = { connectionTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS };
  // Our own retry loop covers throttling, 5xx and network failures; SDK retries under it would
  // multiply the attempts.
  const build = (endpoint: string) => {
    const client = new sdk.KinesisVideoArchivedMediaClient({ region, credentials, endpoint, maxAttempts: 1, requestHandler });
    created.push(client);
    return client;
  };
  const dispose = () => created.forEach((client) => client.destroy());

  if (options.endpoint !== undefined) {
    const client = build(options.endpoint);
    return { list: client, media: client, dispose };
  }

  const kv = await loadKinesisVideoSdk();
  const control = userControl ?? new kv.KinesisVideoClient({ region, credentials, maxAttempts: 1, requestHandler });
  if (userControl) {
    region ??= await control.config.region();
    credentials ??= control.config.credentials;
  }
  try {
    const discover = (APIName: 'LIST_FRAGMENTS' | 'GET_MEDIA_FOR_FRAGMENT_LIST') =>
      withRetries('GetDataEndpoint', retry, async (abortSignal) => {
        const { DataEndpoint } = await control.send(new kv.GetDataEndpointCommand({ ...stream, APIName }), { abortSignal });
        if (!DataEndpoint) throw new ResourceNotFoundException(`GetDataEndpoint returned no endpoint for ${APIName}`);
        return DataEndpoint;
      });
    const [listEndpoint, mediaEndpoint] = await Promise.all([discover('LIST_FRAGMENTS'), discover('GET_MEDIA_FOR_FRAGMENT_LIST')]);
    const list = build(listEndpoint);
    const media = mediaEndpoint === listEndpoint ? list : build(mediaEndpoint);
    return { list, media, dispose };
  } finally {
    if (!options.kinesisVideoClient) control.destroy();
  }
}
