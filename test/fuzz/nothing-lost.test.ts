/**
 * Streaming mode loses nothing before the damage. Each case keeps a seed's first `cut` bytes intact
 * and damages only what follows (blind and structure-aware mutations confined to bytes ≥ cut, or
 * plain truncation), then compares with the fragments read from the undamaged prefix alone:
 * - readFragments: every fragment the prefix completed comes out equal, and the fragment the prefix
 *   ended in comes out with at least the frames the prefix gave it (the same bytes, times, flags);
 *   whatever escapes is a KvsClipError.
 * - fragmentedMp4 (playable seeds): the media segments of the prefix come out again, byte for byte,
 *   except the last two, which depend on what follows them (the last sample's duration is learnt
 *   from the next fragment); the segment before the damaged one must still come out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fragmentedMp4, type Mp4Segment } from '../../src/index.js';
import { KvsClipError } from '../../src/errors.js';
import type { MkvFragment, MkvFrame } from '../../src/mkv/types.js';
import { readAll } from '../support/read.js';
import { assertCounted, noteCurrent, replaying, timeoutFor } from './config.js';
import { loadSeeds, warnIfNoSamples, type Seed } from './corpus.js';
import { delivery, sourceOf, type Delivery } from './harness.js';
import { applyMutations, mutation, type Mutation } from './mutations.js';

const RUNS = 200;

warnIfNoSamples('fuzz: nothing lost');

/** What a fragment says, without where it ended (a fragment cut by damage may end elsewhere). */
function content(fragment: MkvFragment): unknown {
  const { byteLength, partial, frames, ...rest } = fragment;
  void byteLength;
  void partial;
  return { ...rest, frames: frames.map(frameContent) };
}

function frameContent(frame: MkvFrame): unknown {
  return { ...frame, data: Array.from(frame.data) };
}

function firstDifference(a: Uint8Array, b: Uint8Array, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * Damage after `cut`: mutations confined to bytes ≥ cut, then possibly a cut-off tail. `where` is the
 * cut's place in ten-thousandths of the seed: fc.double spreads over the representable doubles, so
 * nine in ten of its values in [0, 1] are below 0.01 and the prefix would almost always be empty.
 */
const damage = fc.record({
  where: fc.integer({ min: 0, max: 10_000 }),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
});

function damaged(seed: Seed, where: number, list: Mutation[]): { cut: number; bytes: Uint8Array } {
  const cut = Math.floor((where / 10_000) * seed.bytes.length);
  return { cut, bytes: applyMutations(seed.bytes, list, cut) };
}

async function segments(bytes: Uint8Array, how: Delivery): Promise<{ media: Mp4Segment[]; error: unknown; warnings: string[] }> {
  const media: Mp4Segment[] = [];
  const warnings: string[] = [];
  try {
    for await (const segment of fragmentedMp4(sourceOf(bytes, how), { onWarning: (w) => warnings.push(w.code) })) {
      if (segment.type === 'media') media.push(segment);
    }
  } catch (error) {
    return { media, error, warnings };
  }
  return { media, error: undefined, warnings };
}

/**
 * The comparisons are what these properties are for, and an input whose prefix holds nothing to keep
 * skips them: fail, rather than pass on nothing, when too small a share of the inputs reached them.
 */
function expectCompared(compared: number, executions: number, share: number): void {
  if (replaying) return; // one input, which may have no prefix worth comparing
  expect(compared, `inputs that compared something with their prefix, of ${executions}`).toBeGreaterThanOrEqual(share * executions);
}

describe('fuzz: nothing before the damage is lost', () => {
  it(
    'readFragments delivers every fragment and frame the undamaged prefix gives',
    async () => {
      const seeds = await loadSeeds();
      let compared = 0;
      const executions = await assertCounted(
        'nothing-lost/readFragments',
        RUNS,
        [fc.nat({ max: seeds.length - 1 }), damage, delivery],
        async (seedIndex, { where, mutations }, how) => {
          const seed = seeds[seedIndex];
          noteCurrent('nothing-lost/readFragments', { seed: seed.name, where, mutations, delivery: how });
          const { cut, bytes } = damaged(seed, where, mutations);
          expect(firstDifference(bytes, seed.bytes, cut), 'the damage must leave the prefix alone').toBe(-1);
          const prefix = await readAll(seed.bytes.subarray(0, cut));
          const result = await readAll(sourceOf(bytes, how));
          if (result.error !== undefined) expect(result.error).toBeInstanceOf(KvsClipError);
          const complete = prefix.error === undefined ? prefix.fragments.slice(0, -1) : prefix.fragments;
          expect(result.fragments.length).toBeGreaterThanOrEqual(complete.length);
          complete.forEach((fragment, i) =>
            expect(content(result.fragments[i]), `fragment ${i} of ${seed.name}`).toEqual(content(fragment)),
          );
          const last = prefix.error === undefined ? prefix.fragments.at(-1) : undefined;
          if (complete.length > 0 || (last?.frames.length ?? 0) > 0) compared++;
          if (last !== undefined && last.frames.length > 0) {
            const same = result.fragments[last.index];
            expect(same, `fragment ${last.index} of ${seed.name}, cut at ${cut}`).toBeDefined();
            expect(same.frames.slice(0, last.frames.length).map(frameContent)).toEqual(last.frames.map(frameContent));
          }
        },
      );
      expectCompared(compared, executions, 1 / 4); // about 45 % of inputs
    },
    timeoutFor(RUNS),
  );

  it(
    'fragmentedMp4 delivers the media segments of the undamaged prefix before failing',
    async () => {
      const seeds = (await loadSeeds()).filter((seed) => seed.playable);
      let compared = 0;
      const executions = await assertCounted(
        'nothing-lost/fragmentedMp4',
        RUNS,
        [fc.nat({ max: seeds.length - 1 }), damage, delivery],
        async (seedIndex, { where, mutations }, how) => {
          const seed = seeds[seedIndex];
          noteCurrent('nothing-lost/fragmentedMp4', { seed: seed.name, where, mutations, delivery: how });
          const { cut, bytes } = damaged(seed, where, mutations);
          const prefix = await segments(seed.bytes.subarray(0, cut), { chunks: null, kind: 'array' });
          const result = await segments(bytes, how);
          if (result.error !== undefined) expect(result.error).toBeInstanceOf(KvsClipError);
          if (prefix.error !== undefined) return; // the prefix itself does not play: nothing to keep
          const stable = Math.max(0, prefix.media.length - 2);
          if (stable > 0) compared++;
          for (let i = 0; i < stable; i++)
            expect(result.media[i]?.data, `segment ${i} of ${seed.name} cut at ${cut}`).toEqual(prefix.media[i].data);
          // Damaged tags may legitimately make a fragment a duplicate of another, which selection drops.
          if (!result.warnings.includes('duplicate-timestamp')) {
            expect(result.media.length, `media segments of ${seed.name} cut at ${cut}`).toBeGreaterThanOrEqual(prefix.media.length);
          }
        },
      );
      expectCompared(compared, executions, 1 / 20); // about 17 % of inputs: the seeds have 2 or 3 fragments
    },
    timeoutFor(RUNS),
  );
});
