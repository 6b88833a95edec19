/**
 * The CLI's fragmented MP4 of a regular file reads into a few reused buffers, reusing each once a
 * segment past it is out (Mp4Segment.byteOffset); segments carry views of those buffers. Reusing a buffer too early would corrupt a later
 * segment, so fast-check varies the read size down to 64 bytes (frames straddle chunks, fragments
 * span many) and every segment must equal, field for field and byte for byte, what `fragmentedMp4()`
 * makes of the whole file in memory (the mp4 tests check that output against mp4box.js, ffmpeg and
 * Chromium). A spy on the buffer allocations shows the buffers really are reused.
 */
import { open } from 'node:fs/promises';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { fragmentedMp4 } from '../src/api/index.js';
import type { ClipOptions, Mp4Segment } from '../src/api/types.js';
import { fragmentedMp4OfFile } from '../src/cli/fragmented-file.js';
import { readFragments, type MkvFragment } from '../src/mkv/index.js';
import { concatBytes } from '../src/bytes.js';
import { kvsDocument } from './support/kvs-documents.js';
import { writeKvsStream } from './support/kvs-writer.js';
import { FIXTURES } from './support/mp4-input.js';

const dir = mkdtempSync(join(tmpdir(), 'kvs-clip-fragmented-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The fixtures hold 3–4 fragments, too few for a buffer to fall out of use before the end; this
 * GetMedia-style stream repeats a plain fixture's key-frame groups `times` times, each time later
 * (timestamps and fragment numbers keep rising), so the stream has many fragments.
 */
async function longKvsStream(plain: string, times: number): Promise<string> {
  const fragments: MkvFragment[] = [];
  for await (const fragment of readFragments(new Uint8Array(readFileSync(`${FIXTURES}/${plain}.mkv`)))) fragments.push(fragment);
  const spanMs = Math.max(...fragments.flatMap((f) => f.frames.map((frame) => frame.timestamp))) + 100;
  const count = times * fragments.length;
  const documents = Array.from({ length: times }, (_, k) =>
    fragments.map((fragment, i) =>
      kvsDocument(
        { ...fragment, frames: fragment.frames.map((frame) => ({ ...frame, timestamp: frame.timestamp + k * spanMs })) },
        k * fragments.length + i,
        count,
      ),
    ),
  ).flat();
  const path = join(dir, `long-${plain}-${times}.mkv`);
  writeFileSync(path, writeKvsStream({ documents }).bytes);
  return path;
}

const LONG = await longKvsStream('h264-bframes-aac', 4);
const FILES = [
  LONG,
  ...['kvs-h264-aac.mkv', 'kvs-hevc-bframes-aac.mkv', 'h264-alaw-laced.mkv', 'h264-vfr.mkv', 'h264-bframes-aac.mkv'].map(
    (f) => `${FIXTURES}/${f}`,
  ),
];

/** A segment's fields with its bytes as a plain array slice of their own (the segment may be a view). */
const fieldsOf = ({ type, fragmentNumber, producerTimestamp, byteOffset, data, mimeType }: Mp4Segment) => ({
  type,
  fragmentNumber,
  producerTimestamp,
  byteOffset,
  mimeType,
  data: Buffer.from(data),
});

async function fromFile(input: string, options: ClipOptions, readChunk: number): Promise<ReturnType<typeof fieldsOf>[]> {
  const file = await open(input, 'r');
  try {
    const out = [];
    // Copied on arrival: the payload views are valid until the next segment is asked for.
    for await (const { chunks, byteLength, ...segment } of fragmentedMp4OfFile(file.fd, options, { readChunk })) {
      out.push(fieldsOf({ ...segment, data: concatBytes(chunks, byteLength) }));
    }
    return out;
  } finally {
    await file.close();
  }
}

const expectedCache = new Map<string, Promise<ReturnType<typeof fieldsOf>[]>>();

/** The reference, once per input and options. */
function inMemory(input: string, options: ClipOptions): Promise<ReturnType<typeof fieldsOf>[]> {
  const key = JSON.stringify([input, options]);
  if (!expectedCache.has(key)) {
    expectedCache.set(
      key,
      (async () => {
        const out = [];
        for await (const segment of fragmentedMp4(new Uint8Array(readFileSync(input)), options)) out.push(fieldsOf(segment));
        return out;
      })(),
    );
  }
  return expectedCache.get(key)!;
}

afterEach(() => vi.restoreAllMocks());

describe('fMP4 of a file read into reused buffers equals fragmentedMp4() of the whole file', () => {
  it('for any read size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FILES), fc.integer({ min: 1024, max: 300_000 }), async (input, readChunk) => {
        const expected = await inMemory(input, {});
        expect(expected.filter((s) => s.type === 'media').length).toBeGreaterThan(1);
        expect(await fromFile(input, {}, readChunk)).toEqual(expected);
      }),
      { numRuns: 8 },
    );
  });

  it('when a selection leaves out the first fragments (their buffers are reused before any segment)', async () => {
    // Plain Matroska is placed by cluster time from 1970: epoch seconds 1..10 drop the first key-frame groups.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(LONG, `${FIXTURES}/h264-aac.mkv`, `${FIXTURES}/h264-alaw-laced.mkv`),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1024, max: 100_000 }),
        async (input, startSeconds, readChunk) => {
          // LONG carries producer timestamps from 1700000000 s (1 s fragments); it loses later fragments too.
          const base = input === LONG ? 1_700_000_000 : 0;
          const options: ClipOptions = {
            ClipFragmentSelector: {
              FragmentSelectorType: 'PRODUCER_TIMESTAMP',
              TimestampRange: { StartTimestamp: base + startSeconds, EndTimestamp: base + 10 },
            },
          };
          const expected = await inMemory(input, options);
          const all = await inMemory(input, {});
          expect(expected.length).toBeLessThan(all.length); // something was left out
          expect(await fromFile(input, options, readChunk)).toEqual(expected);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('media segments say where their fragment starts, in input order', async () => {
    for (const input of FILES) {
      const starts: number[] = [];
      for await (const fragment of readFragments(new Uint8Array(readFileSync(input)))) starts.push(fragment.byteOffset);
      const offsets = (await inMemory(input, {})).map((s) => s.byteOffset);
      expect(offsets[0]).toBeNull(); // init
      const media = offsets.slice(1) as number[];
      expect(media.length, input).toBe(starts.length); // one media segment per fragment
      expect(media.every((offset) => starts.includes(offset))).toBe(true);
      expect(media).toEqual([...media].sort((a, b) => a - b));
    }
  });

  it('reuses its read buffers: allocations stay near four fragments, not the file', async () => {
    const input = LONG;
    const bytes = readFileSync(input);
    let largest = 0;
    for await (const fragment of readFragments(new Uint8Array(bytes))) largest = Math.max(largest, fragment.byteLength);
    const readChunk = 1024;
    const allocations = vi.spyOn(Buffer, 'allocUnsafeSlow');
    await fromFile(input, {}, readChunk);
    const reads = Math.ceil(bytes.byteLength / readChunk);
    // Held when segment k is out: fragment k (only its start is known), k + 1 (the muxer waits for the
    // next fragment to time its last frame), k + 2 (the selection holds one back for duplicates), and
    // the part of k + 3 the reader is in.
    expect(allocations.mock.calls.length, 'the spy sees the read buffers').toBeGreaterThan(0);
    expect(allocations.mock.calls.length).toBeLessThanOrEqual(Math.ceil((4 * largest) / readChunk) + 2);
    expect(allocations.mock.calls.length).toBeLessThan(reads / 2);
  });
});
