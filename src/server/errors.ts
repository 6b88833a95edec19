/**
 * Errors as the service sends them (docs/server.md#errors): the status code of the exception's
 * `httpError` trait in the service model, an `x-amzn-ErrorType` header with the name, and a JSON
 * body with `message` — the form the AWS SDKs, boto3 and the AWS CLI turn into their own exception
 * classes (docs/errors.md#on-the-wire).
 */
import type { ServerResponse } from 'node:http';
import { KvsClipError } from '../errors.js';

/** Status per exception, from the `error.httpStatusCode` of each shape in the three service models. */
const STATUS: Record<string, number> = {
  InvalidArgumentException: 400,
  ResourceNotFoundException: 404,
  ClientLimitExceededException: 400,
  ConnectionLimitExceededException: 400,
  NotAuthorizedException: 401,
  UnsupportedStreamMediaTypeException: 400,
  MissingCodecPrivateDataException: 400,
  InvalidCodecPrivateDataException: 400,
  InvalidMediaFrameException: 400,
  NoDataRetentionException: 400,
  UnknownOperationException: 404,
  SerializationException: 400,
  InternalFailure: 500,
  /** Common to every AWS API (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html): a request without credentials. */
  MissingAuthenticationTokenException: 403,
};

export type ServiceErrorName = keyof typeof STATUS;

/** An error the server answers with instead of a result. */
export class ServiceError extends Error {
  readonly status: number;
  constructor(
    readonly type: ServiceErrorName,
    message: string,
  ) {
    super(message);
    this.status = STATUS[type] ?? 500;
  }
}

/** ClientLimitExceededException with the model's description as its message. */
export function throttled(): ServiceError {
  return new ServiceError(
    'ClientLimitExceededException',
    'Kinesis Video Streams has throttled the request because you have exceeded the limit of allowed client calls. Try making the call later.',
  );
}

/** Our library's errors keep their KVS names; anything else is an internal failure (500). */
export function asServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  if (error instanceof KvsClipError && error.name in STATUS) return new ServiceError(error.name, error.message);
  return new ServiceError('InternalFailure', error instanceof Error ? error.message : String(error));
}

export function sendError(response: ServerResponse, error: ServiceError, requestId: string): void {
  const body = JSON.stringify({ message: error.message });
  response.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/com.amazonaws.kinesis.video/`,
    'x-amzn-requestid': requestId,
  });
  response.end(body);
}
