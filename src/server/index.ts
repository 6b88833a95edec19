/**
 * kvs-clip/server: a local Kinesis Video Streams endpoint over a folder of MKV files, for the AWS
 * SDKs, boto3 and the AWS CLI (docs/server.md). Node only: it is its own entry, so the browser
 * bundle of `kvs-clip` does not grow.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { InvalidArgumentException } from '../errors.js';
import { getClip, getMediaForFragmentList, listFragments, seededRandom, type ListingFaults } from './archived.js';
import { isStreamName, StreamCatalog } from './catalog.js';
import { describeStream, getDataEndpoint, listStreams } from './control.js';
import { asServiceError, sendError, ServiceError, throttled } from './errors.js';
import { largestPart, sendMedia, Throttle, write, type MediaFault } from './faults.js';
import { streamMedia, type Session } from './media.js';
import { contentTypeOf, dashSession, hlsSession, sessionToken, type StreamingSession } from './streaming.js';
import { answerPreflight, EXPOSED_HEADERS, readBody, streamNameOf, type Body } from './request.js';

/** The operations the server answers. */
export type KvsOperation =
  | 'GetDataEndpoint'
  | 'ListStreams'
  | 'DescribeStream'
  | 'ListFragments'
  | 'GetMediaForFragmentList'
  | 'GetClip'
  | 'GetMedia'
  | 'GetHLSStreamingSessionURL'
  | 'GetDASHStreamingSessionURL';

/**
 * Failures the server injects on purpose, the ways the service may misbehave, for testing a
 * client's resilience (docs/server.md#faults).
 */
export interface KvsServerFaults extends ListingFaults {
  /** Fraction (0–1) of requests answered with ClientLimitExceededException instead. */
  throttleRate?: number;
  /** Seed of the generator that picks the throttled requests, so a run can be replayed (default 1). */
  seed?: number;
  /** The first N calls of an operation are answered with ClientLimitExceededException. */
  throttleFirst?: Partial<Record<KvsOperation, number>>;
  /**
   * Every call of an operation within this many ms of its first call is answered with
   * ClientLimitExceededException: a burst of throttling that a client's retries must outlast.
   */
  throttleForMs?: Partial<Record<KvsOperation, number>>;
  /** Now, in ms, for `throttleForMs` (default `Date.now`): a test's fake clock, advanced by its client's sleeps, runs a long burst without waiting for it. */
  clock?: () => number;
  /** Cut every media body (GetMedia, GetMediaForFragmentList, GetClip) in the middle of a fragment, then drop the connection. */
  cutBodies?: boolean;
  /** What GetMediaForFragmentList calls do instead of sending their body whole, by call (numbered from 1, throttled ones included). */
  mediaFaults?: Record<number, MediaFault>;
  /** GetMediaForFragmentList sends the fragments in the reverse of the order asked. */
  reverseMedia?: boolean;
}

/** One request as the server answered it, for `onExchange`. */
export interface KvsExchange {
  /** The operation, from the request's path. */
  operation: KvsOperation;
  /** The request's JSON body (empty when it was not JSON). */
  body: Record<string, unknown>;
  /** The HTTP status answered (200 even when a media body was then cut). */
  status: number;
  /** ListFragments: the fragment numbers of the page returned. */
  listed?: string[];
  /** GetMediaForFragmentList: the fragment numbers whose bytes were all sent. */
  sentComplete?: string[];
}

/** Where the streams come from: a folder, streams in memory, or both (at least one of them). */
export interface KvsServerOptions {
  /** The folder: each `<name>.mkv` in it is the stream `<name>`. */
  dir?: string;
  /**
   * Streams held in memory, name → the bytes a `<name>.mkv` file would hold (a KVS capture or a
   * plain Matroska file); they never change. A name here hides a file of that name in `dir`.
   */
  streams?: Record<string, Uint8Array>;
  /** Interface to listen on (default 127.0.0.1: the server checks no signatures, see docs/server.md#security). */
  host?: string;
  /** Port (default 0: any free port; `url` tells which). */
  port?: number;
  /** Failures to inject on purpose, to test a client's retries (default: none). */
  faults?: KvsServerFaults;
  /** GetMedia: how often a stream's file is looked at for new fragments (default 250 ms). */
  pollMs?: number;
  /** GetMedia: the session ends after this long without a new fragment (default 5000 ms). */
  idleMs?: number;
  /** Called once per answered request (an operation's path), with its outcome: for tests that watch a client. */
  onExchange?: (exchange: KvsExchange) => void;
  /**
   * Answer requests that carry no AWS Signature Version 4 `Authorization` header with
   * MissingAuthenticationTokenException (403), as the service does; the signature itself is still
   * not checked (default false: anything goes, e.g. curl).
   */
  requireSignature?: boolean;
}

