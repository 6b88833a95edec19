/**
 * How the server turns a stored file into the documents it serves (src/server/catalog.ts,
 * documents.ts), without HTTP: for any KVS stream the test writer can make (sized and unknown-size
 * Segments and Clusters, fillers, stale SeekHead/Cues, producer tags, both tag spellings, laced
 * blocks, an in-band error at the end), every fragment's GetMediaForFragmentList document reads back
 * as the writer's own description of that fragment (an oracle that shares no code with src/). And a
 * file that grows is served one complete fragment at a time.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readFragments } from '../src/mkv/index.js';
import type { MkvFragment } from '../src/mkv/types.js';
import { listTags, StreamCatalog, type StoredFragment } from '../src/server/catalog.js';
import { kvsStream } from './support/kvs-arbitrary.js';
import { expectedFragments, writeKvsStream } from './support/kvs-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'kvs-serve-documents-'));
const samples = '../shared/kvs-samples/mkv';
const haveSamples = existsSync(samples);
if (!haveSamples) console.warn(`SKIPPED server documents of real captures: ${samples} is absent`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function served(fragment: StoredFragment): Promise<MkvFragment[]> {
  const out: MkvFragment[] = [];
  for await (const read of readFragments([...fragment.head, listTags(fragment), ...fragment.body])) out.push(read);
  return out;
}

/** What must survive serving: number, clock, tracks, every frame's bytes and times. */
function content(fragment: MkvFragment) {
  return {
    fragmentNumber: fragment.fragmentNumber,
    timecodeScale: fragment.timecodeScale,
    tracks: fragment.tracks,
    frames: fragment.frames.map((frame) => ({ ...frame, data: Buffer.from(frame.data).toString('hex') })),
  };
}

describe('served documents', () => {
  it('read back as the stored fragments, for any KVS stream (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(kvsStream, async (spec) => {
        const numbers = spec.documents.map((doc) => doc.fragmentNumber);
        fc.pre(new Set(numbers).size === numbers.length);
        const written = writeKvsStream(spec);
        const name = `s${run++}`;
        writeFileSync(join(dir, `${name}.mkv`), written.bytes);
        const index = await new StreamCatalog(dir).open(name);
        const expected = expectedFragments(spec, written).filter((fragment) => fragment.frames.length > 0);
        expect(index.fragments.map((f) => f.fragmentNumber)).toEqual(expected.map((f) => f.fragmentNumber));
        for (const [i, fragment] of index.fragments.entries()) {
          const [back, ...extra] = await served(fragment);
          expect(extra).toEqual([]);
          expect(content(back)).toEqual(content(expected[i]));
          // Timestamps from the stored tags, where the stream had them.
          if (expected[i].producerTimestamp !== null) expect(back.producerTimestamp).toBe(expected[i].producerTimestamp);
          if (expected[i].serverTimestamp !== null) expect(back.serverTimestamp).toBe(expected[i].serverTimestamp);
          const size = [...fragment.head, listTags(fragment), ...fragment.body].reduce((sum, part) => sum + part.byteLength, 0);
          expect(fragment.sizeInBytes).toBe(size);
        }
      }),
      { numRuns: 40 },
    );
  });

  // Three fragments in one Segment (parser-lib's merged output): the 2nd and 3rd start at a Tags element, not a document.
  it.skipIf(!haveSamples)('read back as the stored fragments, for real captures (merged fragments too)', async () => {
    const catalog = new StreamCatalog(samples);
    for (const name of ['output_get_media_sparse_fragments_merged', 'output_get_media_sparse_fragments']) {
      const stored: MkvFragment[] = [];
      for await (const fragment of readFragments(new Uint8Array(readFileSync(join(samples, `${name}.mkv`))))) stored.push(fragment);
      const index = await catalog.open(name);
      expect(index.fragments.length).toBe(stored.length);
      for (const [i, fragment] of index.fragments.entries()) expect((await served(fragment)).map(content)).toEqual([content(stored[i])]);
    }
  });

  // Plain ffmpeg output with 9 clusters and 6 key frames: a cluster that does not start on a key frame joins the fragment before.
  it.skipIf(!haveSamples)('cuts a plain Matroska file into fragments that start on video key frames', async () => {
    const index = await new StreamCatalog(samples).open('vogels_480');
    const original: MkvFragment[] = [];
    for await (const fragment of readFragments(new Uint8Array(readFileSync(join(samples, 'vogels_480.mkv'))))) original.push(fragment);
    const fragments = await Promise.all(index.fragments.map(served));
    expect(fragments.every((list) => list.length === 1)).toBe(true);
    const video = (fragment: MkvFragment) =>
      fragment.frames.filter((frame) => fragment.tracks.find((t) => t.number === frame.track)?.type === 'video');
    expect(fragments.map(([fragment]) => video(fragment)[0].keyframe)).toEqual(fragments.map(() => true));
    const frames = (list: MkvFragment[]) =>
      list.flatMap((f) => f.frames.map((frame) => [frame.track, frame.timestamp, Buffer.from(frame.data).toString('hex')]));
    expect(frames(fragments.flat())).toEqual(frames(original));
    const times = index.fragments.map((f) => f.producerMs);
    expect(times[0]).toBe(Date.UTC(2020, 0, 1));
    expect(times.every((time, i) => i === 0 || time > times[i - 1])).toBe(true);
  });

  it('serves a growing file one complete fragment at a time', async () => {
    const capture = new Uint8Array(readFileSync('fixtures/kvs-h264-aac.mkv'));
    const stored: MkvFragment[] = [];
    for await (const fragment of readFragments(capture)) stored.push(fragment);
    const ends = stored.map((f) => f.byteOffset + f.byteLength);
    const path = join(dir, 'growing.mkv');
    const catalog = new StreamCatalog(dir);
    const numbers = async () => (await catalog.open('growing')).fragments.map((f) => f.fragmentNumber);
    // Cut inside the second fragment's cluster, then inside its header, then whole.
    writeFileSync(path, capture.subarray(0, ends[0] + Math.floor((ends[1] - ends[0]) / 2)));
    expect(await numbers()).toEqual([stored[0].fragmentNumber]);
    appendFileSync(path, capture.subarray(ends[0] + Math.floor((ends[1] - ends[0]) / 2), ends[1] + 20));
    expect(await numbers()).toEqual(stored.slice(0, 2).map((f) => f.fragmentNumber));
    appendFileSync(path, capture.subarray(ends[1] + 20));
    expect(await numbers()).toEqual(stored.map((f) => f.fragmentNumber));
  });
});
