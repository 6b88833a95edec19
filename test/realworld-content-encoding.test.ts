/**
 * Matroska ContentEncoding (issue 21, class 2): zlib-compressed and header-stripped frames come out
 * decoded, byte for byte the frames of the uncompressed file; encrypted tracks and every other
 * encoding are refused by name before anything is written. Oracles: ffprobe, which decodes zlib and
 * header stripping itself (its packet CRCs are of the decoded frames), and the uncompressed original.
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clip,
  fragmentedMp4,
  InvalidMediaFrameException,
  readFragments,
  UnsupportedStreamMediaTypeException,
  type MkvFragment,
} from '../src/index.js';
import type { ContentEncodingSpec, DocumentSpec } from './support/kvs-writer.js';
import { writeKvsStream } from './support/kvs-writer.js';
import { simpleBlocks, trackSpec } from './support/kvs-documents.js';
import { hasFfmpeg, packets, tempFile } from './support/oracle-ffmpeg.js';
import { FIXTURES } from './support/mp4-input.js';

const REALWORLD = `${FIXTURES}/realworld`;
const plainFile = new Uint8Array(readFileSync(`${REALWORLD}/h264-gop6-aac.mkv`));
const zlibFile = new Uint8Array(readFileSync(`${REALWORLD}/h264-aac-zlib.mkv`));

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/** Every frame as track, time and bytes. */
async function framesOf(bytes: Uint8Array): Promise<{ track: number; timestamp: number; data: number[] }[]> {
  const fragments = await collect(readFragments(bytes));
  return fragments.flatMap((f) => f.frames.map((x) => ({ track: x.track, timestamp: x.timestamp, data: Array.from(x.data) })));
}

/** Length of the longest prefix that all byte strings share. */
function commonPrefix(all: Uint8Array[]): number {
  let n = 0;
  while (all.every((b) => b.length > n && b[n] === all[0][n])) n++;
  return n;
}

/**
 * The uncompressed fixture rewritten as one plain document whose tracks carry `encodings`, with each
 * frame passed through `encode` (per track).
 */
async function rewritten(
  encodings: Record<number, ContentEncodingSpec[]>,
  encode: (track: number, data: Uint8Array) => Uint8Array = (_, d) => d,
): Promise<Uint8Array> {
  const fragments: MkvFragment[] = await collect(readFragments(plainFile));
  const frames = fragments.flatMap((f) => f.frames);
  const doc: DocumentSpec = {
    timecodeScale: fragments[0].timecodeScale,
    tracks: fragments[0].tracks.map((t) => ({
      ...trackSpec(t),
      ...(encodings[t.number] ? { contentEncodings: encodings[t.number] } : {}),
    })),
    clusters: [
      {
        timecode: 0,
        blocks: frames.map((f) => ({
          kind: 'simple' as const,
          track: f.track,
          timeOffset: f.timestamp,
          keyframe: f.keyframe,
          lacing: 'none' as const,
          frames: [encode(f.track, f.data)],
        })),
      },
    ],
  };
  return writeKvsStream({ documents: [doc] }).bytes;
}

/** The header-stripped version: each track's common frame prefix stripped (ContentCompAlgo 3). */
async function headerStripped(): Promise<Uint8Array> {
  const fragments = await collect(readFragments(plainFile));
  const frames = fragments.flatMap((f) => f.frames);
  const headers = new Map<number, Uint8Array>();
  for (const track of [1, 2]) {
    const data = frames.filter((f) => f.track === track).map((f) => f.data);
    headers.set(track, data[0].slice(0, commonPrefix(data)));
  }
  expect(headers.get(1)!.length).toBeGreaterThan(0); // something is really stripped
  const encodings = Object.fromEntries([...headers].map(([track, header]) => [track, [{ algo: 3, settings: header }]]));
  return rewritten(encodings, (track, data) => data.subarray(headers.get(track)!.length));
}

