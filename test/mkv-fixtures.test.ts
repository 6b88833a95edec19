/**
 * The committed fixtures, read by the reader and checked against what ffprobe / mkvinfo printed for
 * them (commands above each table; stream index n of ffprobe is Matroska track n + 1). The KVS
 * fixtures (kvs-*.mkv, made by fixtures/make-kvs.ts) must also carry exactly the plain fixtures'
 * frames.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MkvFragment } from '../src/mkv/index.js';
import { readAll } from './support/read.js';

const fixture = (name: string): Uint8Array => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

function framesPerTrack(fragment: MkvFragment): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const frame of fragment.frames) counts[frame.track] = (counts[frame.track] ?? 0) + 1;
  return counts;
}

async function read(name: string): Promise<MkvFragment[]> {
  const result = await readAll(fixture(name));
  expect(result.error).toBeUndefined();
  expect(result.warnings).toEqual([]);
  return result.fragments;
}

/** [pts of the fragment's first video key frame, frames per track] */
type PlainRow = [number, Record<number, number>];

// bash test/support/kvs-oracle.sh plain fixtures/<name>.mkv
const PLAIN: Record<string, PlainRow[]> = {
  'h264-aac.mkv': [
    [21, { 1: 25, 2: 48 }],
    [1021, { 1: 25, 2: 47 }],
    [2021, { 1: 25, 2: 47 }],
    [3021, { 1: 25, 2: 47 }],
  ],
  'h264-bframes-aac.mkv': [
    [23, { 1: 30, 2: 42 }],
    [1024, { 1: 30, 2: 43 }],
    [2025, { 1: 30, 2: 43 }],
    [3026, { 1: 30, 2: 46 }],
  ],
  'hevc-bframes-aac.mkv': [
    [21, { 1: 25, 2: 45 }],
    [1021, { 1: 25, 2: 46 }],
    [2021, { 1: 25, 2: 51 }],
  ],
  'h264-alaw.mkv': [
    [0, { 1: 25, 2: 8 }],
    [1000, { 1: 25, 2: 8 }],
    [2000, { 1: 25, 2: 8 }],
  ],
  'h264-ulaw.mkv': [
    [0, { 1: 25, 2: 8 }],
    [1000, { 1: 25, 2: 8 }],
    [2000, { 1: 25, 2: 8 }],
  ],
  'h264-vfr.mkv': [
    [0, { 1: 20 }],
    [800, { 1: 20 }],
    [1600, { 1: 20 }],
    [2400, { 1: 15 }],
  ],
  // mkvmerge laced the AAC (8 frames per block, `mkvinfo -v fixtures/h264-aac-laced.mkv`); laced
  // frames are counted one by one, like ffprobe's packets.
  'h264-aac-laced.mkv': [
    [21, { 1: 25, 2: 48 }],
    [1021, { 1: 25, 2: 47 }],
    [2021, { 1: 25, 2: 47 }],
    [3021, { 1: 25, 2: 47 }],
  ],
  'h264-alaw-laced.mkv': [
    [0, { 1: 25, 2: 8 }],
    [1000, { 1: 25, 2: 8 }],
    [2000, { 1: 25, 2: 8 }],
  ],
};

/** [fragment number, server ts ms, producer ts ms, cluster Timecode, frames per track] */
type KvsRow = [string, number, number, number, Record<number, number>];

// bash test/support/kvs-oracle.sh kvs fixtures/<name>.mkv
const KVS: Record<string, KvsRow[]> = {
  'kvs-h264-aac.mkv': [
    ['91343852333181432392682062607743920146159169392', 1700000000201, 1700000000021, 1700000000021, { 1: 25, 2: 48 }],
    ['91343852333181432397633822764885441725874549018', 1700000001238, 1700000001021, 1700000001021, { 1: 25, 2: 47 }],
    ['91343852333181432402585582922026963305589928644', 1700000002275, 1700000002021, 1700000002021, { 1: 25, 2: 47 }],
    ['91343852333181432407537343079168484885305308270', 1700000003222, 1700000003021, 1700000003021, { 1: 25, 2: 47 }],
  ],
  'kvs-h264-bframes-aac.mkv': [
    ['91343852333181432392682062607743920146159169392', 1700000000203, 1700000000023, 1700000000023, { 1: 30, 2: 42 }],
    ['91343852333181432397633822764885441725874549018', 1700000001241, 1700000001024, 1700000001024, { 1: 30, 2: 43 }],
    ['91343852333181432402585582922026963305589928644', 1700000002279, 1700000002025, 1700000002025, { 1: 30, 2: 43 }],
    ['91343852333181432407537343079168484885305308270', 1700000003227, 1700000003026, 1700000003026, { 1: 30, 2: 46 }],
  ],
  'kvs-hevc-bframes-aac.mkv': [
    ['91343852333181432392682062607743920146159169392', 1700000000201, 1700000000021, 1700000000021, { 1: 25, 2: 45 }],
    ['91343852333181432397633822764885441725874549018', 1700000001238, 1700000001021, 1700000001021, { 1: 25, 2: 46 }],
    ['91343852333181432402585582922026963305589928644', 1700000002275, 1700000002021, 1700000002021, { 1: 25, 2: 51 }],
  ],
  'kvs-h264-alaw.mkv': [
    ['91343852333181432392682062607743920146159169392', 1700000000180, 1700000000000, 1700000000000, { 1: 25, 2: 8 }],
    ['91343852333181432397633822764885441725874549018', 1700000001217, 1700000001000, 1700000001000, { 1: 25, 2: 8 }],
    ['91343852333181432402585582922026963305589928644', 1700000002254, 1700000002000, 1700000002000, { 1: 25, 2: 8 }],
  ],
  'kvs-h264-ulaw.mkv': [
    ['91343852333181432392682062607743920146159169392', 1700000000180, 1700000000000, 1700000000000, { 1: 25, 2: 8 }],
    ['91343852333181432397633822764885441725874549018', 1700000001217, 1700000001000, 1700000001000, { 1: 25, 2: 8 }],
    ['91343852333181432402585582922026963305589928644', 1700000002254, 1700000002000, 1700000002000, { 1: 25, 2: 8 }],
  ],
};

