/**
 * The KVS endpoint the aws tests talk to: kvs-clip's own server (`createKvsServer`, src/server,
 * docs/server.md) over captures held in memory, with its faults (docs/server.md#faults), requiring
 * a SigV4 Authorization header as the service does. This file only starts it and keeps a log of
 * what it answered; it also builds GetMedia-style captures from the committed plain fixtures.
 */
import { createKvsServer, type KvsExchange, type KvsOperation, type KvsServerFaults } from '../../src/server/index.js';
import { readFragments } from '../../src/mkv/index.js';
import { writeKvsStream, type DocumentSpec } from './kvs-writer.js';

/** A fragment of a capture as the tests' oracle reads it (the library's reader over the very bytes served). */
export interface CapturedFragment {
  fragmentNumber: string;
  /** Epoch ms. */
  producerTimestamp: number;
  serverTimestamp: number;
  /** The fragment's bytes in the capture (EBML header through its last tags). */
  bytes: Uint8Array;
  /** How many frames it holds. */
  frames: number;
}

/** Splits a GetMedia capture into its fragments with the reader (byteOffset/byteLength). */
export async function splitCapture(capture: Uint8Array): Promise<CapturedFragment[]> {
  const fragments: CapturedFragment[] = [];
  for await (const fragment of readFragments(capture)) {
    if (fragment.fragmentNumber === null || fragment.producerTimestamp === null || fragment.serverTimestamp === null) {
      throw new Error(`fragment #${fragment.index} has no KVS tags: not a GetMedia capture`);
    }
    fragments.push({
      fragmentNumber: fragment.fragmentNumber,
      producerTimestamp: fragment.producerTimestamp,
      serverTimestamp: fragment.serverTimestamp,
      bytes: capture.subarray(fragment.byteOffset, fragment.byteOffset + fragment.byteLength),
      frames: fragment.frames.length,
    });
  }
  return fragments;
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

export interface TestKvs {
  url: string;
  /** Requests per operation, counted on arrival. */
  calls: Readonly<Record<KvsOperation, number>>;
  /** Every answered operation request, in the order answered. */
  log: KvsExchange[];
  close(): Promise<void>;
}

/** Starts the server over these streams (name → capture bytes) with these faults. */
export async function startTestKvs(streams: Record<string, Uint8Array>, faults: KvsServerFaults = {}): Promise<TestKvs> {
  const log: KvsExchange[] = [];
  const server = createKvsServer({ streams, faults, requireSignature: true, onExchange: (exchange) => log.push(exchange) });
  const url = await server.start();
  return { url, calls: server.calls, log, close: () => server.stop() };
}