describe('zlib and header stripping are decoded', () => {
  it('mkvmerge --compression zlib: the reader hands out the frames of the uncompressed file, byte for byte', async () => {
    // mkvmerge interleaves and laces the audio its own way: compare track by track (laced audio
    // frames get times spread over their block, ±1 ms from ffmpeg's).
    const [ours, original] = [await framesOf(zlibFile), await framesOf(plainFile)];
    for (const track of [1, 2]) {
      const [a, b] = [ours.filter((f) => f.track === track), original.filter((f) => f.track === track)];
      expect(a.map((f) => f.data)).toEqual(b.map((f) => f.data));
      a.forEach((f, i) => expect(Math.abs(f.timestamp - b[i].timestamp)).toBeLessThanOrEqual(track === 1 ? 0 : 1));
    }
  });

  it('header stripping: the stripped bytes are put back', async () => {
    expect(await framesOf(await headerStripped())).toEqual(await framesOf(plainFile));
  });

  it.skipIf(!hasFfmpeg)('the MP4s (flat and fragmented) hold the packets ffprobe decodes from the compressed input', async () => {
    for (const [label, input] of [
      ['zlib', zlibFile],
      ['header stripping', await headerStripped()],
    ] as const) {
      const theirs = packets(tempFile(`encoded-${label}.mkv`, input));
      const flat = await clip(input);
      const segments = await collect(fragmentedMp4(input));
      for (const [kind, bytes] of [
        ['flat', flat.Payload.bytes()],
        ['fragmented', segments.map((s) => s.data)],
      ] as const) {
        const ours = packets(tempFile(`encoded-${label}-${kind}.mp4`, bytes));
        for (const type of ['video', 'audio']) {
          expect(
            ours.filter((p) => p.codecType === type).map((p) => p.crc),
            `${label} ${kind} ${type}`,
          ).toEqual(theirs.filter((p) => p.codecType === type).map((p) => p.crc));
        }
      }
    }
  });

  it('round-trips arbitrary frames compressed with zlib or stripped of a header (property)', async () => {
    const spec = fc.record({
      frames: fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 6 }),
      header: fc.uint8Array({ maxLength: 8 }),
      zlib: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(spec, async ({ frames, header, zlib }) => {
        const originals = frames.map((f) => Uint8Array.from([...header, ...f]));
        const doc: DocumentSpec = {
          tracks: [{ number: 1, typeCode: 1, codecId: 'V_MPEG4/ISO/AVC', contentEncodings: [zlib ? {} : { algo: 3, settings: header }] }],
          clusters: [
            {
              timecode: 0,
              blocks: originals.map((data, i) => ({
                kind: 'simple' as const,
                track: 1,
                timeOffset: i,
                keyframe: i === 0,
                lacing: 'none' as const,
                frames: [zlib ? new Uint8Array(deflateSync(data)) : data.subarray(header.length)],
              })),
            },
          ],
        };
        const out = (await framesOf(writeKvsStream({ documents: [doc] }).bytes)).map((f) => f.data);
        expect(out).toEqual(originals.map((d) => Array.from(d)));
      }),
      { numRuns: 40 },
    );
  });

  it('a frame that does not inflate is an InvalidMediaFrameException naming the track, after the fragments before it', async () => {
    let count = 0;
    const broken = await rewritten({ 1: [{}], 2: [{}] }, (_track, data) =>
      count++ === 40 ? Uint8Array.of(0x78, 0x9c, 1, 2, 3) : new Uint8Array(deflateSync(data)),
    );
    const reading = collect(readFragments(broken));
    await expect(reading).rejects.toBeInstanceOf(InvalidMediaFrameException);
    await expect(reading).rejects.toThrow(/zlib-compressed frame .* does not inflate.*track \d/);
  });
});

describe('encodings that cannot be decoded are refused by name, and nothing is written', () => {
  it.each<[string, ContentEncodingSpec[], RegExp]>([
    ['encryption', [{ type: 1, encryptionAlgo: 5 }], /encrypted \(ContentEncryption, ContentEncAlgo 5\)/],
    ['bzlib', [{ algo: 1 }], /compressed with bzlib compression/],
    ['lzo1x', [{ algo: 2 }], /compressed with lzo1x compression/],
    ['zlib of the CodecPrivate', [{ scope: 2 }], /ContentEncodingScope 2/],
    ['two chained encodings', [{ order: 1 }, { order: 0, algo: 3, settings: Uint8Array.of(0) }], /2 ContentEncodings/],
  ])('%s', async (_label, encodings, message) => {
    for (const track of [1, 2]) {
      const input = await rewritten({ [track]: encodings });
      const error = await clip(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedStreamMediaTypeException);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(new RegExp(`Track ${track} `));
      const segments: unknown[] = [];
      await expect(
        (async () => {
          for await (const segment of fragmentedMp4(input)) segments.push(segment);
        })(),
      ).rejects.toBeInstanceOf(UnsupportedStreamMediaTypeException);
      expect(segments).toEqual([]);
    }
  });

  it('an undecodable track that the clip leaves out is no reason to refuse', async () => {
    const fragments = await collect(readFragments(plainFile));
    const frames = fragments.flatMap((f) => f.frames);
    const doc: DocumentSpec = {
      tracks: [
        ...fragments[0].tracks.map(trackSpec),
        { number: 3, typeCode: 0x11, codecId: 'S_TEXT/UTF8', contentEncodings: [{ type: 1 }] },
      ],
      clusters: [
        {
          timecode: 0,
          blocks: simpleBlocks(frames),
        },
      ],
    };
    const warnings: string[] = [];
    const out = await clip(writeKvsStream({ documents: [doc] }).bytes, { onWarning: (w) => warnings.push(w.code) });
    expect(out.Payload.byteLength).toBeGreaterThan(0);
    expect(warnings).toContain('ignored-track');
  });
});