describe('plain Matroska fixtures', () => {
  for (const [name, rows] of Object.entries(PLAIN)) {
    it(`${name}: cut at video key frames as ffprobe's packets say`, async () => {
      const fragments = await read(name);
      const got = fragments.map((f): PlainRow => [f.frames.find((x) => x.track === 1 && x.keyframe)!.timestamp, framesPerTrack(f)]);
      expect(got).toEqual(rows);
    });
  }

  it('h264-aac-laced.mkv: laced frames are spread over DefaultDuration, within a tick of ffprobe', async () => {
    // ffprobe -v error -select_streams 1 -show_entries packet=pts -of csv=p=0 fixtures/h264-aac-laced.mkv | head -16
    // ffmpeg floors block time + i × 21.333 ms; the reader rounds to the nearest tick instead, so
    // it is the same or one tick later.
    const ffprobe = [0, 21, 42, 63, 85, 106, 127, 148, 170, 191, 212, 233, 255, 276, 297, 318];
    const fragments = await read('h264-aac-laced.mkv');
    const audio = fragments.flatMap((f) => f.frames).filter((f) => f.track === 2);
    expect(
      audio
        .slice(0, 16)
        .map((frame, i) => frame.timestamp - ffprobe[i])
        .every((d) => d === 0 || d === 1),
    ).toBe(true);
    expect(audio.slice(0, 8).map((f) => f.duration)).toEqual(Array(8).fill(21333333 / 1e6));
    // Same frames, byte for byte, as the unlaced original.
    const unlaced = (await read('h264-aac.mkv')).flatMap((f) => f.frames).filter((f) => f.track === 2);
    expect(audio.length).toBe(unlaced.length);
    expect(audio.filter((f, i) => Buffer.compare(f.data, unlaced[i].data) !== 0)).toHaveLength(0);
  });
});

describe('KVS fixtures (fixtures/kvs-*.mkv)', () => {
  for (const [name, rows] of Object.entries(KVS)) {
    it(`${name}: fragments, tags and frame counts as mkvinfo reads them`, async () => {
      const fragments = await read(name);
      const got = fragments.map((f): KvsRow => [
        f.fragmentNumber!,
        f.serverTimestamp!,
        f.producerTimestamp!,
        f.clusterTimecode!,
        framesPerTrack(f),
      ]);
      expect(got).toEqual(rows);
      for (const f of fragments) {
        expect(f.continuationToken).toBe(f.fragmentNumber);
        expect(f.millisBehindNow).toBeTypeOf('number');
      }
    });

    it(`${name}: carries the plain fixture's frames byte for byte, shifted to epoch time`, async () => {
      const kvs = (await read(name)).flatMap((f) => f.frames);
      const plain = (await read(name.replace(/^kvs-/, ''))).flatMap((f) => f.frames);
      expect(kvs.map((f) => [f.track, f.timestamp - 1_700_000_000_000, f.keyframe])).toEqual(
        plain.map((f) => [f.track, f.timestamp, f.keyframe]),
      );
      expect(kvs.filter((f, i) => Buffer.compare(f.data, plain[i].data) !== 0)).toHaveLength(0);
    });

    it(`${name}: is laid out like C-producer GetMedia output (unknown sizes as 8-byte fields)`, async () => {
      const bytes = fixture(name);
      const count = (pattern: number[]) => {
        let n = 0;
        for (let i = 0; i + pattern.length <= bytes.length; i++) if (pattern.every((b, k) => bytes[i + k] === b)) n++;
        return n;
      };
      const unknown8 = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
      expect(count([0x18, 0x53, 0x80, 0x67, ...unknown8])).toBe(rows.length); // Segment
      expect(count([0x1f, 0x43, 0xb6, 0x75, ...unknown8])).toBe(rows.length); // Cluster
      expect(count([0x1a, 0x45, 0xdf, 0xa3])).toBe(rows.length); // EBML header per fragment
    });
  }
});
