/**
 * Errors we raise carry KVS's names already; here they become instances of the SDK's classes of the
 * same name, so `err instanceof InvalidArgumentException` (imported from the SDK) holds as it would
 * for GetClipCommand. Errors that came from the service are SDK instances already and pass through.
 */
import { KvsClipError, errorClasses } from '../errors.js';
import type { ArchivedMediaSdk } from './sdk.js';

type SdkExceptionName = Exclude<keyof typeof errorClasses, 'KvsStreamError'>;

export function toSdkError(sdk: ArchivedMediaSdk, error: unknown): unknown {
  if (!(error instanceof KvsClipError) || !(error.name in errorClasses) || error.name === 'KvsStreamError') return error;
  const SdkClass = sdk[error.name as SdkExceptionName];
  const mapped = new SdkClass({
    message: error.message,
    Message: error.message,
    $metadata: { httpStatusCode: error.httpStatusCode },
  });
  // Keep where it happened and the original (with its stack) for whoever debugs it.
  const { fragmentNumber, fragmentIndex, track, byteOffset } = error;
  const place = Object.entries({ fragmentNumber, fragmentIndex, track, byteOffset }).filter(([, value]) => value !== undefined);
  return Object.assign(mapped, Object.fromEntries(place), { cause: error });
}
