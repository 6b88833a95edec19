/**
 * A local GetMedia endpoint for the follow tests and bench/live.mjs: node:http on 127.0.0.1 speaking
 * the REST-JSON of the service models (botocore kinesis-video-media / @aws-sdk/client-kinesis-video-
 * media): POST /getDataEndpoint (control plane, answers its own URL) and POST /getMedia, whose body
 * streams the stored fragments from the StartSelector on (NOW, EARLIEST, FRAGMENT_NUMBER = after that
 * fragment, PRODUCER_/SERVER_TIMESTAMP, CONTINUATION_TOKEN = after the fragment that carried it).
 *
 * It misbehaves on request, per connection (`plan`): a throttling error (ClientLimitExceededException,
 * ConnectionLimitExceededException: HTTP 400 with x-amzn-errortype), a body that ends after a few
 * fragments (the service ends GetMedia responses regularly), or a connection cut at a given byte of
 * the stream, mid-fragment. The stream can grow while connections are open (`append`), like a live one.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFragments } from '../../src/mkv/index.js';

export interface ServedFragment {
  fragmentNumber: string;
  producerTimestamp: number;
  serverTimestamp: number;
  continuationToken: string;
  /** EBML header through the trailing Tags with the continuation token. */
  bytes: Uint8Array;
}

/** What the n-th GetMedia connection (0-based) does. */
export interface ConnectionPlan {
  /** Answer with this error instead of media. */
  error?: 'ClientLimitExceededException' | 'ConnectionLimitExceededException';
  /** End the body cleanly after this many fragments. */
  endAfterFragments?: number;
  /** Cut the connection once the body reaches this byte of the whole stream (fragments laid end to end). */
  cutAtStreamByte?: number;
}

export interface GetMediaServerOptions {
  fragments: ServedFragment[];
  /** The fragment NOW starts at (default: the last one stored). */
  nowIndex?: number;
  plan?: (connection: number) => ConnectionPlan;
  /** End every body once the stored fragments are sent, instead of waiting for more (default true). */
  endWhenCaughtUp?: boolean;
}

export interface GetMediaServer {
  url: string;
  /** Adds a fragment to the stream; open connections send it. */
  append(fragment: ServedFragment): void;
  /** GetMedia requests so far, with their StartSelector. */
  readonly requests: { StartSelector: Record<string, unknown> }[];
  /** Connections currently open (to check that a client closed its own). */
  openConnections(): number;
  /** Resolves once no connection is open. */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

/** Splits a GetMedia capture (every fragment ending in a continuation token) into served fragments. */
export async function servedFragments(capture: Uint8Array): Promise<ServedFragment[]> {
  const out: ServedFragment[] = [];
  for await (const f of readFragments(capture)) {
    if (f.fragmentNumber === null || f.producerTimestamp === null || f.serverTimestamp === null || f.continuationToken === undefined) {
      throw new Error(`fragment #${f.index} lacks GetMedia tags`);
    }
    out.push({
      fragmentNumber: f.fragmentNumber,
      producerTimestamp: f.producerTimestamp,
      serverTimestamp: f.serverTimestamp,
      continuationToken: f.continuationToken,
      bytes: capture.subarray(f.byteOffset, f.byteOffset + f.byteLength),
    });
  }
  return out;
}

export async function startGetMediaServer(options: GetMediaServerOptions): Promise<GetMediaServer> {
  const fragments = [...options.fragments];
  const waiters = new Set<() => void>();
  const requests: { StartSelector: Record<string, unknown> }[] = [];
  let connections = 0;
  const sockets = new Set<import('node:net').Socket>();
  const idleWaiters = new Set<() => void>();

  const startIndex = (selector: Record<string, unknown>): number => {
    const after = (found: number) => (found < 0 ? fragments.length : found + 1);
    switch (selector.StartSelectorType) {
      case 'EARLIEST':
        return 0;
      case 'CONTINUATION_TOKEN':
        return after(fragments.findIndex((f) => f.continuationToken === selector.ContinuationToken));
      case 'FRAGMENT_NUMBER':
        return after(fragments.findIndex((f) => f.fragmentNumber === selector.AfterFragmentNumber));
      case 'PRODUCER_TIMESTAMP':
      case 'SERVER_TIMESTAMP': {
        const ms = Number(selector.StartTimestamp) * 1000;
        const i = fragments.findIndex(
          (f) => (selector.StartSelectorType === 'SERVER_TIMESTAMP' ? f.serverTimestamp : f.producerTimestamp) >= ms,
        );
        return i < 0 ? fragments.length : i;
      }
      default:
        return options.nowIndex ?? Math.max(0, fragments.length - 1);
    }
  };
  const streamOffset = (index: number): number => fragments.slice(0, index).reduce((sum, f) => sum + f.bytes.byteLength, 0);

  async function sendMedia(res: ServerResponse, first: number, plan: ConnectionPlan): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'video/webm' });
    let at = streamOffset(first);
    for (let i = first, sent = 0; ; i++, sent++) {
      if (plan.endAfterFragments !== undefined && sent >= plan.endAfterFragments) break;
      while (i >= fragments.length) {
        if (options.endWhenCaughtUp !== false || res.destroyed) return void res.end();
        await new Promise<void>((resolve) => waiters.add(resolve));
      }
      const bytes = fragments[i].bytes;
      const cut = plan.cutAtStreamByte;
      if (cut !== undefined && cut < at + bytes.byteLength) {
        res.write(bytes.subarray(0, Math.max(0, cut - at)), () => res.socket?.destroy());
        return;
      }
      if (!res.write(bytes)) await new Promise((resolve) => res.once('drain', resolve));
      if (res.destroyed) return;
      at += bytes.byteLength;
    }
    res.end();
  }

  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      const input = JSON.parse(Buffer.concat(body).toString() || '{}') as Record<string, unknown>;
      const json = (status: number, value: unknown, errorType?: string) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...(errorType && { 'x-amzn-errortype': errorType }) });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/getDataEndpoint') return json(200, { DataEndpoint: url });
      if (req.url !== '/getMedia') return json(404, { Message: `no such operation ${req.url}` }, 'ResourceNotFoundException');
      const selector = (input.StartSelector ?? {}) as Record<string, unknown>;
      requests.push({ StartSelector: selector });
      const plan = options.plan?.(connections++) ?? {};
      if (plan.error) return json(400, { Message: `${plan.error} (test server)` }, plan.error);
      void sendMedia(res, startIndex(selector), plan);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const idle of [...idleWaiters]) idle();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    append(fragment) {
      fragments.push(fragment);
      for (const wake of [...waiters]) wake();
      waiters.clear();
    },
    openConnections: () => sockets.size,
    whenIdle: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.add(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        for (const wake of [...waiters]) wake();
        server.close(() => resolve());
      }),
  };
}
