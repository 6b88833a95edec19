/**
 * A stream's media segment leaves as soon as its fragment is complete (issue 18): the input is fed by
 * hand and, once the reader waits for bytes it has not been given, the segment of every fragment
 * whose end it has seen must be out. The end of a fragment is known (docs/kvs-mkv.md, fragment
 * boundaries): for GetMedia output at its trailing Tags (CONTINUATION_TOKEN); for plain Matroska at
 * the next video key frame's block.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fragmentedMp4Chunks } from '../src/api/index.js';
import { readFragments, type MkvFragment } from '../src/mkv/index.js';
import { liveSource } from './support/live-source.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

async function fragmentsOf(bytes: Uint8Array): Promise<MkvFragment[]> {
  const out: MkvFragment[] = [];
  for await (const fragment of readFragments(bytes)) out.push(fragment);
  return out;
}

/** Length of the EBML element at `offset` (ID, size field, body), read here independently of src/. */
function elementLength(bytes: Uint8Array, offset: number): number {
  let p = offset;
  const idLength = Math.clz32(bytes[p]) - 23;
  p += idLength;
  const sizeLength = Math.clz32(bytes[p]) - 23;
  let size = bytes[p] & (0xff >> sizeLength);
  for (let i = 1; i < sizeLength; i++) size = size * 256 + bytes[p + i];
  return idLength + sizeLength + size;
}

/**
 * Feeds `bytes` in pieces of `piece` bytes up to each boundary in turn and returns, for each, the
 * input offsets of the media segments out by the time the reader waits for more.
 */
async function outAtBoundaries(bytes: Uint8Array, boundaries: number[], piece: number): Promise<{ seen: number[][]; all: number[] }> {
  const source = liveSource();
  const out: number[] = [];
  const consumer = (async () => {
    for await (const segment of fragmentedMp4Chunks(source)) if (segment.type === 'media') out.push(segment.byteOffset!);
  })();
  const seen: number[][] = [];
  let fed = 0;
  for (const boundary of boundaries) {
    for (; fed < boundary; fed = Math.min(boundary, fed + piece)) source.push(bytes.subarray(fed, Math.min(boundary, fed + piece)));
    await source.untilStarved();
    seen.push([...out]);
  }
  if (fed < bytes.length) source.push(bytes.subarray(fed));
  source.end();
  await consumer;
  return { seen, all: out };
}

describe('a segment leaves as soon as its fragment is complete', () => {
  it('GetMedia output: at the fragment’s trailing Tags, before any byte of the next fragment', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('kvs-h264-aac.mkv', FIXTURES)));
    const fragments = await fragmentsOf(bytes);
    expect(fragments.length).toBeGreaterThan(3);
    expect(fragments.every((f) => f.continuationToken !== undefined)).toBe(true);
    for (const piece of [1000, 7919]) {
      const { seen, all } = await outAtBoundaries(
        bytes,
        fragments.map((f) => f.byteOffset + f.byteLength),
        piece,
      );
      fragments.forEach((fragment, n) => expect(seen[n], `fragment ${n}, pieces of ${piece}`).toContain(fragment.byteOffset));
      expect(all).toEqual(fragments.map((f) => f.byteOffset));
    }
  });

  it('plain Matroska: at the next key frame’s block, before anything after it', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('h264-aac.mkv', FIXTURES)));
    const fragments = await fragmentsOf(bytes);
    expect(fragments.length).toBeGreaterThan(3);
    // Fragment n ends where fragment n + 1 starts: at its key frame's block, which must be whole.
    const boundaries = fragments.slice(1).map((next) => next.byteOffset + elementLength(bytes, next.byteOffset));
    const { seen, all } = await outAtBoundaries(bytes, boundaries, 4096);
    boundaries.forEach((_, n) => expect(seen[n], `fragment ${n}`).toContain(fragments[n].byteOffset));
    expect(all).toEqual(fragments.map((f) => f.byteOffset));
  });
});
