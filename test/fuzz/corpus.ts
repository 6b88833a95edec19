/**
 * Seed inputs for mutation fuzzing: the repository's fixtures, the real KVS captures in
 * ../shared/kvs-samples (when present), and streams from the test KVS writer that use every layout
 * the reader supports (BlockGroups, the three lacings, size widths 1–8, unknown sizes, in-band
 * errors) with real codec data, so mutations reach the codec checker and the MP4 writer too.
 *
 * Big files are compacted (first documents, clusters and blocks only, sizes rewritten) so one
 * execution stays in the low milliseconds; what matters to a mutation is the structure, not length.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { readFragments, type MkvFragment, type MkvFrame } from '../../src/mkv/index.js';
import { kvsStream } from '../support/kvs-arbitrary.js';
import { writeKvsStream, type BlockSpec, type DocumentSpec, type Lacing, type StreamSpec, type TrackSpec } from '../support/kvs-writer.js';
import { ID, mapElements, splice } from './structure.js';

export interface Seed {
  name: string;
  bytes: Uint8Array;
  /** The seed has a real video track (and maybe audio) that passes the codec checker. */
  playable: boolean;
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const SAMPLES = fileURLToPath(new URL('../../../shared/kvs-samples/mkv/', import.meta.url));
const haveSamples = existsSync(SAMPLES);

const BLOCK_IDS = new Set<number>([ID.SIMPLE_BLOCK, ID.BLOCK_GROUP]);

/**
 * Keeps the first `docs` documents, `clusters` clusters per Segment and `blocks` blocks per Cluster,
 * rewriting the sizes of what contains a cut (removals go back to front, so earlier offsets hold).
 */
function compact(bytes: Uint8Array, limits: { docs: number; clusters: number; blocks: number }): Uint8Array {
  const elements = mapElements(bytes);
  const ranges: [number, number][] = [];
  const headers = elements.filter((e) => e.parent < 0 && e.id === ID.EBML);
  if (headers.length > limits.docs) ranges.push([headers[limits.docs].start, bytes.length]);
  elements.forEach((segment, index) => {
    if (segment.id !== ID.SEGMENT) return;
    const clusters = elements.filter((e) => e.parent === index && e.id === ID.CLUSTER);
    if (clusters.length > limits.clusters) ranges.push([clusters[limits.clusters].start, segment.end]);
  });
  elements.forEach((cluster, index) => {
    if (cluster.id !== ID.CLUSTER) return;
    const blocks = elements.filter((e) => e.parent === index && BLOCK_IDS.has(e.id));
    if (blocks.length > limits.blocks) ranges.push([blocks[limits.blocks].start, cluster.end]);
  });
  // Drop ranges nested in a larger one, then cut from the back.
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const kept: [number, number][] = [];
  for (const range of ranges) if (kept.length === 0 || range[0] >= kept[kept.length - 1][1]) kept.push(range);
  let out = bytes;
  for (const [from, to] of kept.reverse()) out = splice(out, mapElements(out), from, to, [], true);
  return out;
}

async function readAllFragments(bytes: Uint8Array): Promise<MkvFragment[]> {
  const fragments: MkvFragment[] = [];
  try {
    for await (const fragment of readFragments(bytes)) fragments.push(fragment);
  } catch {
    // A seed source that does not read cleanly still gives its fragments so far.
  }
  return fragments;
}

