/**
 * Hostile input (issue 22): resource bounds per unit of input, lookups keyed by input text, and
 * cancellation. Each test failed before its fix; memory and time are measured per unit (heap per
 * frame, operations for n and 4n), never as absolute timings.
 */
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { clip } from '../src/api/index.js';
import { ChunkReader } from '../src/ebml/index.js';
import { readFragments } from '../src/mkv/reader.js';
import type { MkvFragment } from '../src/mkv/types.js';
import { writeKvsStream, type DocumentSpec } from './support/kvs-writer.js';

setFlagsFromString('--expose-gc');
/** A full collection (the flag above makes `gc` available to a new context). */
const collect = runInNewContext('gc') as () => void;

/** Live heap bytes after a full collection. */
function liveHeap(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

async function fragmentsOf(bytes: Uint8Array): Promise<MkvFragment[]> {
  const out: MkvFragment[] = [];
  for await (const fragment of readFragments(bytes)) out.push(fragment);
  return out;
}

/** The fixture's fragments as writer documents (video and audio frames unlaced), with `codecIds` by track. */
async function fixtureDocuments(codecIds: Record<number, string> = {}): Promise<DocumentSpec[]> {
  const fragments = await fragmentsOf(await readFile('fixtures/kvs-h264-aac.mkv'));
  return fragments.map((fragment, i) => ({
    tracks: fragment.tracks.map(({ number, typeCode, codecId, codecPrivate, video, audio }) => ({
      number,
      typeCode,
      codecId: codecIds[number] ?? codecId,
      codecPrivate,
      video,
      audio,
    })),
    fragmentNumber: String(1000 + i),
    producerTimestamp: fragment.producerTimestamp!,
    serverTimestamp: fragment.serverTimestamp!,
    clusters: [
      {
        timecode: fragment.clusterTimecode!,
        blocks: fragment.frames.map((f) => ({
          kind: 'simple' as const,
          track: f.track,
          timeOffset: f.timestamp - fragment.clusterTimecode!,
          keyframe: f.keyframe,
          lacing: 'none' as const,
          frames: [f.data],
        })),
      },
    ],
  }));
}

describe('item 6: tables keyed by input text never reach the object prototype', () => {
  for (const codecId of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty']) {
    it(`a video track with CodecID ${JSON.stringify(codecId)} is refused as unsupported`, async () => {
      const bytes = writeKvsStream({ documents: await fixtureDocuments({ 1: codecId }) }).bytes;
      await expect(clip(bytes)).rejects.toMatchObject({ name: 'UnsupportedStreamMediaTypeException' });
    });
  }
});

describe('item 2: a value that trickles in one byte per chunk', () => {
  it('costs the reader a few heap bytes per byte, not a view per chunk', async () => {
    const n = 50_000;
    const bytes = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
    let before = 0;
    let during = 0;
    function* trickle(): Generator<Uint8Array> {
      before = liveHeap();
      for (let i = 0; i < n; i++) {
        if (i === n - 1) during = liveHeap(); // everything but the last byte is held by the reader
        yield bytes.slice(i, i + 1);
      }
    }
    const reader = new ChunkReader(trickle());
    const value = await reader.read(n);
    expect(value).toEqual(bytes);
    const perByte = (during - before) / n;
    // One view per 1-byte chunk cost ~220 bytes per byte; joined as they come, about 2.
    expect(perByte).toBeLessThan(8);
  });
});
