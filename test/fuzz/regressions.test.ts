/**
 * Minimal inputs for what the fuzzers found, each built here byte by byte (or from the test KVS
 * writer with a fixture's real codec data) so the case reads as what it is.
 *
 * 1. SimpleTags nested thousands deep overflowed the stack in readSimpleTags (src/mkv/elements.ts):
 *    a RangeError escaped readFragments / clip. Found by hostile-input ("nest", depth 4561, shrunk);
 *    fixed there with a nesting bound.
 * 2. Fixed-size lacing of empty frames costs no input bytes: a 7-byte SimpleBlock became 256 frame
 *    objects, so 28 KB of input held 1 024 000 frames (~164 MB of heap) and 1 MB would exhaust the
 *    process. Fixed in src/mkv/block.ts (readLaceSizes refuses empty fixed-laced frames).
 * 3. fragmentedMp4 dropped a complete fragment when the input failed after it: selectFragments
 *    (src/api/select.ts) holds one fragment back for its duplicate-timestamp window and loses it when
 *    the fragments it reads throw. Found by nothing-lost (one byte set to 0 near the end of a capture).
 * 4. fragmentedMp4 must keep a fragment's valid frames before a bad one (checkPartial, not check, in
 *    src/api/index.ts) and flush the segment the muxer holds back when the input fails.
 * 5. A Tracks element after a fragment's frames re-labelled those frames: the assembler gave the open
 *    fragment the new (here empty) tracks, so fragmentedMp4 refused a fragment it had already read
 *    whole. Found by nothing-lost/fragmentedMp4 (a trailing Tags whose ID became Tracks' ID); fixed
 *    in src/mkv/fragments.ts (rule 5: Info or Tracks after frames ends the open fragment).
 * 6. A producer timestamp past the last instant a Date holds (a tag value of 13 nines) made the
 *    gap-closed warning's date throw a RangeError out of clip and fragmentedMp4. Found by
 *    hostile-input (seed 0, path 5436:3:1:17:17:17:17, a tag set to its maximum digits); fixed in
 *    src/mkv/kvs-tags.ts (parseKvsTimestamp refuses such times, so every layer can show them as dates).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clip, fragmentedMp4, readFragments, type Mp4Segment } from '../../src/index.js';
import { InvalidArgumentException, InvalidMediaFrameException, KvsClipError, KvsStreamError } from '../../src/errors.js';
import type { MkvFragment } from '../../src/mkv/types.js';
import { writeKvsStream, type DocumentSpec, type StreamSpec } from '../support/kvs-writer.js';
import { readAll } from '../support/read.js';
import { MAX_EPOCH_MS } from '../../src/mkv/index.js';
import { concat, ID, idBytes, mapElements, sizeField, splice } from './structure.js';

const ascii = (text: string): number[] => Array.from(new TextEncoder().encode(text));
const element = (id: number, body: number[]): number[] => [...idBytes(id), ...sizeField(body.length, 1), ...body];
const EBML_HEADER = element(ID.EBML, element(ID.DOC_TYPE, ascii('matroska')));
const SEGMENT_UNKNOWN = [...idBytes(ID.SEGMENT), 0xff];
const CLUSTER_UNKNOWN = [...idBytes(ID.CLUSTER), 0xff];

describe('regression 1: deeply nested SimpleTags', () => {
  /** Tags { Tag { SimpleTag { SimpleTag { … TagName "A" } } } }, `depth` SimpleTags deep. */
  function nestedTags(depth: number): Uint8Array {
    const name = element(ID.TAG_NAME, ascii('A'));
    // Headers from the inside out: each SimpleTag holds the next one's 6-byte header and what it holds.
    const headers: number[][] = [];
    let size = name.length;
    for (let i = 0; i < depth; i++) {
      headers.push([...idBytes(ID.SIMPLE_TAG), ...sizeField(size, 4)]);
      size += 6;
    }
    const tag = [...idBytes(ID.TAG), ...sizeField(size, 4)];
    return concat([EBML_HEADER, SEGMENT_UNKNOWN, idBytes(ID.TAGS), sizeField(tag.length + size, 4), tag, ...headers.reverse(), name]);
  }

  it('is a typed error, not a stack overflow', async () => {
    const input = nestedTags(20_000);
    const read = await readAll(input);
    expect(read.error).toBeInstanceOf(InvalidArgumentException);
    expect((read.error as Error).message).toMatch(/nested/);
    await expect(clip(input)).rejects.toBeInstanceOf(InvalidArgumentException);
  });

  it('still reads the nesting real files use', async () => {
    const read = await readAll(nestedTags(3));
    expect(read.error).toBeUndefined();
    expect(read.fragments[0].tags).toEqual([
      { name: '', value: '' },
      { name: '', value: '' },
      { name: 'A', value: '' },
    ]);
  });
});

