/**
 * What the service sent back, checked before it is used. The SDK deserializes JSON without checking
 * its shape (a `Fragments` object where a list belongs, a number as `NextToken` come through as they
 * are) and throws a bare SyntaxError or TypeError for a body it cannot parse: either would escape
 * kvs-clip/aws as an untyped error, so both become KvsStreamError `MalformedResponse`
 * (docs/errors.md#malformed-responses).
 */
import { KvsStreamError } from '../errors.js';
import type { ListedFragment } from './selection.js';
import type { KvsOperation } from './types.js';

export function malformedResponse(operation: KvsOperation, detail: string, cause?: unknown): KvsStreamError {
  return new KvsStreamError(`${operation} returned a malformed response: ${detail}`, { errorCode: 'MalformedResponse', cause });
}

/**
 * The SDK's deserialization failures (it marks them with the raw `$response`, and they lack a service
 * exception's `$fault`) as MalformedResponse; any other error as it is.
 */
export function fromSdkFailure(operation: KvsOperation, error: unknown): unknown {
  if (!(error instanceof Error) || !('$response' in error) || '$fault' in error) return error;
  return malformedResponse(operation, error.message.split('\n')[0], error);
}

/** A ListFragments page, by the fields we read, each of the type the API reference gives it. */
export interface ListPage {
  Fragments: ListedFragment[];
  NextToken: string | undefined;
}

const isDate = (value: unknown): value is Date => value instanceof Date && !Number.isNaN(value.getTime());
const optional = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || value === null || check(value);
const isSize = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Checks a ListFragments output (what the SDK made of the JSON) field by field. */
export function listPage(output: unknown): ListPage {
  if (typeof output !== 'object' || output === null) throw malformedResponse('ListFragments', 'not an object');
  const { Fragments, NextToken } = output as { Fragments?: unknown; NextToken?: unknown };
  if (!optional(Fragments, Array.isArray)) throw malformedResponse('ListFragments', 'Fragments is not a list');
  if (!optional(NextToken, (t) => typeof t === 'string')) throw malformedResponse('ListFragments', 'NextToken is not a string');
  const fragments = (Fragments ?? []) as unknown[];
  fragments.forEach((fragment, i) => {
    const f = fragment as Record<string, unknown> | null;
    const ok =
      typeof f === 'object' &&
      f !== null &&
      optional(f.FragmentNumber, (n) => typeof n === 'string' && /^\d{1,128}$/.test(n)) &&
      optional(f.ProducerTimestamp, isDate) &&
      optional(f.ServerTimestamp, isDate) &&
      optional(f.FragmentSizeInBytes, isSize) &&
      optional(f.FragmentLengthInMilliseconds, isSize);
    if (!ok) throw malformedResponse('ListFragments', `Fragments[${i}] is not a fragment description: ${describe(fragment)}`);
  });
  return { Fragments: fragments as ListedFragment[], NextToken: (NextToken as string | null | undefined) || undefined };
}

function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
