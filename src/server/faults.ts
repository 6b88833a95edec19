/**
 * Injected failures (docs/server.md#faults): the ways the service and the network misbehave that a
 * KVS client must survive — throttling, media bodies cut, ended early, replaced by an in-band error,
 * or gone silent. index.ts decides per request which one applies; this module carries it out.
 */
import type { ServerResponse } from 'node:http';
import { readElementHeader, UNKNOWN_SIZE, type ElementHeader } from '../ebml/index.js';
import { BLOCK_GROUP, CLUSTER, SIMPLE_BLOCK } from '../mkv/ids.js';
import { exceptionDocument, type MediaBody } from './archived.js';

/**
 * What one GetMediaForFragmentList call does instead of sending its body whole. "The cut fragment" is
 * the second one asked for (the first, when only one was asked for):
 * - `'reset'`: announces the full Content-Length, sends up to the middle of the cut fragment's
 *   cluster, drops the connection;
 * - `'end'`: a chunked body that ends cleanly in the middle of the cut fragment's cluster;
 * - `'between-blocks'`: a chunked body that ends cleanly just before the last block of the cut
 *   fragment. In a cluster of unknown size (as KVS sends them) a reader cannot see this cut: only
 *   the fragment's size in ListFragments tells;
 * - `'stall-headers'`: accepts the request and never answers;
 * - `'stall-body'`: announces the full Content-Length, sends half of the first fragment's cluster,
 *   then nothing more (the connection stays open);
 * - `{ inBandError: code }`: the fragments before the cut one, then in its place a document with
 *   KVS's in-band exception tags (`AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE` = code), and the body
 *   ends (chunked).
 */
export type MediaFault =
  | 'reset'
  | 'end'
  | 'between-blocks'
  | 'stall-headers'
  | 'stall-body'
  | {
      /** The `AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE` sent in place of the cut fragment. */
      inBandError: number;
    };

/** Writes a chunk, waiting for the socket to drain; resolves at once when the response is gone. */
export function write(response: ServerResponse, chunk: Uint8Array): Promise<void> {
  return new Promise((done) => {
    if (response.destroyed || response.writableEnded) return done();
    if (response.write(chunk)) return done();
    const finish = () => {
      response.off('drain', finish);
      response.off('close', finish);
      done();
    };
    response.on('drain', finish);
    response.on('close', finish);
  });
}

/** Index of the largest of `parts`: a fragment's cluster (or its largest block), where a cut goes. */
export function largestPart(parts: Uint8Array[]): number {
  let largest = 0;
  for (let i = 1; i < parts.length; i++) if (parts[i].byteLength > parts[largest].byteLength) largest = i;
  return largest;
}

/** Where the last block of a fragment's parts starts: the part, and the offset in it. Null when it holds no block. */
export function lastBlockStart(parts: Uint8Array[]): { part: number; offset: number } | null {
  const header: ElementHeader = { id: 0, size: 0 };
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i];
    const length = readElementHeader(part, 0, part.byteLength, header);
    if (length <= 0) continue;
    if (header.id === SIMPLE_BLOCK || header.id === BLOCK_GROUP) return { part: i, offset: 0 };
    // A cluster of known size is one part (documents.ts): its last block is found among its children.
    if (header.id !== CLUSTER || header.size === UNKNOWN_SIZE) continue;
    const child: ElementHeader = { id: 0, size: 0 };
    let last = -1;
    for (let pos = length; pos < part.byteLength;) {
      const childLength = readElementHeader(part, pos, part.byteLength, child);
      if (childLength <= 0 || child.size === UNKNOWN_SIZE) break;
      if (child.id === SIMPLE_BLOCK || child.id === BLOCK_GROUP) last = pos;
      pos += childLength + child.size;
    }
    if (last >= 0) return { part: i, offset: last };
  }
  return null;
}

/**
 * Sends a media body, or misbehaves as `fault` says (undefined: whole). `closed` resolves when the
 * response closes or the server stops: what a stalled answer waits for. Returns the fragment numbers
 * whose bytes were all sent.
 */
export async function sendMedia(
  response: ServerResponse,
  media: MediaBody,
  fault: MediaFault | undefined,
  closed: Promise<void>,
): Promise<string[]> {
  if (fault === 'stall-headers') {
    await closed;
    return [];
  }
  const total = media.fragments.reduce((sum, fragment) => sum + fragment.parts.reduce((n, part) => n + part.byteLength, 0), 0);
  const chunked = fault === 'end' || fault === 'between-blocks' || typeof fault === 'object';
  response.writeHead(200, { 'content-type': media.contentType, ...(!chunked && { 'content-length': total }) });
  const cutIn = fault === undefined ? -1 : fault === 'stall-body' ? 0 : Math.min(1, media.fragments.length - 1);
  const sent: string[] = [];
  for (const [i, fragment] of media.fragments.entries()) {
    if (i !== cutIn) {
      for (const part of fragment.parts) await write(response, part);
      sent.push(fragment.fragmentNumber);
      continue;
    }
    if (typeof fault === 'object') {
      const ebmlHeader = media.fragments[0].parts[0];
      const message = `Injected fault: in-band error ${fault.inBandError} in place of fragment ${fragment.fragmentNumber}.`;
      for (const part of exceptionDocument(ebmlHeader, fragment.fragmentNumber, fault.inBandError, message)) await write(response, part);
      response.end();
      return sent;
    }
    // Where the cut goes: just before the last block, or in the middle of the largest part (the cluster).
    const middle = largestPart(fragment.parts);
    const at = (fault === 'between-blocks' && lastBlockStart(fragment.parts)) || {
      part: middle,
      offset: fragment.parts[middle].byteLength >> 1,
    };
    for (const part of fragment.parts.slice(0, at.part)) await write(response, part);
    await write(response, fragment.parts[at.part].subarray(0, at.offset));
    if (fault === 'stall-body') await closed;
    else if (fault === 'reset') response.destroy();
    else response.end();
    return sent;
  }
  response.end();
  return sent;
}

/**
 * Which requests are throttled: the first N calls of an operation (`first`), every call within
 * `forMs` of the operation's first call by `clock`, and a seeded share `rate` of all requests.
 */
export class Throttle<Operation extends string> {
  private readonly firstCallMs = new Map<Operation, number>();

  constructor(
    private readonly options: {
      first?: Partial<Record<Operation, number>>;
      forMs?: Partial<Record<Operation, number>>;
      rate?: number;
      random: () => number;
      clock: () => number;
    },
  ) {}

  /** Whether the `call`-th call (from 1) of `operation` is throttled. */
  throttles(operation: Operation, call: number): boolean {
    const { first, forMs, rate, random, clock } = this.options;
    if ((first?.[operation] ?? 0) >= call) return true;
    const window = forMs?.[operation];
    if (window !== undefined) {
      const now = clock();
      const since = now - (this.firstCallMs.get(operation) ?? now);
      if (!this.firstCallMs.has(operation)) this.firstCallMs.set(operation, now);
      if (since < window) return true;
    }
    return rate !== undefined && rate > 0 && random() < rate;
  }
}