describe('regression 2: fixed-laced empty frames', () => {
  it('never hands out more frames than the input has bytes', async () => {
    // SimpleBlock: track 1, time 0, flags 0x84 (key, fixed lacing), count 255 → 256 frames of 0 bytes.
    const block = [0xa3, 0x85, 0x81, 0x00, 0x00, 0x84, 0xff];
    const input = concat([
      EBML_HEADER,
      SEGMENT_UNKNOWN,
      CLUSTER_UNKNOWN,
      element(ID.TIMECODE, [0]),
      ...new Array<number[]>(400).fill(block),
    ]);
    let frames = 0;
    let error: unknown;
    try {
      for await (const fragment of readFragments(input)) frames += fragment.frames.length;
    } catch (thrown) {
      error = thrown;
    }
    if (error !== undefined) expect(error).toBeInstanceOf(KvsClipError);
    expect(frames, `${input.length} input bytes`).toBeLessThanOrEqual(input.length);
  });
});

/** Three GetMedia fragments of real H.264 (the h264-aac fixture's first frames). */
async function kvsFragments(): Promise<{ documents: DocumentSpec[] }> {
  const bytes = new Uint8Array(readFileSync(fileURLToPath(new URL('../../fixtures/h264-aac.mkv', import.meta.url))));
  let first: MkvFragment | undefined;
  for await (const fragment of readFragments(bytes)) {
    first = fragment;
    break;
  }
  const video = first!.tracks.find((t) => t.number === 1)!;
  const frames = first!.frames.filter((f) => f.track === 1).slice(0, 3);
  const documents = [0, 1, 2].map((n): DocumentSpec => ({
    tracks: [{ number: 1, typeCode: 1, codecId: video.codecId, codecPrivate: video.codecPrivate, video: video.video }],
    fragmentNumber: String(1000 + n),
    producerTimestamp: 1_700_000_000_000 + n * 1000,
    serverTimestamp: 1_700_000_000_500 + n * 1000,
    clusters: [
      {
        timecode: n * 1000,
        blocks: frames.map((f, i) => ({
          kind: 'simple',
          track: 1,
          timeOffset: i * 40,
          keyframe: i === 0,
          lacing: 'none',
          frames: [f.data],
        })),
      },
    ],
  }));
  return { documents };
}

async function mediaSegments(input: Uint8Array): Promise<{ media: Mp4Segment[]; error: unknown }> {
  const media: Mp4Segment[] = [];
  try {
    for await (const segment of fragmentedMp4(input)) if (segment.type === 'media') media.push(segment);
  } catch (error) {
    return { media, error };
  }
  return { media, error: undefined };
}

describe('regression 3: fragmentedMp4 keeps complete fragments when the input fails after them', () => {
  it('after malformed bytes', async () => {
    const spec: StreamSpec = await kvsFragments();
    const written = writeKvsStream(spec).bytes;
    expect((await mediaSegments(written)).media.map((s) => s.fragmentNumber)).toEqual(['1000', '1001', '1002']);
    // One byte that cannot start an element, after the third fragment.
    const { media, error } = await mediaSegments(concat([written, [0x00]]));
    expect(error).toBeInstanceOf(InvalidArgumentException);
    expect(media.map((s) => s.fragmentNumber)).toEqual(['1000', '1001', '1002']);
  });

  it('after an in-band GetMedia error', async () => {
    const spec: StreamSpec = { ...(await kvsFragments()), error: { flavour: 'GetMedia', errorId: 5000, errorCode: 'INTERNAL_ERROR' } };
    const { media, error } = await mediaSegments(writeKvsStream(spec).bytes);
    expect(error).toBeInstanceOf(KvsStreamError);
    expect(media.map((s) => s.fragmentNumber)).toEqual(['1000', '1001', '1002']);
  });
});

describe('regression 4: fragmentedMp4 keeps the frames before a bad frame', () => {
  it('delivers the damaged fragment up to its bad frame', async () => {
    const spec = await kvsFragments();
    // The last fragment's third frame: a NAL length of 9 with one byte after it.
    spec.documents[2].clusters[0].blocks[2].frames = [Uint8Array.of(0, 0, 0, 9, 0x65)];
    const { media, error } = await mediaSegments(writeKvsStream(spec).bytes);
    expect(error).toBeInstanceOf(InvalidMediaFrameException);
    expect(media.map((s) => s.fragmentNumber)).toEqual(['1000', '1001', '1002']);
  });
});

