/**
 * The aws tests' KVS endpoint: kvs-clip's own server (src/server, `createKvsServer`) over a
 * temporary folder holding the fragments given, driven by the real AWS SDK over HTTP. It misbehaves
 * on request through the server's fault options, the ways the real service does: small pages in no
 * order, a fragment repeated across pages, ClientLimitExceededException, and media bodies that
 * break off in the middle of a fragment. Also: splitting a capture into fragments, and a capture
 * made from a plain Matroska fixture.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFragments } from '../../src/mkv/index.js';
import { concatBytes } from '../../src/bytes.js';
import { createKvsServer, type KvsExchange } from '../../src/server/index.js';
import { writeKvsStream, type DocumentSpec } from './kvs-writer.js';

export interface StoredFragment {
  fragmentNumber: string;
  /** Epoch ms. */
  producerTimestamp: number;
  serverTimestamp: number;
  durationMs: number;
  /** The fragment's bytes as GetMediaForFragmentList sends them (EBML header through its last tags). */
  bytes: Uint8Array;
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
    });
  }
  // Good enough for overlap tests: a fragment lasts until the next one starts.
  return fragments.map((fragment, i) => {
    const next = fragments[i + 1] ?? fragments[i - 1];
    const durationMs = next ? Math.abs(next.producerTimestamp - fragment.producerTimestamp) : 2000;
    return { ...fragment, durationMs };
  });
}

/**
 * A GetMedia-style capture made from a plain Matroska fixture (no KVS tags): one document per
 * fragment the reader finds (a video key frame starts one), with fragment numbers and timestamps as
 * KVS writes them, so the fetch tests also run where the real captures are absent.
 */
export async function captureFromPlainMatroska(plain: Uint8Array, epochMs = 1_700_000_000_000): Promise<Uint8Array> {
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
    });
  }
  return writeKvsStream({ documents }).bytes;
}

export type Operation = 'ListFragments' | 'GetMediaForFragmentList' | 'GetDataEndpoint';

export interface FakeKvsOptions {
  /** Stream name → its fragments (written one after the other as `<name>.mkv`). */
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
}

export type LoggedRequest = KvsExchange;

export interface FakeKvs {
  url: string;
  calls: Record<Operation, number>;
  log: LoggedRequest[];
  close(): Promise<void>;
}

export async function startFakeKvs(options: FakeKvsOptions): Promise<FakeKvs> {
  const dir = mkdtempSync(join(tmpdir(), 'kvs-fake-'));
  for (const [name, fragments] of Object.entries(options.streams)) {
    const bytes = concatBytes(
      fragments.map((fragment) => fragment.bytes),
      fragments.reduce((sum, fragment) => sum + fragment.bytes.byteLength, 0),
    );
    writeFileSync(join(dir, `${name}.mkv`), bytes);
  }
  const calls: Record<Operation, number> = { ListFragments: 0, GetMediaForFragmentList: 0, GetDataEndpoint: 0 };
  const log: LoggedRequest[] = [];
  const server = createKvsServer({
    dir,
    faults: {
      pageSize: options.pageSize,
      shuffleSeed: options.shuffleSeed,
      repeatAcrossPages: options.repeatAcrossPages,
      throttleFirst: options.throttle,
      cutMedia: options.cutMedia,
      reverseMedia: options.reverseMedia,
    },
    onExchange: (exchange) => {
      log.push(exchange);
      if (exchange.operation in calls) calls[exchange.operation as Operation]++;
    },
  });
  const url = await server.start();
  return {
    url,
    calls,
    log,
    close: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
