/**
 * The hot methods keep their optimised code through a full GC, as the rules in src/jit.ts promise.
 * A plain node process (test/jit/after-gc.mjs, --allow-natives-syntax --expose-gc) clips a fixture
 * with a bundle of src (test/jit/probe-entry.ts), has V8 optimise each hot method, collects every
 * clip's objects with gc(), and reports %GetOptimizationStatus before, after, and after one more
 * clip. A canary method whose instances all die must lose its code in that GC: that shows the
 * collection was full and the status can tell a loss.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, root } from './support/bundle.js';
import { hotMethods } from './jit/probe-entry.js';

/**
 * OptimizationStatus bits of V8 11.3 (Node 20), from src/runtime/runtime.h there (read by
 * Runtime_GetOptimizationStatus in src/runtime/runtime-test.cc). Later V8s renumber them, so the
 * test runs on V8 11.3 only and skips visibly elsewhere.
 */
const BITS_KNOWN = process.versions.v8.startsWith('11.3.');
if (!BITS_KNOWN)
  console.warn(`[jit] V8 ${process.versions.v8}: the optimisation status bits are known for V8 11.3 only; the GC test is skipped`);
const OPTIMIZED = 1 << 4;
/** The other bits a method that lost its optimised code may show. */
const STATUS_BITS: [number, string][] = [
  [1 << 6, 'TurboFanned'],
  [1 << 7, 'interpreted'],
  [1 << 14, 'marked for deoptimization'],
  [1 << 15, 'baseline'],
];

type Statuses = Record<string, number>;
interface ProbeReport {
  optimised: { hot: Statuses; canary: number };
  afterGc: { hot: Statuses; canary: number };
  afterClip: { hot: Statuses };
}

/** "optimised", or what the method has instead (no bit but "is a function": not even bytecode). */
function describeStatus(status: number): string {
  if (status & OPTIMIZED) return 'optimised';
  const set = STATUS_BITS.filter(([bit]) => status & bit).map(([, name]) => name);
  return `not optimised (${set.length > 0 ? set.join(', ') : 'no code'}; status ${status})`;
}

const described = (statuses: Statuses): Record<string, string> =>
  Object.fromEntries(Object.entries(statuses).map(([name, status]) => [name, describeStatus(status)]));
const allOptimised = Object.fromEntries(Object.keys(hotMethods).map((name) => [name, 'optimised']));

describe.skipIf(!BITS_KNOWN)(
  `optimised code survives a full GC (src/jit.ts)${BITS_KNOWN ? '' : ' (skipped: status bits known for V8 11.3 only)'}`,
  () => {
    let dir: string;
    let report: ProbeReport;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'kvs-clip-jit-'));
      const probe = bundle('test/jit/probe-entry.ts', dir);
      const run = spawnSync(
        process.execPath,
        ['--allow-natives-syntax', '--expose-gc', 'test/jit/after-gc.mjs', probe, 'fixtures/kvs-h264-aac.mkv'],
        { cwd: root, encoding: 'utf8' },
      );
      if (run.status !== 0) throw new Error(`test/jit/after-gc.mjs exited with ${run.status}:\n${run.stderr}`);
      report = JSON.parse(run.stdout) as ProbeReport;
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('the canary is optimised, then loses its code in the GC: the probe can see a loss', () => {
      expect(describeStatus(report.optimised.canary)).toBe('optimised');
      expect(describeStatus(report.afterGc.canary)).toMatch(/^not optimised/);
    });

    it('every hot method is optimised after the warm-up clips', () => {
      expect(Object.keys(hotMethods).length).toBeGreaterThan(0);
      expect(described(report.optimised.hot)).toEqual(allOptimised);
    });

    it('every hot method is still optimised after the GC', () => {
      expect(described(report.afterGc.hot)).toEqual(allOptimised);
    });

    it('every hot method is still optimised after one more clip', () => {
      expect(described(report.afterClip.hot)).toEqual(allOptimised);
    });
  },
);
