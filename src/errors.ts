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

/** What an error is made with: where it happened, and the error it came from. */
export interface KvsClipErrorOptions extends ErrorPlace {
  /** The underlying error (a system error, the SDK's exception), kept as the standard `Error.cause`. */
  cause?: unknown;
}

/** Base of every error kvs-clip raises on purpose. */
export abstract class KvsClipError extends Error {
  /** As the AWS SDK's service exceptions: `'client'`, the input is at fault (every kvs-clip error). */
  readonly $fault: 'client' | 'server' = 'client';
  /** The HTTP status KVS answers this exception with (400, 404; 500 for in-band stream errors). */
  abstract readonly httpStatusCode: number;
  // `declare`: no class-field definitions; the constructor assigns all four (undefined when not given).
  /** KVS fragment number (a decimal string) of the fragment where the error happened, when it carried one. */
  declare readonly fragmentNumber?: string;
  /** 0-based index of that fragment in the input stream, when known. */
  declare readonly fragmentIndex?: number;
  /** Matroska track number the error concerns, when it concerns one. */
  declare readonly track?: number;
  /** Byte offset in the input stream where the error was found, when known. */
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

/** A bad argument or option (a selector outside GetClip's limits, an input that is not bytes), or malformed Matroska, with its byte offset (docs/errors.md). HTTP status 400, as KVS's exception of the same name. */
export class InvalidArgumentException extends KvsClipError {
  /** `'InvalidArgumentException'`: the KVS exception name, which the SDK's exception of the same name also has. */
  override readonly name = 'InvalidArgumentException';
  /** 400, as KVS answers it. */
  readonly httpStatusCode = 400;
}

/** Nothing to clip: no fragment (with frames) in the input or in the selected time range, an input file that does not exist, or KVS's in-band ERROR_ID 4000. HTTP status 404, as KVS's exception of the same name. */
export class ResourceNotFoundException extends KvsClipError {
  /** `'ResourceNotFoundException'`: the KVS exception name, which the SDK's exception of the same name also has. */
  override readonly name = 'ResourceNotFoundException';
  /** 404, as KVS answers it. */
  readonly httpStatusCode = 404;
}

/** The tracks are not a stream GetClip takes: no track 1, a codec it does not take (e.g. Opus, VP8), a pairing it does not serve under `strict: 'getclip'` (docs/errors.md). HTTP status 400, as KVS's exception of the same name. */
export class UnsupportedStreamMediaTypeException extends KvsClipError {
  /** `'UnsupportedStreamMediaTypeException'`: the KVS exception name, which the SDK's exception of the same name also has. */
  override readonly name = 'UnsupportedStreamMediaTypeException';
  /** 400, as KVS answers it. */
  readonly httpStatusCode = 400;
}

/** A track without the codec private data it needs (no CodecPrivate and no in-band parameter sets for H.264/H.265, no AudioSpecificConfig for AAC). HTTP status 400, as KVS's exception of the same name. */
export class MissingCodecPrivateDataException extends KvsClipError {
  /** `'MissingCodecPrivateDataException'`: the KVS exception name, which the SDK's exception of the same name also has. */
  override readonly name = 'MissingCodecPrivateDataException';
  /** 400, as KVS answers it. */
  readonly httpStatusCode = 400;
}

/** Codec private data that does not parse or breaks KVS's rules, or a configuration that changes where the output cannot hold the change (strict mode, a flat clip, a DASH package). HTTP status 400, as KVS's exception of the same name. */
export class InvalidCodecPrivateDataException extends KvsClipError {
  /** `'InvalidCodecPrivateDataException'`: the KVS exception name, which the SDK's exception of the same name also has. */
  override readonly name = 'InvalidCodecPrivateDataException';
  /** 400, as KVS answers it. */
  readonly httpStatusCode = 400;
}

/** A frame that does not parse by its codec: empty, NAL length prefixes that do not tile it, a G.711 frame that is not whole sample frames (docs/errors.md). HTTP status 400, as KVS's exception of the same name. */
export class InvalidMediaFrameException extends KvsClipError {
  /** `'InvalidMediaFrameException'`: the KVS exception name, which the SDK's exception of the same name also has. */
  override readonly name = 'InvalidMediaFrameException';
  /** 400, as KVS answers it. */
  readonly httpStatusCode = 400;
}

/**
 * An error KVS reported in band, as tags inside the media stream (docs/kvs-mkv.md): GetMedia's
 * AWS_KINESISVIDEO_ERROR_ID / _ERROR_CODE, or GetMediaForFragmentList's _EXCEPTION_ERROR_CODE /
 * _EXCEPTION_MESSAGE. ERROR_ID 4000 is raised as ResourceNotFoundException instead.
 */
export class KvsStreamError extends KvsClipError {
  /** `'KvsStreamError'` (no KVS exception has this name: the stream carried the error, not the response). */
  override readonly name = 'KvsStreamError';
  /** 500: the service failed mid-stream. */
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
  /** See {@link InvalidArgumentException}. */
  InvalidArgumentException,
  /** See {@link ResourceNotFoundException}. */
  ResourceNotFoundException,
  /** See {@link UnsupportedStreamMediaTypeException}. */
  UnsupportedStreamMediaTypeException,
  /** See {@link MissingCodecPrivateDataException}. */
  MissingCodecPrivateDataException,
  /** See {@link InvalidCodecPrivateDataException}. */
  InvalidCodecPrivateDataException,
  /** See {@link InvalidMediaFrameException}. */
  InvalidMediaFrameException,
  /** See {@link KvsStreamError}. */
  KvsStreamError,
} as const;

/**
 * True for any error kvs-clip raised on purpose (a {@link KvsClipError} subclass), whichever entry
 * (`kvs-clip`, `kvs-clip/aws`, …) threw it: they share one copy of the classes.
 */
export function isKvsClipError(value: unknown): value is KvsClipError {
  return value instanceof KvsClipError;
}
