import type { KinesisVideoArchivedMediaClient, KinesisVideoArchivedMediaClientConfig } from '@aws-sdk/client-kinesis-video-archived-media';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { ClipFragmentSelector, ClipOptions } from '../api/types.js';
import type { ReaderWarning } from '../warnings.js';

/** Shaped like GetClipInput; timestamps may be Date or epoch seconds, as in the offline API. */
export interface KvsClipInput {
  StreamName?: string;
  StreamARN?: string;
  ClipFragmentSelector: ClipFragmentSelector;
}

/** The service operations we call, named as in the SDK (and in retry events). */
export type KvsOperation = 'GetDataEndpoint' | 'ListFragments' | 'GetMediaForFragmentList' | 'GetMedia';

export interface RetryEvent {
  operation: KvsOperation;
  /** The attempt that failed (1-based, counted per request since its last progress). */
  attempt: number;
  /** How long we wait before the next attempt. */
  delayMs: number;
  error: unknown;
  /** GetMediaForFragmentList: the fragment numbers the next attempt asks for. */
  fragments?: string[];
}

export interface FetchProgress {
  /** Fragments selected from ListFragments. */
  listed: number;
  /** Fragments received complete so far. */
  fetched: number;
}

export interface FetchOptions {
  /** A configured client; used for both ListFragments and GetMediaForFragmentList as is. */
  client?: KinesisVideoArchivedMediaClient;
  /** Client for GetDataEndpoint discovery (its region and credentials are reused for the data clients). */
  kinesisVideoClient?: KinesisVideoClient;
  region?: string;
  /** A data endpoint: skips GetDataEndpoint discovery. */
  endpoint?: string;
  credentials?: KinesisVideoArchivedMediaClientConfig['credentials'];
  /** Fragment numbers per GetMediaForFragmentList request, 1..1000 (default 100). */
  batchSize?: number;
  /**
   * GetMediaForFragmentList requests in flight (default 2). Also bounds memory: at most this many
   * batches are held between download and consumption.
   */
  concurrency?: number;
  /** Attempts per request without progress before giving up (default 5). */
  maxAttempts?: number;
  /** Backoff: the n-th retry waits a random time in [0, min(retryMaxDelayMs, retryBaseDelayMs × 2^(n-1))). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  onRetry?: (event: RetryEvent) => void;
  onProgress?: (progress: FetchProgress) => void;
  /** Reader warnings, and fragments the service sent that we did not ask for. */
  onWarning?: (warning: ReaderWarning) => void;
  /** Stops every request in flight. */
  abortSignal?: AbortSignal;
}

/** Options of getClip / getFragmentedMp4: how to fetch, plus the offline API's clip options. */
export type GetClipOptions = FetchOptions & Omit<ClipOptions, 'ClipFragmentSelector'>;
