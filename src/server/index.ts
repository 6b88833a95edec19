/**
 * kvs-clip/server: a local Kinesis Video Streams endpoint over a folder of MKV files, for the AWS
 * SDKs, boto3 and the AWS CLI (docs/server.md). Node only: it is its own entry, so the browser
 * bundle of `kvs-clip` does not grow.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { getClip, getMediaForFragmentList, listFragments, type MediaBody } from './archived.js';
import { StreamCatalog } from './catalog.js';
import { describeStream, getDataEndpoint, listStreams } from './control.js';
import { asServiceError, sendError, ServiceError, throttled } from './errors.js';
import { streamMedia, type Session } from './media.js';
import { readBody, streamNameOf, type Body } from './request.js';

/** Failures the server injects on purpose, for testing a client's resilience (docs/server.md#faults). */
export interface KvsServerFaults {
  /** Fraction (0–1) of requests answered with ClientLimitExceededException instead. */
  throttleRate?: number;
  /** Cut every media body (GetMedia, GetMediaForFragmentList, GetClip) in the middle of a fragment, then drop the connection. */
  cutBodies?: boolean;
  /** Seed of the generator that picks the throttled requests, so a run can be replayed (default 1). */
  seed?: number;
}

export interface KvsServerOptions {
  /** The folder: each `<name>.mkv` in it is the stream `<name>`. */
  dir: string;
  /** Interface to listen on (default 127.0.0.1: the server checks no signatures, see docs/server.md#security). */
  host?: string;
  /** Port (default 0: any free port; `url` tells which). */
  port?: number;
  faults?: KvsServerFaults;
  /** GetMedia: how often a stream's file is looked at for new fragments (default 250 ms). */
  pollMs?: number;
  /** GetMedia: the session ends after this long without a new fragment (default 5000 ms). */
  idleMs?: number;
}

export interface KvsServer {
  /** Starts listening; resolves with the endpoint URL, e.g. `http://127.0.0.1:4567`. */
  start(): Promise<string>;
  /** Ends open GetMedia sessions, closes every connection and stops listening. */
  stop(): Promise<void>;
  /** The endpoint URL once started (empty before). */
  readonly url: string;
}

type JsonOperation = (body: Body) => Promise<unknown>;
type MediaOperation = (body: Body) => Promise<MediaBody>;

/** Seeded generator (mulberry32) for the throttling decisions. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function write(response: ServerResponse, chunk: Uint8Array): Promise<void> {
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

/** Index of the largest of `parts[from, to)`: a fragment's cluster, where --cut-bodies cuts. */
function largestPart(parts: Uint8Array[], from: number, to: number): number {
  let largest = from;
  for (let i = from + 1; i < to; i++) if (parts[i].byteLength > parts[largest].byteLength) largest = i;
  return largest;
}

/** Creates the server (not yet listening). */
export function createKvsServer(options: KvsServerOptions): KvsServer {
  const catalog = new StreamCatalog(resolve(options.dir));
  const faults = options.faults ?? {};
  const random = generator(faults.seed ?? 1);
  const tail = { pollMs: options.pollMs ?? 250, idleMs: options.idleMs ?? 5000 };
  let url = '';
  let requests = 0;
  let stopping = false;
  const wakers = new Set<() => void>();

  const jsonOperations: Record<string, JsonOperation> = {
    '/getDataEndpoint': (body) => getDataEndpoint(body, { catalog, url }),
    '/listStreams': (body) => listStreams(body, { catalog, url }),
    '/describeStream': (body) => describeStream(body, { catalog, url }),
    '/listFragments': (body) => listFragments(body, catalog),
  };
  const mediaOperations: Record<string, MediaOperation> = {
    '/getMediaForFragmentList': (body) => getMediaForFragmentList(body, catalog),
    '/getClip': (body) => getClip(body, catalog),
  };

  async function sendMedia(response: ServerResponse, media: MediaBody): Promise<void> {
    const total = media.parts.reduce((sum, part) => sum + part.byteLength, 0);
    response.writeHead(200, { 'content-type': media.contentType, 'content-length': total });
    // Cut: in the middle of the second fragment's cluster (the first's when there is one), the full length announced.
    const fragment = Math.min(1, media.fragmentStarts.length - 1);
    const cutAt = faults.cutBodies
      ? largestPart(media.parts, media.fragmentStarts[fragment], media.fragmentStarts[fragment + 1] ?? media.parts.length)
      : -1;
    for (let i = 0; i < media.parts.length; i++) {
      if (i === cutAt) {
        const part = media.parts[i];
        await write(response, part.subarray(0, part.byteLength >> 1));
        response.destroy();
        return;
      }
      await write(response, media.parts[i]);
    }
    response.end();
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
        for (const [i, part] of parts.entries()) {
          if (faults.cutBodies && sent === 2 && i === largestPart(parts, 0, parts.length)) {
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
    // Selector errors become the HTTP error before any byte of the body.
    await streamMedia(body, catalog, session, tail, index);
    if (!response.destroyed) response.end();
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = `kvs-clip-${++requests}`;
    try {
      const path = (request.url ?? '').split('?')[0];
      const json = jsonOperations[path];
      const media = mediaOperations[path];
      if (request.method !== 'POST' || (!json && !media && path !== '/getMedia')) {
        request.resume();
        throw new ServiceError('UnknownOperationException', `No operation at ${String(request.method)} ${path.slice(0, 200)}.`);
      }
      const body = await readBody(request);
      if (faults.throttleRate && random() < faults.throttleRate) throw throttled();
      if (json) {
        const text = JSON.stringify(await json(body));
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': requestId,
        });
        response.end(text);
      } else if (media) {
        await sendMedia(response, await media(body));
      } else {
        await getMedia(request, response, body);
      }
    } catch (error) {
      if (response.headersSent) {
        response.destroy(); // a body already under way cannot turn into an error response
        return;
      }
      sendError(response, asServiceError(error), requestId);
    }
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });

  return {
    get url() {
      return url;
    },
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
