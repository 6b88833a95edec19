/**
 * Retries with capped exponential backoff and "equal jitter". The SDK does not retry
 * ClientLimitExceededException (KVS's throttling error: HTTP 400, a name its retry strategy does not
 * know), and it cannot retry a response body that breaks off after the headers arrived, so both are
 * handled here, on top of whatever the client's own retry strategy does.
 *
 * Equal jitter (half the ceiling fixed, half random) rather than full jitter: it still spreads
 * clients apart, and it gives the budget a floor, so the defaults are known to outlast a 10 s burst
 * of throttling (docs/errors.md#retries), where full jitter could give up after a few ms of waiting.
 */
import { InvalidArgumentException } from '../errors.js';
import type { KvsOperation, RetryEvent, RetryOptions } from './types.js';

export interface RetrySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a request may go without an answer, or a body without a byte (docs/errors.md#timeouts). */
  idleTimeoutMs: number;
  onRetry?: (event: RetryEvent) => void;
  /** Waits between attempts (a fake one in tests: no test sleeps for real). */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
}

/**
 * The defaults: 10 attempts, waits from 250 ms doubling up to 5 s. Waiting at least half of each
 * ceiling, the 9 waits add up to at least 13.9 s (at most 27.8 s), so a 10 s burst of
 * ClientLimitExceededException is outlasted.
 */
export const DEFAULT_RETRY = { maxAttempts: 10, baseDelayMs: 250, maxDelayMs: 5_000, idleTimeoutMs: 30_000 } as const;

/** Equal jitter: uniform in [c/2, c) where c = min(maxDelayMs, baseDelayMs × 2^(attempt-1)). */
export function backoffDelay(
  attempt: number,
  settings: Pick<RetrySettings, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

/** The least total wait before `maxAttempts` attempts have all failed (the budget's floor). */
export function minimumBudgetMs(settings: Pick<RetrySettings, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>): number {
  let total = 0;
  for (let attempt = 1; attempt < settings.maxAttempts; attempt++) total += backoffDelay(attempt, settings, () => 0);
  return total;
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

/** The settings for one session: the user's `retry` options over the defaults, checked. */
export function retrySettings(
  options: RetryOptions | undefined,
  signal: AbortSignal,
  onRetry?: (event: RetryEvent) => void,
): RetrySettings {
  const settings = { ...DEFAULT_RETRY, ...definedOnly(options ?? {}) };
  positiveInteger('retry.maxAttempts', settings.maxAttempts);
  for (const name of ['baseDelayMs', 'maxDelayMs', 'idleTimeoutMs'] as const) {
    if (!(settings[name] > 0) || !Number.isFinite(settings[name])) {
      throw new InvalidArgumentException(`retry.${name} must be a positive number of milliseconds, got ${settings[name]}`);
    }
  }
  return { ...settings, sleep: options?.sleep ?? sleep, onRetry, signal };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentException(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * A TimeoutError (retryable, like the SDK's own) for a request that got no answer, or a body that
 * got no byte, for `ms`.
 */
export function idleTimeoutError(operation: KvsOperation, ms: number, what: string): Error {
  return Object.assign(new Error(`${operation}: ${what} for ${ms} ms (retry.idleTimeoutMs)`), { name: 'TimeoutError' });
}

/**
 * A signal for one attempt: aborted when the session is, or with a TimeoutError when `idleTimeoutMs`
 * passes before `settle()` is called (the response headers arrived). Requests pass it to `client.send`.
 */
export function attemptSignal(operation: KvsOperation, settings: RetrySettings): { signal: AbortSignal; settle(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(settings.signal.reason);
  if (settings.signal.aborted) onAbort();
  settings.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(idleTimeoutError(operation, settings.idleTimeoutMs, 'no response')),
    settings.idleTimeoutMs,
  );
  return {
    signal: controller.signal,
    settle() {
      clearTimeout(timer);
      settings.signal.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Runs one request, retrying retryable failures up to maxAttempts attempts in all. `request` gets
 * the attempt's signal: it aborts with a TimeoutError when no answer came within idleTimeoutMs.
 */
export async function withRetries<T>(
  operation: KvsOperation,
  settings: RetrySettings,
  request: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const attemptControl = attemptSignal(operation, settings);
    try {
      return await request(attemptControl.signal);
    } catch (error) {
      // An abort by our own timer surfaces as the SDK's AbortError: report the timeout instead.
      const reason: unknown = attemptControl.signal.aborted && !settings.signal.aborted ? attemptControl.signal.reason : error;
      if (attempt >= settings.maxAttempts || !isRetryable(reason, settings.signal)) throw reason;
      const delayMs = backoffDelay(attempt, settings);
      settings.onRetry?.({ operation, attempt, delayMs, error: reason });
      await settings.sleep(delayMs, settings.signal);
    } finally {
      attemptControl.settle();
    }
  }
}
