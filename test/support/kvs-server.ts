/**
 * A local stand-in for the KVS archived-media service: a node:http server on 127.0.0.1 that speaks
 * the REST-JSON the AWS SDK sends (POST /listFragments, /getMediaForFragmentList, and the control
 * plane's /getDataEndpoint) over fragments cut out of real GetMedia captures. It misbehaves on
 * request, the ways the real one does: small pages in no order, a fragment repeated across pages,
 * ClientLimitExceededException, and media bodies that break off in the middle of a fragment.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFragments } from '../../src/mkv/index.js';
import type { MkvFragment } from '../../src/mkv/types.js';
import { writeKvsStream, type DocumentSpec } from './kvs-writer.js';

export interface StoredFragment {
  fragmentNumber: string;
  /** Epoch ms. */
  producerTimestamp: number;
  serverTimestamp: number;
  durationMs: number;
  /** The fragment's bytes as GetMediaForFragmentList sends them (EBML header through its last tags). */
  bytes: Uint8Array;
  /** Where its last block starts, in `bytes` (the end of the block before it). */
  lastBlockStart: number;
}

/** Splits a GetMedia capture into its fragments with the reader (byteOffset/byteLength). */
export async function splitCapture(capture: Uint8Array): Promise<StoredFragment[]> {
  const fragments: Omit<StoredFragment, 'durationMs'>[] = [];
  for await (const fragment of readFragments(capture)) {
    if (fragment.fragmentNumber === null || fragment.producerTimestamp === null || fragment.serverTimestamp === null) {
      throw new Error(`fragment #${fragment.index} has no KVS tags: not a GetMedia capture`);
    }
    fragments.push({
      fragmentNumber: fragment.fragmentNumber,
      producerTimestamp: fragment.producerTimestamp,
      serverTimestamp: fragment.serverTimestamp,
      bytes: capture.subarray(fragment.byteOffset, fragment.byteOffset + fragment.byteLength),
      // Frames are views into `capture`, so the block before the last ends where its data does.
      lastBlockStart: lastBlockStart(capture, fragment),
    });
  }
  // Good enough for overlap tests: a fragment lasts until the next one starts.
  return fragments.map((fragment, i) => {
    const next = fragments[i + 1] ?? fragments[i - 1];
    const durationMs = next ? Math.abs(next.producerTimestamp - fragment.producerTimestamp) : 2000;
    return { ...fragment, durationMs };
  });
}

function lastBlockStart(capture: Uint8Array, fragment: MkvFragment): number {
  const before = fragment.frames[fragment.frames.length - 2] ?? fragment.frames[0];
  return before.data.byteOffset - capture.byteOffset - fragment.byteOffset + before.data.byteLength;
}

/**
 * A GetMedia-style capture made from a plain Matroska fixture (no KVS tags): one document per
 * fragment the reader finds (a video key frame starts one), with fragment numbers and timestamps as
 * KVS writes them, so the fetch tests also run where the real captures are absent.
 */
export async function captureFromPlainMatroska(
  plain: Uint8Array,
  epochMs = 1_700_000_000_000,
  { unknownSizeClusters = false, continuationTokens = false } = {},
): Promise<Uint8Array> {
  const documents: DocumentSpec[] = [];
  for await (const fragment of readFragments(plain)) {
    const key = fragment.frames[0];
    const clusterTimecode = key.timestamp;
    const startMs = epochMs + Math.round((clusterTimecode * fragment.timecodeScale) / 1e6);
    documents.push({
      timecodeScale: fragment.timecodeScale,
      tracks: fragment.tracks.map(({ type, ...track }) => track),
      fragmentNumber: `9134385233318143${String(240000000 + fragment.index * 4951760157)}`,
      producerTimestamp: startMs,
      serverTimestamp: startMs + 1500,
      clusters: [
        {
          timecode: clusterTimecode,
          ...(unknownSizeClusters && { size: { unknown: true } }),
          blocks: fragment.frames.map((frame) => ({
            kind: 'simple' as const,
            track: frame.track,
            timeOffset: frame.timestamp - clusterTimecode,
            keyframe: frame.keyframe,
            lacing: 'none' as const,
            frames: [frame.data],
          })),
        },
      ],
      millisBehindNow: 1000,
      // GetMedia ends each fragment with its continuation token (docs/kvs-mkv.md, GetMedia).
      ...(continuationTokens && { continuationToken: `${fragment.index}` }),
    });
  }
  return writeKvsStream({ documents }).bytes;
}

export type Operation = 'ListFragments' | 'GetMediaForFragmentList' | 'GetDataEndpoint';

