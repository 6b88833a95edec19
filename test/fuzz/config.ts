/**
 * How many inputs each fuzz property tries, and how a run is reported. `npm test` uses the small
 * defaults below (the whole fuzz folder in well under a minute on 2 cores); `npm run fuzz -- --runs N`
 * (test/fuzz/run.mjs) sets FUZZ_RUNS, FUZZ_SEED and FUZZ_STATS / FUZZ_CURRENT for its report, and
 * `--seconds N` sets FUZZ_SECONDS instead: each property then runs new inputs for N seconds.
 */
import { appendFileSync, closeSync, ftruncateSync, openSync, rmSync, writeSync } from 'node:fs';
import fc from 'fast-check';

const seconds = Number(process.env.FUZZ_SECONDS ?? '');
/** Under --seconds, as many runs as fit: the time limit ends the property. */
const timed = Number.isFinite(seconds) && seconds > 0;
const runs = timed ? 2 ** 31 - 1 : Number(process.env.FUZZ_RUNS ?? '');
const seed = Number(process.env.FUZZ_SEED ?? '');

/** Replaying one failure (FUZZ_PATH from its report): statistics over many inputs mean nothing then. */
export const replaying = Boolean(process.env.FUZZ_PATH);

/** True under `npm run fuzz` (runs or seconds chosen on the command line). */
const fuzzing = Number.isInteger(runs) && runs > 0;

/** Runs of a property: its `npm test` default, or the runner's --runs (a bound only, under --seconds). */
export function numRuns(testDefault: number): number {
  return fuzzing ? runs : testDefault;
}

/**
 * Under `npm test` a property (shrinking included) stops after this long; the runner has no limit.
 * The defaults take 2-6 s each on 2 cores alone, up to 12 s beside the rest of the suite.
 */
const TEST_TIME_LIMIT_MS = 60_000;

/** fast-check parameters: a fixed seed when one was given (to replay a failure), shrinking on. */
export function params<T>(testDefault: number): fc.Parameters<T> {
  const p: fc.Parameters<T> = { numRuns: numRuns(testDefault), endOnFailure: false };
  // Shrinking a failure on a 300 KB capture can take minutes; the test suite reports it sooner (the
  // counterexample shrunk so far). A run stopped before all its inputs ran fails ("Property
  // interrupted after N tests"): fewer inputs than asked must not pass as the full property.
  if (!fuzzing || timed) {
    // Under --seconds, running out of time is how the property ends, not a failure.
    p.plugins = [
      fc.interruptAfterTimeLimit(timed ? seconds * 1000 : TEST_TIME_LIMIT_MS, { failOnInterrupt: !timed }) as NonNullable<
        fc.Parameters<T>['plugins']
      >[number],
    ];
  }
  if (Number.isInteger(seed)) p.seed = seed;
  if (replaying) p.path = process.env.FUZZ_PATH;
  return p;
}

/** The vitest timeout for a property: generous, since each input also has its own budget. */
export function timeoutFor(testDefault: number, msPerRun = 400): number {
  return timed ? 120_000 + seconds * 2000 : 60_000 + numRuns(testDefault) * msPerRun;
}

/**
 * Asserts a fuzz property with this run's count and parameters, counting the inputs it executes and
 * reporting them (even when the property fails) for the runner's executions per second. Resolves to
 * the count.
 */
export async function assertCounted<Ts extends [unknown, ...unknown[]]>(
  name: string,
  testDefault: number,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => Promise<void> | void,
): Promise<number> {
  let executions = 0;
  const started = performance.now();
  const counted = async (...args: Ts): Promise<void> => {
    executions++;
    await predicate(...args);
  };
  try {
    await fc.assert(fc.asyncProperty(...arbitraries, counted), params(testDefault));
  } finally {
    reportStats(name, executions, performance.now() - started);
  }
  return executions;
}

/**
 * Records a finished property's executions for the runner's executions-per-second report, and
 * clears its current-input note so the watchdog does not take an idle worker for a hung one.
 */
export function reportStats(property: string, executions: number, ms: number): void {
  const file = process.env.FUZZ_STATS;
  if (file) appendFileSync(file, `${JSON.stringify({ property, executions, ms })}\n`);
  const dir = process.env.FUZZ_CURRENT;
  if (noteFd !== undefined) closeSync(noteFd);
  noteFd = undefined; // the next property's note opens the file again
  if (dir) rmSync(`${dir}/${process.pid}.json`, { force: true });
}

/**
 * Remembers the input being executed (as its replayable description), so the runner's watchdog can
 * name it if a synchronous loop never returns. Only under the runner: it costs a file write per input.
 */
export function noteCurrent(property: string, description: unknown): void {
  const dir = process.env.FUZZ_CURRENT;
  if (!dir) return;
  // One file kept open per worker and rewritten in place: an open and a close per input cost more
  // than the fast targets' inputs do.
  noteFd ??= openSync(`${dir}/${process.pid}.json`, 'w');
  const text = JSON.stringify({ property, at: Date.now(), input: description });
  const written = writeSync(noteFd, text, 0);
  ftruncateSync(noteFd, written);
}
let noteFd: number | undefined;
