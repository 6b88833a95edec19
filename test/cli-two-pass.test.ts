/**
 * The CLI's two-pass flat clip (payloads copied from the file in pass 2, so the input is never held
 * whole) must write exactly the file the in-memory `clip()` builds — whose output the mp4 tests check
 * against mp4box.js and ffmpeg. fast-check varies the read chunk and copy window sizes down to a few
 * bytes, so blocks straddle chunks (those are copied in pass 1) and windows flush at every kind of
 * boundary; fixtures cover laced audio, HEVC, VFR and a selection.
 */
import { open } from 'node:fs/promises';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { clip } from '../src/api/index.js';
import type { ClipOptions } from '../src/api/types.js';
import { clipFileInTwoPasses } from '../src/cli/two-pass.js';
import { InvalidArgumentException } from '../src/errors.js';
import { readFragments } from '../src/mkv/index.js';
import { FIXTURES, SAMPLES, hasSamples } from './support/mp4-input.js';

const dir = mkdtempSync(join(tmpdir(), 'kvs-clip-two-pass-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function twoPass(input: string, options: ClipOptions, readChunk: number, copyWindow: number): Promise<Buffer> {
  const file = await open(input, 'r');
  const out = join(dir, `out-${readChunk}-${copyWindow}.mp4`);
  try {
    const clipped = await clipFileInTwoPasses(input, file, options, { readChunk, copyWindow });
    await clipped.writeTo(out);
  } finally {
    await file.close();
  }
  return readFileSync(out);
}

async function inMemory(input: string, options: ClipOptions): Promise<Buffer> {
  return Buffer.from((await clip(readFileSync(input), options)).Payload.bytes());
}

describe('two-pass flat clip equals the in-memory clip', () => {
  const files = ['kvs-h264-aac.mkv', 'kvs-hevc-bframes-aac.mkv', 'h264-alaw-laced.mkv', 'h264-vfr.mkv'].map((f) => `${FIXTURES}/${f}`);

  it('for any read chunk and copy window size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...files),
        fc.integer({ min: 64, max: 300_000 }),
        fc.integer({ min: 1, max: 400_000 }),
        async (input, readChunk, copyWindow) => {
          expect((await twoPass(input, {}, readChunk, copyWindow)).equals(await inMemory(input, {}))).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('when a selection leaves out the first fragments of a plain file (Tracks only in its first chunk)', async () => {
    // Plain Matroska has one Tracks element at the start; fragments are placed by cluster time, so a
    // selection in epoch seconds 1..10 (1970) drops the first key-frame group or more. Read buffers
    // are reused after each fragment: the kept tracks must still be the file's.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(`${FIXTURES}/h264-aac.mkv`, `${FIXTURES}/h264-bframes-aac.mkv`, `${FIXTURES}/h264-alaw-laced.mkv`),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 64, max: 100_000 }),
        async (input, startSeconds, readChunk) => {
          const options: ClipOptions = {
            ClipFragmentSelector: {
              FragmentSelectorType: 'PRODUCER_TIMESTAMP',
              TimestampRange: { StartTimestamp: startSeconds, EndTimestamp: 10 },
            },
          };
          const expected = await inMemory(input, options);
          expect(expected.byteLength).toBeLessThan((await inMemory(input, {})).byteLength); // something was left out
          expect((await twoPass(input, options, readChunk, 50_000)).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });

  it.skipIf(!hasSamples)('on a time selection of a real capture', async () => {
    // output_get_media.mkv: AVCC frames; selection keeps fragments 1..3 (producer timestamps 1511852110.513 … 114.513).
    const input = `${SAMPLES}/output_get_media.mkv`;
    const options: ClipOptions = {
      ClipFragmentSelector: {
        FragmentSelectorType: 'PRODUCER_TIMESTAMP',
        TimestampRange: { StartTimestamp: 1511852110.513, EndTimestamp: 1511852114.513 },
      },
    };
    expect((await twoPass(input, options, 100_000, 50_000)).equals(await inMemory(input, options))).toBe(true);
  });
  if (!hasSamples) console.warn('[cli-two-pass.test] ../shared/kvs-samples is absent: the capture case is skipped');
});

describe('two-pass flat clip of a file that changes between its passes', () => {
  const source = `${FIXTURES}/kvs-h264-aac.mkv`;

  /** Where in the file the frames of the fixture lie (the reader's views of one buffer are file offsets). */
  async function framesOf(bytes: Uint8Array): Promise<{ at: number; length: number; track: number }[]> {
    const frames = [];
    for await (const fragment of readFragments(bytes)) {
      for (const frame of fragment.frames) frames.push({ at: frame.data.byteOffset, length: frame.data.byteLength, track: frame.track });
    }
    return frames;
  }

  /** Runs pass 1 on a copy of the fixture, lets `change` edit the copy's bytes, then runs pass 2. */
  async function clipWhileChanging(name: string, change: (bytes: Buffer) => void): Promise<string> {
    const input = join(dir, `${name}.mkv`);
    const out = join(dir, `${name}.mp4`);
    copyFileSync(source, input);
    const file = await open(input, 'r');
    try {
      const clipped = await clipFileInTwoPasses(input, file, {}, { readChunk: 100_000 });
      const bytes = readFileSync(input);
      change(bytes);
      writeFileSync(input, bytes); // same length, same inode: only the bytes differ
      await clipped.writeTo(out);
    } finally {
      await file.close();
    }
    return out;
  }

  it('fails when a frame is overwritten in its middle', async () => {
    const frames = await framesOf(readFileSync(source));
    const big = frames.find((f) => f.length >= 4096)!;
    const out = join(dir, 'payload-changed.mp4');
    await expect(
      clipWhileChanging('payload-changed', (bytes) => {
        // A run of 1 KiB in the middle of the frame, clear of its first and last bytes.
        const middle = big.at + (big.length >> 1);
        for (let i = middle; i < middle + 1024; i++) bytes[i] ^= 0x5a;
      }),
    ).rejects.toThrow(/changed while it was being clipped/);
    expect(existsSync(out)).toBe(false);
  });

  it('fails when a block header changes (a frame moved in time)', async () => {
    const frames = await framesOf(readFileSync(source));
    // An audio frame's SimpleBlock: its 16-bit timecode is the 2nd and 3rd bytes before the flags byte.
    const audio = frames.filter((f) => f.track === 2)[5];
    const error = await clipWhileChanging('header-changed', (bytes) => {
      bytes[audio.at - 2] ^= 0x01;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentException);
    expect((error as Error).message).toMatch(/changed while it was being clipped/);
  });

  it('still writes the clip when the file was rewritten with the same bytes', async () => {
    const out = await clipWhileChanging('same-bytes', () => {});
    expect(readFileSync(out).equals(await inMemory(source, {}))).toBe(true);
  });
});
