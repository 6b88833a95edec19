/**
 * Retries with exponential backoff and full jitter. The SDK does not retry
 * ClientLimitExceededException (KVS's throttling error: HTTP 400, a name its retry strategy does not
 * know), and it cannot retry a response body that breaks off after the headers arrived, so both are
 * handled here, on top of whatever the client's own retry strategy does.
 */
import type { KvsOperation, RetryEvent } from './types.js';

export interface RetrySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  onRetry?: (event: RetryEvent) => void;
  signal: AbortSignal;
}

/** Full jitter: uniform in [0, min(max, base × 2^(attempt-1))). */
export function backoffDelay(attempt: number, settings: Pick<RetrySettings, 'baseDelayMs' | 'maxDelayMs'>): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(Math.random() * ceiling);
}

/** Error names that mean "try again later" (KVS's plus the generic AWS throttling/timeout names). */
const retryableNames = new Set([
  'ClientLimitExceededException',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Socket-level failures: Node error codes, including a response cut off mid-body ("aborted"). */
const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export function isRetryable(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return false;
  for (let e = error as ErrorLike | undefined, depth = 0; e && typeof e === 'object' && depth < 4; e = e.cause as ErrorLike, depth++) {
    if (typeof e.name === 'string' && retryableNames.has(e.name)) return true;
    if (typeof e.code === 'string' && networkCodes.has(e.code)) return true;
    if (e.$retryable) return true;
    const status = e.$metadata?.httpStatusCode;
    if (typeof status === 'number' && status >= 500) return true;
    // fetch (browsers, undici) reports a dropped connection as a TypeError without a code.
    if (e.name === 'TypeError' && typeof e.message === 'string' && /network|fetch|terminated/i.test(e.message)) return true;
  }
  return false;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // The signal's reason is what the caller aborted with (an AbortError unless they gave one).
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs one request, retrying retryable failures up to maxAttempts attempts in all. */
export async function withRetries<T>(operation: KvsOperation, settings: RetrySettings, request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= settings.maxAttempts || !isRetryable(error, settings.signal)) throw error;
      const delayMs = backoffDelay(attempt, settings);
      settings.onRetry?.({ operation, attempt, delayMs, error });
      await sleep(delayMs, settings.signal);
    }
  }
}
