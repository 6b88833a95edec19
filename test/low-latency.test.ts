/**
 * Low-latency fragmented MP4 (issue 18, docs/kvs-mkv.md#low-latency-chunks): CMAF chunks inside the
 * open fragment carry the same frames, bytes and times as the normal output (ffprobe and mp4box.js
 * read both), whatever the input's chunking and the chunk policy; and a block's chunk is out before
 * the next block has arrived.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fragmentedMp4, fragmentedMp4Chunks, type FragmentedOptions } from '../src/api/index.js';
import { InvalidArgumentException } from '../src/errors.js';
import { readFragmentEvents } from '../src/mkv/index.js';
import { liveSource } from './support/live-source.js';
import { hasFfmpeg, packets, tempFile } from './support/oracle-ffmpeg.js';
import { parseMp4 } from './support/oracle-mp4box.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

async function segmentsOf(input: Uint8Array | Iterable<Uint8Array>, options: FragmentedOptions = {}): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const segment of fragmentedMp4(input, options)) out.push(segment.data);
  return out;
}

/** Every sample per track as mp4box.js reads it: decode and composition time, bytes, sync. */
function samplesOf(file: Uint8Array[]) {
  const parsed = parseMp4(new Uint8Array(Buffer.concat(file)));
  return parsed.tracks.map((t) =>
    t.samples.map((s) => ({ dts: s.dts, cts: s.cts, sync: s.sync, data: Buffer.from(s.data).toString('hex') })),
  );
}

describe('lowLatency', () => {
  it.skipIf(!hasFfmpeg)('ffprobe reads the same packets (bytes, pts, dts, key) as the normal output, one chunk per block', async () => {
    for (const [name, options] of [
      ['kvs-h264-aac.mkv', {}],
      ['kvs-h264-alaw.mkv', { audio: 'flac' }],
    ] as const) {
      const input = fixture(name);
      const normal = await segmentsOf(input, options);
      const low = await segmentsOf(input, { ...options, lowLatency: true });
      let blocks = 0;
      for await (const event of readFragmentEvents(input)) if (event.type === 'frames') blocks++;
      // The init segment, then one chunk per block.
      expect(low.length, name).toBe(1 + blocks);
      const strip = ({ duration: _, pos: __, ...p }: ReturnType<typeof packets>[number]) => p;
      // Per stream: chunks interleave the tracks in arrival order, whole segments track by track.
      const byStream = (list: ReturnType<typeof packets>) => [0, 1].map((i) => list.filter((p) => p.stream === i).map(strip));
      const a = byStream(packets(tempFile(`normal-${name}.mp4`, normal)));
      const b = byStream(packets(tempFile(`low-${name}.mp4`, low)));
      expect(a[0].length + a[1].length).toBeGreaterThan(50);
      expect(b).toEqual(a);
    }
  });

  it('same samples (bytes, decode and composition times) for any input chunking and chunk policy', async () => {
    const input = fixture('kvs-h264-aac.mkv');
    const expected = samplesOf(await segmentsOf(input));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 40 }),
        fc.oneof(
          fc.constant<FragmentedOptions['lowLatency']>(true),
          fc.record({ frames: fc.integer({ min: 1, max: 20 }) }),
          fc.record({ ms: fc.integer({ min: 1, max: 700 }) }),
          fc.record({ frames: fc.integer({ min: 1, max: 20 }), ms: fc.integer({ min: 1, max: 700 }) }),
        ),
        async (cuts, lowLatency) => {
          const at = [0, ...cuts.sort((x, y) => x - y), input.length];
          const chunks = at.slice(1).map((end, i) => input.subarray(at[i], end));
          expect(samplesOf(await segmentsOf(chunks, { lowLatency }))).toEqual(expected);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('sends a block’s chunk before the next block arrives', async () => {
    const input = fixture('kvs-h264-aac.mkv');
    // Where each block ends: the frames' ends in the input (one frame per block in this fixture).
    const ends: number[] = [];
    for await (const event of readFragmentEvents(input)) {
      if (event.type === 'frames')
        ends.push(event.frames.at(-1)!.data.byteOffset - input.byteOffset + event.frames.at(-1)!.data.byteLength);
    }
    const source = liveSource();
    let chunks = 0;
    const consumer = (async () => {
      for await (const segment of fragmentedMp4Chunks(source, { lowLatency: true })) if (segment.type === 'media') chunks++;
    })();
    let fed = 0;
    for (const [i, end] of ends.entries()) {
      source.push(input.subarray(fed, end));
      fed = end;
      await source.untilStarved();
      expect(chunks, `block ${i}`).toBe(i + 1);
    }
    source.push(input.subarray(fed));
    source.end();
    await consumer;
    expect(chunks).toBe(ends.length);
  });

  it('refuses maxBytes and a bad chunk policy with InvalidArgumentException', async () => {
    const input = fixture('kvs-h264-aac.mkv');
    await expect(segmentsOf(input, { lowLatency: true, maxBytes: 1000 })).rejects.toThrow(InvalidArgumentException);
    await expect(segmentsOf(input, { lowLatency: { frames: 0 } })).rejects.toThrow(/lowLatency.frames/);
    await expect(segmentsOf(input, { lowLatency: { ms: -1 } })).rejects.toThrow(/lowLatency.ms/);
  });
});
