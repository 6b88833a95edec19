/**
 * Mutation fuzzing of the public entry points: any seed, 1–4 mutations (blind and structure-aware),
 * any way of delivering the bytes, a few option sets. For every input:
 * - only kvs-clip's typed errors (KvsClipError) escape readFragments, clip and fragmentedMp4:
 *   never a TypeError, RangeError or stack overflow;
 * - each entry point finishes within a budget proportional to the input's size;
 * - no single allocation exceeds a bound proportional to the input's size (nothing is sized by a
 *   length field the input merely declares), and readFragments never hands out more frames than
 *   the input has bytes (each frame object costs far more than a byte);
 * - whatever MP4 comes out has top-level boxes that tile it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertCounted, noteCurrent, timeoutFor } from './config.js';
import { loadSeeds, warnIfNoSamples } from './corpus.js';
import { clipOptions, delivery, exercise, violation } from './harness.js';
import { applyMutations, mutations } from './mutations.js';

const RUNS = 600;

warnIfNoSamples('fuzz: hostile input');

describe('fuzz: hostile input', () => {
  it(
    'lets only typed errors escape, in time and memory proportional to the input',
    async () => {
      const seeds = await loadSeeds();
      await assertCounted(
        'hostile-input',
        RUNS,
        [fc.nat({ max: seeds.length - 1 }), mutations, delivery, clipOptions],
        async (seedIndex, list, how, options) => {
          const seed = seeds[seedIndex];
          noteCurrent('hostile-input', { seed: seed.name, mutations: list, delivery: how, options });
          const input = applyMutations(seed.bytes, list);
          const results = await exercise(input, how, options);
          const problems = results.map((r) => violation(r, input.length)).filter((p) => p !== undefined);
          expect(problems, `seed ${seed.name}, ${input.length} bytes`).toEqual([]);
        },
      );
    },
    timeoutFor(RUNS),
  );
});
