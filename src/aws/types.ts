import type { ClipFragmentSelector, ClipOptions } from '../api/types.js';
import type { ReaderWarning } from '../warnings.js';

/** Shaped like GetClipInput; timestamps may be Date or epoch seconds, as in the offline API. */
export interface KvsClipInput {
  /** The stream's name; give it or StreamARN. */
  StreamName?: string;
  /** The stream's ARN; give it or StreamName. */
  StreamARN?: string;
  /** Which fragments: their producer or server start times within a range of at most 24 h (GetClip's rule). */
  ClipFragmentSelector: ClipFragmentSelector;
}

/** The service operations we call, named as in the SDK (and in retry events). */
export type KvsOperation = 'GetDataEndpoint' | 'ListFragments' | 'GetMediaForFragmentList' | 'GetMedia';

/** One failed attempt that will be retried, for `onRetry`. */
export interface RetryEvent {
  /** The request that failed. */
  operation: KvsOperation;
  /** The attempt that failed (1-based, counted per request since its last progress). */
  attempt: number;
  /** How long we wait before the next attempt. */
  delayMs: number;
  /** What the attempt failed with: the SDK's exception, a network error, a TimeoutError. */
  error: unknown;
  /** GetMediaForFragmentList: the fragment numbers the next attempt asks for. */
  fragments?: string[];
}

/**
 * The retry policy (docs/errors.md#retries): capped exponential backoff with equal jitter. The
 * defaults (10 attempts, 250 ms doubling to 5 s) wait at least 13.9 s in all before giving up, so
 * they outlast a 10 s burst of ClientLimitExceededException.
 */
export interface RetryOptions {
  /** Attempts per request without progress before giving up (default 10). */
  maxAttempts?: number;
  /** Ceiling of the first wait, in ms (default 250); the n-th wait lies in [c/2, c), c = min(maxDelayMs, baseDelayMs × 2^(n-1)). */
  baseDelayMs?: number;
  /** Longest single wait, in ms (default 5,000). */
  maxDelayMs?: number;
  /**
   * A request with no response for this long, or a media body with no byte for this long, is given
   * up and retried (TimeoutError), in ms: default 30,000.
   */
  idleTimeoutMs?: number;
  /** Waits `ms` or rejects when `signal` aborts: replace it to test or schedule retries without real time passing. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** How far a fetch got, for `onProgress`: called as ListFragments pages arrive and as each fragment completes. */
export interface FetchProgress {
  /** Fragments selected from ListFragments. */
  listed: number;
  /** Fragments received complete so far. */
  fetched: number;
}

/*
 * The SDK's clients and credentials appear in these options by the members kvs-clip uses, not by the
 * SDK's own types: the declarations then compile in projects without the optional SDK peers
 * installed, and any SDK v3 client of the right service fits them.
 */

/**
 * A `KinesisVideoArchivedMediaClient` from `@aws-sdk/client-kinesis-video-archived-media`, configured
 * with the stream's data endpoint (GetDataEndpoint with APIName `LIST_FRAGMENTS` or
 * `GET_MEDIA_FOR_FRAGMENT_LIST`).
 */
export interface ArchivedMediaClient {
  /** The SDK client's `send`. */
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  /** The SDK client's `destroy`. */
  destroy(): void;
}

/** A `KinesisVideoClient` from `@aws-sdk/client-kinesis-video` (the control plane: GetDataEndpoint). */
export interface KinesisVideoControlClient {
  /** The SDK client's `send`. */
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  /** The SDK client's `destroy`. */
  destroy(): void;
  /** The resolved client configuration; its region and credentials are reused for the data clients. */
  config: {
    /** The client's Region provider. */
    region: () => Promise<string>;
    /** The client's credentials or credential provider, as the SDK resolved them. */
    credentials?: unknown;
  };
}

/** AWS credentials, as the SDK takes them (`AwsCredentialIdentity`). */
export interface AwsCredentials {
  /** The access key id. */
  accessKeyId: string;
  /** The secret access key. */
  secretAccessKey: string;
  /** The session token of temporary credentials. */
  sessionToken?: string;
  /** When temporary credentials expire. */
  expiration?: Date;
}

/** How getClip and friends reach KVS, and how they retry and report. */
export interface FetchOptions {
  /** A configured client; used for both ListFragments and GetMediaForFragmentList as is. */
  client?: ArchivedMediaClient;
  /** Client for GetDataEndpoint discovery (its region and credentials are reused for the data clients). */
  kinesisVideoClient?: KinesisVideoControlClient;
  /** The AWS Region, e.g. `eu-west-1`; else the SDK's default chain (`AWS_REGION`, the profile's region). */
  region?: string;
  /** A data endpoint: skips GetDataEndpoint discovery. */
  endpoint?: string;
  /** Credentials or a credential provider; else the SDK's default chain (environment, profile, SSO, instance role). */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Fragment numbers per GetMediaForFragmentList request, 1..1000 (default 100). */
  batchSize?: number;
  /**
   * GetMediaForFragmentList requests in flight (default 2). Also bounds memory: at most this many
   * batches are held between download and consumption.
   */
  concurrency?: number;
  /** How requests are retried, and when a silent one is given up on (defaults in `RetryOptions`). */
  retry?: RetryOptions;
  /**
   * Connect timeout of the clients kvs-clip creates (not of a `client` you pass), in ms: default
   * 5,000. A connection that times out is retried like other network faults.
   */
  connectTimeoutMs?: number;
  /** Told of every failed attempt before it is retried (not of the last one, which is thrown). */
  onRetry?: (event: RetryEvent) => void;
  /** Told how many fragments were listed and how many fetched so far. */
  onProgress?: (progress: FetchProgress) => void;
  /** Reader warnings, and fragments the service sent that we did not ask for. */
  onWarning?: (warning: ReaderWarning) => void;
  /** Stops every request in flight. */
  abortSignal?: AbortSignal;
}

/**
 * Options of getClip / getFragmentedMp4: how to fetch, plus the offline API's clip options (progress
 * and cancelling are the fetch's: `onProgress` counts fragments, `abortSignal` stops the requests).
 */
export type GetClipOptions = FetchOptions & Omit<ClipOptions, 'ClipFragmentSelector' | 'onProgress' | 'signal'>;