/** A local KVS endpoint over a folder (`createKvsServer`): start it, point an SDK's `endpoint` at `url`, stop it. */
export interface KvsServer {
  /** Starts listening; resolves with the endpoint URL, e.g. `http://127.0.0.1:4567`. */
  start(): Promise<string>;
  /** Ends open GetMedia sessions, closes every connection and stops listening. */
  stop(): Promise<void>;
  /** The endpoint URL once started (empty before). */
  readonly url: string;
  /** Requests received per operation so far, counted on arrival (throttled, failed and unanswered ones included). */
  readonly calls: Readonly<Record<KvsOperation, number>>;
}

const OPERATIONS: Record<string, KvsOperation> = {
  '/getDataEndpoint': 'GetDataEndpoint',
  '/listStreams': 'ListStreams',
  '/describeStream': 'DescribeStream',
  '/listFragments': 'ListFragments',
  '/getMediaForFragmentList': 'GetMediaForFragmentList',
  '/getClip': 'GetClip',
  '/getMedia': 'GetMedia',
  '/getHLSStreamingSessionURL': 'GetHLSStreamingSessionURL',
  '/getDASHStreamingSessionURL': 'GetDASHStreamingSessionURL',
};

/** Every operation the server answers. */
export const KVS_OPERATIONS: readonly KvsOperation[] = Object.values(OPERATIONS);

/** Where a session's files are: `/hls/v1/<token>/<file>`, `/dash/v1/<token>/<file>`. */
const SESSION_FILE = /^\/(hls|dash)\/v1\/([0-9a-f]{32})\/([A-Za-z0-9_./-]{1,200})$/;

export type { MediaFault } from './faults.js';

/** Streams given in memory, names checked as the service checks a StreamName. */
function memoryStreams(streams: Record<string, Uint8Array> = {}): Map<string, Uint8Array> {
  for (const name of Object.keys(streams)) {
    if (!isStreamName(name))
      throw new InvalidArgumentException(`streams: '${name.slice(0, 300)}' is not a stream name ([a-zA-Z0-9_.-], 1 to 256)`);
  }
  return new Map(Object.entries(streams));
}