describe("regression 5: Tracks after a fragment's frames", () => {
  /** The three fragments with `inserted` right after the first fragment's (unknown-size) Cluster. */
  async function withTracksAfterFirstCluster(inserted: number[]): Promise<Uint8Array> {
    const spec = await kvsFragments();
    for (const document of spec.documents) {
      document.segmentSize = { unknown: true };
      document.clusters[0].size = { unknown: true };
    }
    const written = writeKvsStream(spec).bytes;
    const elements = mapElements(written);
    const cluster = elements.find((e) => e.id === ID.CLUSTER)!;
    // Nothing to resize: the Segment and Cluster have unknown sizes.
    return splice(written, elements, cluster.end, cluster.end, inserted, false);
  }

  it('leaves the frames before it their tracks, so fragmentedMp4 delivers them', async () => {
    // An empty Tracks element (no TrackEntry), as the fuzzer's damaged Tags became.
    const input = await withTracksAfterFirstCluster(element(ID.TRACKS, []));
    const read = await readAll(input);
    expect(read.error).toBeUndefined();
    expect(read.fragments.map((f) => [f.fragmentNumber, f.frames.length, f.tracks.map((t) => t.codecId)])).toEqual([
      ['1000', 3, ['V_MPEG4/ISO/AVC']],
      ['1001', 3, ['V_MPEG4/ISO/AVC']],
      ['1002', 3, ['V_MPEG4/ISO/AVC']],
    ]);
    const { media, error } = await mediaSegments(input);
    expect(error).toBeUndefined();
    expect(media.map((s) => s.fragmentNumber)).toEqual(['1000', '1001', '1002']);
  });

  it('applies to the frames after it, in a fragment of their own', async () => {
    const first = await withTracksAfterFirstCluster([]);
    const elements = mapElements(first);
    const cluster = elements.find((e) => e.id === ID.CLUSTER)!;
    // The first fragment's Cluster again after a Tracks element that declares track 1 as A_PCM.
    const tracks = element(
      ID.TRACKS,
      element(ID.TRACK_ENTRY, [
        ...element(ID.TRACK_NUMBER, [1]),
        ...element(ID.TRACK_TYPE, [2]),
        ...element(ID.CODEC_ID, ascii('A_PCM/INT/LIT')),
      ]),
    );
    const input = splice(first, elements, cluster.end, cluster.end, [...tracks, ...first.subarray(cluster.start, cluster.end)], false);
    const read = await readAll(input);
    expect(read.error).toBeUndefined();
    expect(read.fragments.slice(0, 2).map((f) => [f.frames.length, f.tracks.map((t) => t.codecId)])).toEqual([
      [3, ['V_MPEG4/ISO/AVC']],
      [3, ['A_PCM/INT/LIT']],
    ]);
  });
});

describe('regression 6: a KVS timestamp past what a Date holds', () => {
  /** The three fragments, the last one's producer timestamp at `lastMs`. */
  async function withLastProducerTime(lastMs: number): Promise<Uint8Array> {
    const spec = await kvsFragments();
    spec.documents[2].producerTimestamp = lastMs;
    return writeKvsStream(spec).bytes;
  }

  it('is a typed error where the tag is, after the fragments before it', async () => {
    // 8640000000001.000 s: one second past the last instant a Date holds.
    const input = await withLastProducerTime(MAX_EPOCH_MS + 1000);
    const read = await readAll(input);
    expect(read.fragments.filter((f) => !f.partial).map((f) => f.fragmentNumber)).toEqual(['1000', '1001']);
    expect(read.error).toBeInstanceOf(InvalidArgumentException);
    expect((read.error as Error).message).toContain('AWS_KINESISVIDEO_PRODUCER_TIMESTAMP "8640000000001.000"');
    await expect(clip(input)).rejects.toBeInstanceOf(InvalidArgumentException);
    const { media, error } = await mediaSegments(input);
    expect(error).toBeInstanceOf(InvalidArgumentException);
    expect(media.map((s) => s.fragmentNumber)).toEqual(['1000', '1001']);
  });

  it('at the last instant a Date holds, the gap before it is closed and the warning dates it', async () => {
    const warnings: string[] = [];
    await clip(await withLastProducerTime(MAX_EPOCH_MS), { onWarning: (w) => warnings.push(`${w.code}: ${w.message}`) });
    expect(warnings.filter((w) => w.startsWith('gap-closed'))).toEqual([expect.stringContaining('(+275760-09-13T00:00:00.000Z)')]);
  });
});
