/**
 * The registry of fuzz targets that need no seed corpus: each is one property, run by
 * targets.test.ts under `npm test` (testRuns inputs) and under `npm run fuzz` (--runs or --seconds).
 * A target is added by appending it to FUZZ_TARGETS (the AWS-response targets go here too).
 */
import fc from 'fast-check';
import { getMediaTarget, listFragmentsTarget, mediaForFragmentListTarget } from './aws-responses.js';
import { cliArgsTarget } from './cli-args.js';

export interface FuzzTarget<Ts extends [unknown, ...unknown[]] = [unknown, ...unknown[]]> {
  /** Name in the runner's report and in `-t` filters. */
  name: string;
  /** What the property asserts, for the test's title. */
  claim: string;
  /** Inputs under `npm test`: keep the target's share of the suite's time small. */
  testRuns: number;
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> };
  /** Throws (an assertion) when an input breaks the claim. */
  check: (...input: Ts) => Promise<void> | void;
}

/** Every registered target. */
export const FUZZ_TARGETS: FuzzTarget[] = [
  cliArgsTarget,
  listFragmentsTarget,
  mediaForFragmentListTarget,
  getMediaTarget,
] as unknown as FuzzTarget[];