/** Creates the server (not yet listening). InvalidArgumentException when it is given neither `dir` nor `streams`, or a bad stream name. */
export function createKvsServer(options: KvsServerOptions): KvsServer {
  if (options.dir === undefined && options.streams === undefined)
    throw new InvalidArgumentException('createKvsServer needs dir or streams');
  const catalog = new StreamCatalog(options.dir === undefined ? undefined : resolve(options.dir), memoryStreams(options.streams));
  const faults = options.faults ?? {};
  const throttle = new Throttle<KvsOperation>({
    first: faults.throttleFirst,
    forMs: faults.throttleForMs,
    rate: faults.throttleRate,
    random: seededRandom(faults.seed ?? 1),
    clock: faults.clock ?? Date.now,
  });
  const tail = { pollMs: options.pollMs ?? 250, idleMs: options.idleMs ?? 5000 };
  const calls = Object.fromEntries(KVS_OPERATIONS.map((operation) => [operation, 0])) as Record<KvsOperation, number>;
  let url = '';
  let requests = 0;
  let stopping = false;
  const wakers = new Set<() => void>();
  const sessions = new Map<string, StreamingSession>();

  /** Resolves when the response closes (the client went away, or we dropped it) or the server stops. */
  function closedOrStopped(response: ServerResponse): Promise<void> {
    return new Promise((done) => {
      if (stopping || response.destroyed) return done();
      const finish = () => {
        wakers.delete(finish);
        response.off('close', finish);
        done();
      };
      wakers.add(finish);
      response.once('close', finish);
    });
  }

  /** Keeps a new session, forgets expired ones; returns its URL. */
  function openSession(kind: 'hls' | 'dash', made: { session: StreamingSession; entry: string }): string {
    const now = Date.now();
    for (const [token, session] of sessions) if (session.expiresAt <= now) sessions.delete(token);
    const token = sessionToken();
    sessions.set(token, made.session);
    return `${url}/${kind}/v1/${token}/${made.entry}`;
  }

  /** GET of a session file: only names the session holds, so no path reaches the file system. */
  function sendSessionFile(response: ServerResponse, path: string, requestId: string): boolean {
    const match = SESSION_FILE.exec(path);
    if (!match) return false;
    const session = sessions.get(match[2]);
    const parts = session && session.expiresAt > Date.now() ? session.files.get(match[3]) : undefined;
    if (!parts) {
      sendError(
        response,
        new ServiceError('ResourceNotFoundException', 'The streaming session or its file is not found, or the session expired.'),
        requestId,
      );
      return true;
    }
    const length = parts.reduce((sum, part) => sum + part.byteLength, 0);
    response.writeHead(200, { 'content-type': contentTypeOf(match[3]), 'content-length': length });
    for (const part of parts) response.write(part);
    response.end();
    return true;
  }

  async function getMedia(request: IncomingMessage, response: ServerResponse, body: Body): Promise<void> {
    const index = await catalog.open(streamNameOf(body));
    let sent = 0;
    let closed = false;
    response.on('close', () => (closed = true));
    const session: Session = {
      closed: () => closed || stopping,
      begin: () => {
        response.writeHead(200, { 'content-type': 'video/webm' });
        response.flushHeaders();
      },
      write: async (parts) => {
        sent++;
        const cutAt = faults.cutBodies && sent === 2 ? largestPart(parts) : -1;
        for (const [i, part] of parts.entries()) {
          if (i === cutAt) {
            await write(response, part.subarray(0, part.byteLength >> 1));
            response.destroy();
            closed = true;
            return;
          }
          await write(response, part);
        }
      },
      sleep: (ms) =>
        new Promise<void>((wake) => {
          const done = () => {
            clearTimeout(timer);
            wakers.delete(done);
            request.off('close', done);
            wake();
          };
          const timer = setTimeout(done, ms);
          wakers.add(done);
          request.once('close', done);
        }),
    };
    // A bad selector throws before the headers: it becomes the HTTP error.
    await streamMedia(body, catalog, session, tail, index);
    if (!response.destroyed) response.end();
  }

  /** Answers one operation; returns what onExchange reports beyond the status. */
  async function answer(
    operation: KvsOperation,
    call: number,
    request: IncomingMessage,
    response: ServerResponse,
    body: Body,
    requestId: string,
  ) {
    if (throttle.throttles(operation, call)) throw throttled();
    const json = async (value: unknown) => {
      const text = JSON.stringify(value);
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': requestId,
      });
      response.end(text);
    };
    const context = { catalog, url };
    switch (operation) {
      case 'GetDataEndpoint':
        return json(await getDataEndpoint(body, context));
      case 'ListStreams':
        return json(await listStreams(body, context));
      case 'DescribeStream':
        return json(await describeStream(body, context));
      case 'ListFragments': {
        const page = await listFragments(body, catalog, faults);
        await json(page);
        return { listed: page.Fragments.map((fragment) => fragment.FragmentNumber) };
      }
      case 'GetMediaForFragmentList': {
        const media = await getMediaForFragmentList(body, catalog);
        if (faults.reverseMedia) media.fragments.reverse();
        const fault = faults.mediaFaults?.[call] ?? (faults.cutBodies ? 'reset' : undefined);
        return { sentComplete: await sendMedia(response, media, fault, closedOrStopped(response)) };
      }
      case 'GetClip':
        await sendMedia(response, await getClip(body, catalog), faults.cutBodies ? 'reset' : undefined, closedOrStopped(response));
        return;
      case 'GetMedia':
        return getMedia(request, response, body);
      case 'GetHLSStreamingSessionURL':
        return json({ HLSStreamingSessionURL: openSession('hls', await hlsSession(body, catalog)) });
      case 'GetDASHStreamingSessionURL':
        return json({ DASHStreamingSessionURL: openSession('dash', await dashSession(body, catalog)) });
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = `kvs-clip-${++requests}`;
    const path = (request.url ?? '').split('?')[0];
    const operation = request.method === 'POST' ? OPERATIONS[path] : undefined;
    let body: Body = {};
    let status = 200;
    let outcome: Omit<KvsExchange, 'operation' | 'body' | 'status'> | void = undefined;
    try {
      if (request.method === 'GET' && sendSessionFile(response, path, requestId)) return;
      if (!operation) {
        request.resume();
        throw new ServiceError('UnknownOperationException', `No operation at ${String(request.method)} ${path.slice(0, 200)}.`);
      }
      const call = ++calls[operation];
      body = await readBody(request);
      if (options.requireSignature && !String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      outcome = await answer(operation, call, request, response, body, requestId);
    } catch (error) {
      if (response.headersSent) {
        response.destroy(); // a body already under way cannot turn into an error response
        return;
      }
      const serviceError = asServiceError(error);
      status = serviceError.status;
      sendError(response, serviceError, requestId);
    } finally {
      if (operation) options.onExchange?.({ operation, body, status, ...outcome });
    }
  }

  const server: Server = createServer((request, response) => {
    // Open to pages of any origin, as the service's endpoints are to the browser SDK.
    response.setHeader('access-control-allow-origin', '*');
    response.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    if (request.method === 'OPTIONS') return answerPreflight(request, response);
    handle(request, response).catch(() => response.destroy());
  });

  return {
    get url() {
      return url;
    },
    calls,
    start: () =>
      new Promise<string>((started, failed) => {
        server.once('error', failed);
        server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
          server.off('error', failed);
          const address = server.address() as AddressInfo;
          const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          url = `http://${host}:${address.port}`;
          started(url);
        });
      }),
    stop: () =>
      new Promise<void>((stopped, failed) => {
        stopping = true;
        for (const wake of wakers) wake();
        server.closeAllConnections();
        server.close((error) => (error ? failed(error) : stopped()));
      }),
  };
}