export interface FakeKvsOptions {
  /** Stream name → its fragments. */
  streams: Record<string, StoredFragment[]>;
  /** Fragments per ListFragments page at most (the request's MaxResults caps it further). */
  pageSize?: number;
  /** Return ListFragments results in a shuffled order (seeded, the same on every call). */
  shuffleSeed?: number;
  /** Repeat the first listed fragment on the last page too, as pagination may do. */
  repeatAcrossPages?: boolean;
  /** The first N calls of an operation fail with ClientLimitExceededException. */
  throttle?: Partial<Record<Operation, number>>;
  /**
   * Media responses (counted from the first) that break off in the middle of their second fragment
   * (or first, when only one was asked for): 'reset' announces the full Content-Length and drops
   * the socket; 'end' sends a chunked body and ends it cleanly, short.
   */
  cutMedia?: Record<number, 'reset' | 'end'>;
  /** Send the fragments of a media response in reverse order of the request. */
  reverseMedia?: boolean;
  /**
   * Throttle an operation (ClientLimitExceededException) for this many ms from its first call, by
   * `clock` (a fake clock lets a test run a long burst without waiting for it).
   */
  throttleForMs?: Partial<Record<Operation, number>>;
  /** Now, in ms (default Date.now). */
  clock?: () => number;
  /**
   * Media responses (counted from the first) that send their first fragment whole, then end cleanly
   * between two blocks of the second one's (unknown-size) cluster: the reader cannot see the cut.
   */
  cleanCutMedia?: number[];
  /**
   * Media responses that send their first fragment, then a GetMediaForFragmentList in-band error
   * (EXCEPTION_ERROR_CODE = the code) for the second.
   */
  inBandError?: Record<number, number>;
  /** Media responses that never answer ('headers'), or send half the first fragment and go silent ('body'). */
  stallMedia?: Record<number, 'headers' | 'body'>;
  /** ListFragments pages forever: every page repeats the first one and returns the same NextToken. */
  endlessPages?: boolean;
}

export interface LoggedRequest {
  operation: Operation;
  body: Record<string, unknown>;
  status: number;
  /** ListFragments: the fragment numbers of the page returned. */
  listed?: string[];
  /** GetMediaForFragmentList: fragment numbers whose bytes were all sent. */
  sentComplete?: string[];
}

export interface FakeKvs {
  url: string;
  calls: Record<Operation, number>;
  log: LoggedRequest[];
  close(): Promise<void>;
}