/** KVS-style streams built from a fixture's real tracks and first frames, in every layout. */
async function writerSeedsFrom(name: string, bytes: Uint8Array): Promise<Seed[]> {
  const [first] = await readAllFragments(bytes);
  if (first === undefined) return [];
  const tracks: TrackSpec[] = first.tracks.map((t) => ({
    number: t.number,
    typeCode: t.typeCode,
    codecId: t.codecId,
    codecPrivate: t.codecPrivate,
    defaultDurationNs: t.defaultDurationNs,
    video: t.video,
    audio: t.audio,
  }));
  const video = first.frames.filter((f) => f.track === 1).slice(0, 4);
  const audio = first.frames.filter((f) => f.track === 2).slice(0, 6);
  const start = first.frames[0]?.timestamp ?? 0;
  const block = (frames: MkvFrame[], kind: 'simple' | 'group', lacing: Lacing): BlockSpec => ({
    kind,
    track: frames[0].track,
    timeOffset: frames[0].timestamp - start,
    keyframe: frames[0].keyframe,
    lacing,
    frames: frames.map((f) => f.data),
    duration: kind === 'group' ? 20 : undefined,
  });
  const equalSizes = audio.length > 1 && audio.every((f) => f.data.length === audio[0].data.length);
  const layouts: { suffix: string; doc: Partial<DocumentSpec>; kind: 'simple' | 'group'; lacing: Lacing; error?: StreamSpec['error'] }[] = [
    {
      suffix: 'c-producer',
      doc: { sizeWidth: 8, docType: 'matroska\0', padStrings: true, timecodeScaleWidth: 8 },
      kind: 'simple',
      lacing: 'none',
    },
    { suffix: 'groups-xiph', doc: { sizeWidth: 1, segmentSize: { unknown: true, width: 1 } }, kind: 'group', lacing: 'xiph' },
    { suffix: 'ebml-lacing', doc: { sizeWidth: 4, staleIndex: true, timestampSpelling: 'side' }, kind: 'simple', lacing: 'ebml' },
    {
      suffix: equalSizes ? 'fixed-lacing' : 'sized-segment',
      doc: {
        sizeWidth: 2,
        segmentSize: { width: 8 },
        fillers: { beforeInfo: { kind: 'void', length: 3 }, beforeClusters: { kind: 'crc' } },
      },
      kind: 'simple',
      lacing: equalSizes ? 'fixed' : 'none',
      error: { flavour: 'GetMedia', errorId: 4500, errorCode: 'KMS_ACCESS_DENIED' },
    },
  ];
  return layouts.map(({ suffix, doc, kind, lacing, error }) => {
    const documents: DocumentSpec[] = [0, 1, 2].map((n) => {
      const blocks: BlockSpec[] = [];
      if (video.length > 0) blocks.push(block(video.slice(0, 1), kind, 'none'));
      if (audio.length > 0) blocks.push(block(lacing === 'none' ? audio.slice(0, 1) : audio.slice(0, 4), kind, lacing));
      for (const frame of video.slice(1)) blocks.push(block([frame], kind, 'none'));
      if (lacing === 'none') for (const frame of audio.slice(1, 3)) blocks.push(block([frame], kind, 'none'));
      return {
        tracks,
        timecodeScale: first.timecodeScale,
        fragmentNumber: `9134385233318143239268206260774392014615916939${n}`,
        serverTimestamp: 1511852109126 + n * 2000,
        producerTimestamp: 1511852108513 + n * 2000,
        leadingTags: n === 0 ? [[{ name: 'ENCODER', value: 'fuzz' }]] : undefined,
        clusters: [{ timecode: n * 2000, timecodeWidth: 8, position: true, size: { unknown: n % 2 === 0, width: 8 }, blocks }],
        trailingTags: [[{ name: 'AWS_KINESISVIDEO_END_OF_FRAGMENT', value: '' }]],
        millisBehindNow: 100 * n,
        continuationToken: `9134385233318143239268206260774392014615916939${n}`,
        ...doc,
      };
    });
    return { name: `writer:${name}:${suffix}`, bytes: writeKvsStream({ documents, error }).bytes, playable: video.length > 0 };
  });
}

let cached: Promise<Seed[]> | undefined;

/** Every seed, loaded once per test file. */
export function loadSeeds(): Promise<Seed[]> {
  cached ??= buildSeeds();
  return cached;
}

async function buildSeeds(): Promise<Seed[]> {
  const seeds: Seed[] = [];
  for (const file of readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.mkv'))
    .sort()) {
    const bytes = new Uint8Array(readFileSync(FIXTURES + file));
    seeds.push({ name: `fixture:${file}`, bytes: compact(bytes, { docs: 1, clusters: 2, blocks: 10 }), playable: true });
    seeds.push(...(await writerSeedsFrom(file, bytes)));
  }
  if (haveSamples) {
    for (const file of readdirSync(SAMPLES)
      .filter((f) => f.endsWith('.mkv'))
      .sort()) {
      const bytes = new Uint8Array(readFileSync(SAMPLES + file));
      // test_mixed_tags carries MJPEG: a seed for the reader, rejected by the codec checker.
      const playable = !file.startsWith('test_') && !file.startsWith('empty-');
      seeds.push({ name: `sample:${file}`, bytes: compact(bytes, { docs: 3, clusters: 2, blocks: 6 }), playable });
    }
  }
  // Random writer streams: every reader layout, random (mostly invalid) codec data.
  fc.sample(kvsStream, { seed: 8, numRuns: 12 }).forEach((spec, i) => {
    seeds.push({ name: `writer:random#${i}`, bytes: writeKvsStream(spec).bytes, playable: false });
  });
  return seeds;
}

/** Says once, visibly, when the real captures are not there. */
export function warnIfNoSamples(suite: string): void {
  if (!haveSamples) console.warn(`${suite}: ${SAMPLES} is absent, fuzzing fixtures and writer streams only`);
}
