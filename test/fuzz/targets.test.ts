/** Runs every target of the registry (targets.ts) as one fast-check property. */
import { describe, it } from 'vitest';
import { assertCounted, noteCurrent, timeoutFor } from './config.js';
import { FUZZ_TARGETS } from './targets.js';

describe('fuzz: registered targets', () => {
  for (const target of FUZZ_TARGETS) {
    it(
      `${target.name}: ${target.claim}`,
      async () => {
        await assertCounted(target.name, target.testRuns, target.arbitraries, (...input) => {
          noteCurrent(target.name, input);
          return target.check(...input);
        });
      },
      timeoutFor(target.testRuns, 50),
    );
  }
});