const routes: Record<string, Operation> = {
  '/listFragments': 'ListFragments',
  '/getMediaForFragmentList': 'GetMediaForFragmentList',
  '/getDataEndpoint': 'GetDataEndpoint',
};

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeKvs(options: FakeKvsOptions): Promise<FakeKvs> {
  const calls: Record<Operation, number> = { ListFragments: 0, GetMediaForFragmentList: 0, GetDataEndpoint: 0 };
  const log: LoggedRequest[] = [];
  const firstCall: Partial<Record<Operation, number>> = {};
  let url = '';

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const operation = routes[request.url ?? ''];
    const body = await readJson(request);
    const entry: LoggedRequest = { operation, body, status: 200 };
    try {
      if (request.method !== 'POST' || !operation)
        throw new ServiceError(404, 'UnknownOperationException', `No route for ${request.method} ${request.url}`);
      log.push(entry);
      calls[operation]++;
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        throw new ServiceError(403, 'AccessDeniedException', 'Missing Authentication Token');
      }
      const now = (options.clock ?? Date.now)();
      firstCall[operation] ??= now;
      if (
        calls[operation] <= (options.throttle?.[operation] ?? 0) ||
        now - firstCall[operation] < (options.throttleForMs?.[operation] ?? 0)
      ) {
        throw new ServiceError(
          400,
          'ClientLimitExceededException',
          'Your request has been throttled because you have exceeded the limit of allowed client calls. Try making the call later.',
        );
      }
      if (operation === 'GetDataEndpoint') {
        streamOf(body);
        return sendJson(response, { DataEndpoint: url });
      }
      if (operation === 'ListFragments') {
        const page = listFragments(streamOf(body), body);
        entry.listed = page.Fragments.map((fragment) => fragment.FragmentNumber);
        return sendJson(response, page);
      }
      return sendMedia(response, entry, streamOf(body), body, calls.GetMediaForFragmentList);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      entry.status = error.status;
      // docs/errors.md#on-the-wire: the SDK reads the name from x-amzn-ErrorType and the message from the body.
      response.writeHead(error.status, {
        'content-type': 'application/json',
        'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/com.amazonaws.kinesis.video/`,
        'x-amzn-requestid': `fake-${log.length}`,
      });
      response.end(JSON.stringify({ message: error.message }));
    }
  }

  function streamOf(body: Record<string, unknown>): StoredFragment[] {
    const name =
      typeof body.StreamName === 'string' ? body.StreamName : (typeof body.StreamARN === 'string' ? body.StreamARN : '').split('/')[1];
    const fragments = name === undefined ? undefined : options.streams[name];
    if (!fragments) throw new ServiceError(404, 'ResourceNotFoundException', 'The requested stream is not found or not active.');
    return fragments;
  }

  function listFragments(fragments: StoredFragment[], body: Record<string, unknown>) {
    const selector = body.FragmentSelector as
      { FragmentSelectorType: string; TimestampRange: { StartTimestamp: number; EndTimestamp: number } } | undefined;
    if (!selector) throw new ServiceError(400, 'InvalidArgumentException', 'FragmentSelector is required');
    const byServer = selector.FragmentSelectorType === 'SERVER_TIMESTAMP';
    const start = selector.TimestampRange.StartTimestamp * 1000;
    const end = selector.TimestampRange.EndTimestamp * 1000;
    // Like the service: every fragment that overlaps the range, not only those starting in it.
    let matching = fragments.filter((fragment) => {
      const begin = byServer ? fragment.serverTimestamp : fragment.producerTimestamp;
      return begin <= end && begin + fragment.durationMs >= start;
    });
    if (options.shuffleSeed !== undefined) matching = shuffled(matching, options.shuffleSeed);
    if (options.repeatAcrossPages && matching.length > 1) matching = [...matching, matching[0]];
    const pageSize = Math.min(options.pageSize ?? 1000, Number(body.MaxResults ?? 1000));
    const offset = typeof body.NextToken === 'string' ? Number(Buffer.from(body.NextToken, 'base64').toString()) : 0;
    const page = matching.slice(offset, offset + pageSize);
    const next = offset + pageSize;
    if (options.endlessPages) {
      return { Fragments: describe(matching.slice(0, pageSize)), NextToken: Buffer.from('0').toString('base64') };
    }
    return {
      Fragments: describe(page),
      ...(next < matching.length && { NextToken: Buffer.from(String(next)).toString('base64') }),
    };
  }

  function describe(page: StoredFragment[]) {
    return page.map((fragment) => ({
      FragmentNumber: fragment.fragmentNumber,
      FragmentSizeInBytes: fragment.bytes.byteLength,
      ProducerTimestamp: fragment.producerTimestamp / 1000,
      ServerTimestamp: fragment.serverTimestamp / 1000,
      FragmentLengthInMilliseconds: fragment.durationMs,
    }));
  }

  function sendMedia(
    response: ServerResponse,
    entry: LoggedRequest,
    fragments: StoredFragment[],
    body: Record<string, unknown>,
    call: number,
  ): void {
    const numbers = body.Fragments;
    if (!Array.isArray(numbers) || numbers.length < 1 || numbers.length > 1000) {
      throw new ServiceError(400, 'InvalidArgumentException', 'Fragments must hold 1 to 1000 fragment numbers');
    }
    let parts = numbers.map((number) => {
      const fragment = fragments.find((candidate) => candidate.fragmentNumber === number);
      if (!fragment) throw new ServiceError(404, 'ResourceNotFoundException', `Fragment ${String(number)} not found`);
      return fragment;
    });
    if (options.reverseMedia) parts = parts.reverse();
    const total = parts.reduce((sum, part) => sum + part.bytes.byteLength, 0);
    const stall = options.stallMedia?.[call];
    if (stall === 'headers') return; // accepted, never answered
    if (stall === 'body') {
      entry.sentComplete = [];
      response.writeHead(200, { 'content-type': 'video/webm', 'content-length': total });
      response.write(parts[0].bytes.subarray(0, parts[0].bytes.byteLength >> 1));
      return; // and silence
    }
    const errorCode = options.inBandError?.[call];
    if ((errorCode !== undefined || options.cleanCutMedia?.includes(call)) && parts.length > 1) {
      entry.sentComplete = [parts[0].fragmentNumber];
      response.writeHead(200, { 'content-type': 'video/webm' });
      response.write(parts[0].bytes);
      const tail =
        errorCode === undefined
          ? parts[1].bytes.subarray(0, parts[1].lastBlockStart)
          : writeKvsStream({
              documents: [],
              error: {
                flavour: 'GetMediaForFragmentList',
                fragmentNumber: parts[1].fragmentNumber,
                code: String(errorCode),
                message: 'fake',
              },
            }).bytes;
      response.end(tail);
      return;
    }
    const cut = options.cutMedia?.[call];
    const cutIn = Math.min(1, parts.length - 1);
    const sendable = cut === undefined ? parts.length : cutIn;
    entry.sentComplete = parts.slice(0, sendable).map((part) => part.fragmentNumber);
    response.writeHead(200, {
      'content-type': 'video/webm',
      ...(cut !== 'end' && { 'content-length': total }),
    });
    for (const part of parts.slice(0, sendable)) response.write(part.bytes);
    if (cut === undefined) {
      response.end();
      return;
    }
    const half = parts[cutIn].bytes;
    response.write(half.subarray(0, half.byteLength >> 1), () => {
      if (cut === 'end') response.end();
      else response.socket?.destroy();
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    log,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function sendJson(response: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Fisher–Yates with a small seeded generator (mulberry32), so a failing order can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
