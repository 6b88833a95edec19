/**
 * Errors named after the KVS exceptions (docs/errors.md), so code written against GetClipCommand
 * handles ours unchanged: same `name`, `$fault`, and an HTTP status like the service's.
 */

/** Where in the input an error happened; every field is optional because not every layer knows all. */
export interface ErrorPlace {
  /** KVS fragment number (a decimal string), when the fragment carried one. */
  fragmentNumber?: string;
  /** 0-based index of the fragment in the input stream. */
  fragmentIndex?: number;
  /** Matroska track number. */
  track?: number;
  /** Byte offset in the input stream. */
  byteOffset?: number;
}

/** Where a fragment is: its index in the input and, when it carried one, its KVS fragment number. */
export function fragmentPlace(fragment: { index: number; fragmentNumber: string | null }): ErrorPlace {
  return fragment.fragmentNumber === null
    ? { fragmentIndex: fragment.index }
    : { fragmentNumber: fragment.fragmentNumber, fragmentIndex: fragment.index };
}

export interface KvsClipErrorOptions extends ErrorPlace {
  cause?: unknown;
}

/** Base of every error kvs-clip raises on purpose. */
export abstract class KvsClipError extends Error {
  readonly $fault: 'client' | 'server' = 'client';
  abstract readonly httpStatusCode: number;
  // `declare`: no class-field definitions; the constructor assigns all four (undefined when not given).
  declare readonly fragmentNumber?: string;
  declare readonly fragmentIndex?: number;
  declare readonly track?: number;
  declare readonly byteOffset?: number;

  constructor(message: string, options: KvsClipErrorOptions = {}) {
    super(withPlace(message, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.fragmentNumber = options.fragmentNumber;
    this.fragmentIndex = options.fragmentIndex;
    this.track = options.track;
    this.byteOffset = options.byteOffset;
  }

  /** The SDK reads `Message` from the JSON body; mirror it so SDK-style handlers work. */
  get Message(): string {
    return this.message;
  }
}

/** Appends the place to a message once, e.g. "…(fragment 9134…, track 1, byte 4096)". */
function withPlace(message: string, place: ErrorPlace): string {
  const parts: string[] = [];
  if (place.fragmentNumber !== undefined) parts.push(`fragment ${place.fragmentNumber}`);
  else if (place.fragmentIndex !== undefined) parts.push(`fragment #${place.fragmentIndex}`);
  if (place.track !== undefined) parts.push(`track ${place.track}`);
  if (place.byteOffset !== undefined) parts.push(`byte ${place.byteOffset}`);
  return parts.length === 0 ? message : `${message} (${parts.join(', ')})`;
}

export class InvalidArgumentException extends KvsClipError {
  override readonly name = 'InvalidArgumentException';
  readonly httpStatusCode = 400;
}

export class ResourceNotFoundException extends KvsClipError {
  override readonly name = 'ResourceNotFoundException';
  readonly httpStatusCode = 404;
}

export class UnsupportedStreamMediaTypeException extends KvsClipError {
  override readonly name = 'UnsupportedStreamMediaTypeException';
  readonly httpStatusCode = 400;
}

export class MissingCodecPrivateDataException extends KvsClipError {
  override readonly name = 'MissingCodecPrivateDataException';
  readonly httpStatusCode = 400;
}

export class InvalidCodecPrivateDataException extends KvsClipError {
  override readonly name = 'InvalidCodecPrivateDataException';
  readonly httpStatusCode = 400;
}

export class InvalidMediaFrameException extends KvsClipError {
  override readonly name = 'InvalidMediaFrameException';
  readonly httpStatusCode = 400;
}

/**
 * An error KVS reported in band, as tags inside the media stream (docs/kvs-mkv.md): GetMedia's
 * AWS_KINESISVIDEO_ERROR_ID / _ERROR_CODE, or GetMediaForFragmentList's _EXCEPTION_ERROR_CODE /
 * _EXCEPTION_MESSAGE. ERROR_ID 4000 is raised as ResourceNotFoundException instead.
 */
export class KvsStreamError extends KvsClipError {
  override readonly name = 'KvsStreamError';
  readonly httpStatusCode = 500;
  /** AWS_KINESISVIDEO_ERROR_ID as a number, when present. */
  declare readonly errorId?: number;
  /** AWS_KINESISVIDEO_ERROR_CODE or _EXCEPTION_ERROR_CODE text. */
  declare readonly errorCode?: string;

  constructor(message: string, details: { errorId?: number; errorCode?: string } & KvsClipErrorOptions) {
    super(message, details);
    this.errorId = details.errorId;
    this.errorCode = details.errorCode;
  }
}

/** Every KVS exception name we raise, mapped to its class (the AWS entry maps these to the SDK's). */
export const errorClasses = {
  InvalidArgumentException,
  ResourceNotFoundException,
  UnsupportedStreamMediaTypeException,
  MissingCodecPrivateDataException,
  InvalidCodecPrivateDataException,
  InvalidMediaFrameException,
  KvsStreamError,
} as const;

export function isKvsClipError(value: unknown): value is KvsClipError {
  return value instanceof KvsClipError;
}
