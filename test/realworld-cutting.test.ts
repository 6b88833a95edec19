/**
 * Plain Matroska with several key frames per cluster (all-intra encodes, short GOPs, BlockGroups):
 * every frame comes out, once (issue 21, class 1). The fixtures are ffmpeg's own files
 * (fixtures/realworld/make.sh), and ffprobe is the oracle: the packets of our MP4 must be the packets
 * ffprobe reads from the input, same bytes (CRC-32) and times. The property cuts arbitrary plain
 * documents (random key-frame spacing, several GOPs per cluster, SimpleBlocks and BlockGroups) and
 * checks that each input frame leaves the reader and both selections exactly once.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip, fragmentedMp4, readFragments, type MkvFragment } from '../src/index.js';
import { finishSelection, fragmentsInRange, selectFragments } from '../src/api/select.js';
import type { BlockSpec, ClusterSpec, DocumentSpec } from './support/kvs-writer.js';
import { writeKvsStream } from './support/kvs-writer.js';
import { trackSpec } from './support/kvs-documents.js';
import { hasFfmpeg, packets, tempFile } from './support/oracle-ffmpeg.js';
import { expectSamePackets } from './support/realworld.js';
import { FIXTURES } from './support/mp4-input.js';

const REALWORLD = `${FIXTURES}/realworld`;

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/** The file rewritten as one plain document with BlockGroups, `perCluster` video frames per cluster. */
async function asBlockGroups(bytes: Uint8Array, perCluster: number): Promise<Uint8Array> {
  const fragments = await collect(readFragments(bytes));
  const frames = fragments.flatMap((f) => f.frames);
  const clusters: ClusterSpec[] = [];
  let videoInCluster = perCluster;
  for (const frame of frames) {
    if (clusters.length === 0 || (frame.track === 1 && videoInCluster++ === perCluster)) {
      clusters.push({ timecode: frame.timestamp, blocks: [] });
      videoInCluster = frame.track === 1 ? 1 : 0;
    }
    const cluster = clusters.at(-1)!;
    const block: BlockSpec = {
      kind: 'group',
      track: frame.track,
      timeOffset: frame.timestamp - cluster.timecode,
      keyframe: frame.keyframe,
      lacing: 'none',
      frames: [frame.data],
    };
    cluster.blocks.push(block);
  }
  return writeKvsStream({
    documents: [{ tracks: fragments[0].tracks.map(trackSpec), timecodeScale: fragments[0].timecodeScale, clusters }],
  }).bytes;
}

describe.skipIf(!hasFfmpeg)('plain Matroska with several key frames per cluster: every frame comes out (ffprobe)', () => {
  it.each([
    ['all-intra H.264 (50 key frames in 15 clusters)', 'h264-intra-aac.mkv', false],
    ['6-frame GOPs with B-frames (9 GOPs in 6 clusters)', 'h264-gop6-aac.mkv', false],
    ['all-intra H.264 as BlockGroups, 10 key frames per cluster', 'h264-intra-aac.mkv', true],
  ])('%s', async (label, name, blockGroups) => {
    const original = new Uint8Array(readFileSync(`${REALWORLD}/${name}`));
    const input = blockGroups ? await asBlockGroups(original, 10) : original;
    const inputPath = blockGroups ? tempFile(`blockgroups-${name}`, input) : `${REALWORLD}/${name}`;
    const theirs = packets(inputPath);
    const warnings: string[] = [];
    const flat = await clip(input, { onWarning: (w) => warnings.push(w.code) });
    expectSamePackets(`${label} (flat)`, theirs, packets(tempFile(`flat-${blockGroups}-${name}.mp4`, flat.Payload.bytes())));
    const segments = await collect(fragmentedMp4(input, { onWarning: (w) => warnings.push(w.code) }));
    const fragmented = tempFile(
      `fragmented-${blockGroups}-${name}.mp4`,
      segments.map((s) => s.data),
    );
    expectSamePackets(`${label} (fragmented)`, theirs, packets(fragmented));
    expect(warnings).toEqual([]);
  });
});

// ── The property: arbitrary plain documents ──

/** A frame's bytes say which frame it is (4 bytes of index), so each can be found in the output. */
function frameBytes(index: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

interface PlainBlock {
  video: boolean;
  keyframe: boolean;
  group: boolean;
  step: number;
}

const plainBlock: fc.Arbitrary<PlainBlock> = fc.record({
  video: fc.boolean(),
  // Key frames at random spacing: from every frame to one in many.
  keyframe: fc.oneof(fc.boolean(), fc.constant(true), fc.constant(false)),
  group: fc.boolean(),
  step: fc.integer({ min: 0, max: 40 }),
});

/** Plain documents (no KVS tags): clusters of random blocks, frame i carrying its index. */
const plainStream = fc
  .record({
    documents: fc.array(fc.array(fc.array(plainBlock, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
    firstTime: fc.integer({ min: 0, max: 2 ** 40 }),
  })
  .map(({ documents, firstTime }) => {
    let index = 0;
    let time = firstTime;
    const specs = documents.map((clusters): DocumentSpec => {
      return {
        tracks: [
          { number: 1, typeCode: 1, codecId: 'V_MPEG4/ISO/AVC' },
          { number: 2, typeCode: 2, codecId: 'A_AAC' },
        ],
        clusters: clusters.map((blocks): ClusterSpec => {
          const timecode = time;
          return {
            timecode,
            blocks: blocks.map((b): BlockSpec => {
              time += b.step;
              return {
                kind: b.group ? 'group' : 'simple',
                track: b.video ? 1 : 2,
                timeOffset: time - timecode,
                keyframe: b.keyframe,
                lacing: 'none',
                frames: [frameBytes(index++)],
              };
            }),
          };
        }),
      };
    });
    return { bytes: writeKvsStream({ documents: specs }).bytes, frames: index };
  });

/** Every frame index seen in `fragments`, in order. */
function frameIndices(fragments: MkvFragment[]): number[] {
  return fragments.flatMap((f) => f.frames.map((frame) => new DataView(frame.data.buffer, frame.data.byteOffset, 4).getUint32(0)));
}

describe('cutting arbitrary plain Matroska loses no frame and repeats none (property)', () => {
  it('reader, flat selection and streaming selection each give every input frame exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(plainStream, async ({ bytes, frames }) => {
        const all = Array.from({ length: frames }, (_, i) => i);
        const fragments = await collect(readFragments(bytes));
        expect(frameIndices(fragments)).toEqual(all);
        if (frames === 0) return;
        // Fragments cut from one cluster start at their own key frame, so none is taken for a twin.
        const warnings: string[] = [];
        const options = { onWarning: (w: { code: string }) => warnings.push(w.code) };
        const flat = finishSelection(await collect(fragmentsInRange(fragments, options)), options);
        expect(frameIndices(flat).sort((a, b) => a - b)).toEqual(all);
        expect(frameIndices(await collect(selectFragments(fragments, options)))).toEqual(all);
        expect(warnings).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
