/**
 * Reading and checking request bodies: REST-JSON with the members of the service models
 * (docs/server.md#operations). Every check fails with the exception the service names for it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError } from './errors.js';

/** Larger bodies are refused unread: no request in these APIs comes near it (1000 fragment numbers of 128 digits). */
const MAX_BODY_BYTES = 256 * 1024;

export type Body = Record<string, unknown>;

export async function readBody(request: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let length = 0;
  // Read to the end even when too long (the excess is dropped): answering before the client has
  // sent its body would reset the connection under it instead of delivering the error.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.byteLength;
    if (length <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (length > MAX_BODY_BYTES) throw new ServiceError('InvalidArgumentException', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ServiceError('SerializationException', 'The request body must be a JSON object.');
  }
  return value as Body;
}

function invalid(message: string): ServiceError {
  return new ServiceError('InvalidArgumentException', message);
}

/** The stream a request names, by StreamName or by the name inside StreamARN (`…:stream/<name>/<creation>`). */
export function streamNameOf(body: Body): string {
  if (typeof body.StreamName === 'string') return body.StreamName;
  if (typeof body.StreamARN === 'string') {
    const match = /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:stream\/([a-zA-Z0-9_.-]+)\/[0-9]+$/.exec(body.StreamARN);
    if (!match) throw invalid(`StreamARN ${body.StreamARN.slice(0, 300)} is not a Kinesis video stream ARN.`);
    return match[1];
  }
  throw invalid('Either StreamName or StreamARN must be specified.');
}

/** An optional integer member within the model's bounds, or `fallback`. */
export function boundedInteger(body: Body, member: string, min: number, max: number, fallback: number): number {
  const value = body[member];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(
      `1 validation error detected: Value '${JSON.stringify(value).slice(0, 40)}' at '${member[0].toLowerCase()}${member.slice(1)}' failed to satisfy constraint: ` +
        `Member must have value between ${min} and ${max}`,
    );
  }
  return value;
}

/** A timestamp member as the SDKs send it (epoch seconds; ISO 8601 text accepted too), in epoch ms. */
export function timestampMs(value: unknown, member: string): number {
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw invalid(`${member} is required and must be a timestamp.`);
  return ms;
}

/** An opaque paging token: the base64 of JSON we wrote ourselves; anything else is InvalidArgumentException. */
export function decodeToken<T>(token: unknown, check: (value: unknown) => value is T): T | undefined {
  if (token === undefined || token === null) return undefined;
  if (typeof token === 'string' && /^[a-zA-Z0-9+/]+={0,2}$/.test(token) && token.length <= 4096) {
    try {
      const value: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
      if (check(value)) return value;
    } catch {
      // falls through to the error below
    }
  }
  throw invalid('The NextToken is not valid.');
}

export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

/** Response headers a cross-origin page may read: the SDK reads the request ID and the error type. */
export const EXPOSED_HEADERS = 'x-amzn-requestid, x-amzn-errortype, content-type, content-length';

/**
 * A browser's CORS preflight (OPTIONS before a POST with JSON and SigV4 headers): every method this
 * server answers, and the headers the page asked to send (an `Authorization` header must be named,
 * `*` does not cover it).
 */
export function answerPreflight(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  response.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': String(request.headers['access-control-request-headers'] ?? '').slice(0, 4096),
    'access-control-max-age': '600',
  });
  response.end();
}
