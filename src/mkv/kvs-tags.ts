/**
 * KVS's own SimpleTags (docs/kvs-mkv.md#tags, #after-the-cluster, #in-band-errors): fragment number, timestamps, GetMedia's progress tags,
 * and the in-band errors of GetMedia and GetMediaForFragmentList.
 */
import { EbmlError } from '../ebml/index.js';
import { KvsStreamError, ResourceNotFoundException, type KvsClipError } from '../errors.js';
import type { MkvTag } from './types.js';

/** Every tag KVS defines is named AWS_KINESISVIDEO_ and a suffix; `interpretTags` switches on the suffix. */
const PREFIX = 'AWS_KINESISVIDEO_';

/** GetMedia's ERROR_ID for "Requested fragment is not found". */
const ERROR_ID_NOT_FOUND = 4000;

/** What one Tags element says in KVS terms; `other` keeps every tag KVS did not define. */
export interface KvsTags {
  fragmentNumber?: string;
  serverTimestamp?: number;
  producerTimestamp?: number;
  millisBehindNow?: number;
  continuationToken?: string;
  error?: { errorId?: string; errorCode?: string; exceptionCode?: string; exceptionMessage?: string };
  other: MkvTag[];
}

/** Sorts a Tags element's SimpleTags; `byteOffset` (of the Tags element) is for value errors. */
export function interpretTags(tags: MkvTag[], byteOffset: number): KvsTags {
  // Every field in the literal, the optional ones too (src/jit.ts).
  const result: KvsTags = {
    fragmentNumber: undefined,
    serverTimestamp: undefined,
    producerTimestamp: undefined,
    millisBehindNow: undefined,
    continuationToken: undefined,
    error: undefined,
    other: [],
  };
  for (const tag of tags) {
    const { name, value } = tag;
    if (!name.startsWith(PREFIX)) {
      result.other.push(tag);
      continue;
    }
    switch (name.slice(PREFIX.length)) {
      case 'FRAGMENT_NUMBER':
        result.fragmentNumber = value;
        break;
      case 'SERVER_TIMESTAMP':
      case 'SERVER_SIDE_TIMESTAMP': // the spelling the GetMediaForFragmentList docs use
        result.serverTimestamp = parseKvsTimestamp(value, name, byteOffset);
        break;
      case 'PRODUCER_TIMESTAMP':
      case 'PRODUCER_SIDE_TIMESTAMP':
        result.producerTimestamp = parseKvsTimestamp(value, name, byteOffset);
        break;
      case 'MILLIS_BEHIND_NOW':
        if (!/^\d{1,15}$/.test(value)) throw new EbmlError(`${name} "${value}" is not a whole number of milliseconds`, byteOffset);
        result.millisBehindNow = Number(value);
        break;
      case 'CONTINUATION_TOKEN':
        result.continuationToken = value;
        break;
      case 'ERROR_ID':
        (result.error ??= {}).errorId = value;
        break;
      case 'ERROR_CODE':
        (result.error ??= {}).errorCode = value;
        break;
      case 'EXCEPTION_ERROR_CODE':
        (result.error ??= {}).exceptionCode = value;
        break;
      case 'EXCEPTION_MESSAGE':
        (result.error ??= {}).exceptionMessage = value;
        break;
      default:
        result.other.push(tag); // e.g. AWS_KINESISVIDEO_END_OF_FRAGMENT from the producer
    }
  }
  return result;
}

/**
 * Epoch seconds with (usually three) decimals, as KVS writes them ("1511852109.126"), to integer
 * milliseconds. Parsed from the digits, never through a float, so no rounding error creeps in;
 * digits past the third decimal are dropped.
 */
export function parseKvsTimestamp(value: string, name: string, byteOffset: number): number {
  const match = /^(\d{1,13})(?:\.(\d*))?$/.exec(value);
  if (match === null) throw new EbmlError(`${name} "${value}" is not epoch seconds like 1511852109.126`, byteOffset);
  const millis = ((match[2] ?? '') + '000').slice(0, 3);
  const ms = Number(match[1]) * 1000 + Number(millis);
  // Every layer shows these times as dates (warnings, playlists, the CLI), so none may lie past them.
  if (ms > MAX_EPOCH_MS) throw new EbmlError(`${name} "${value}" lies past the last time a date can hold (year 275760)`, byteOffset);
  return ms;
}

/** The latest time a JavaScript Date holds, in epoch ms (ECMA-262 §21.4.1.1, "Time Values and Time Range"). */
export const MAX_EPOCH_MS = 8.64e15;

/**
 * The typed error for in-band error tags: ERROR_ID 4000 is ResourceNotFoundException, anything else
 * a KvsStreamError carrying the code and text.
 */
export function inBandError(
  error: NonNullable<KvsTags['error']>,
  place: { fragmentNumber?: string; fragmentIndex: number; byteOffset: number },
): KvsClipError {
  const errorId = error.errorId !== undefined && /^\d+$/.test(error.errorId) ? Number(error.errorId) : undefined;
  if (error.exceptionCode !== undefined || error.exceptionMessage !== undefined) {
    const code = error.exceptionCode ?? 'UnknownException';
    return new KvsStreamError(`GetMediaForFragmentList reported ${code}: ${error.exceptionMessage ?? '(no message)'}`, {
      errorCode: code,
      ...(errorId === undefined ? {} : { errorId }),
      ...place,
    });
  }
  const text = error.errorCode ?? '(no error code)';
  const message = `GetMedia reported error ${error.errorId ?? '(no id)'}: ${text}`;
  if (errorId === ERROR_ID_NOT_FOUND) return new ResourceNotFoundException(message, place);
  return new KvsStreamError(message, { ...(errorId === undefined ? {} : { errorId }), errorCode: text, ...place });
}
