/**
 * Each package entry's browser bundle against its size budget (bench/size.mjs: one in-memory esbuild
 * bundle per entry, gzipped), and the kvs-clip/mse entry, bundled for a browser page as a bundler
 * would, giving the main entry's segments byte for byte.
 */
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { fragmentedMp4 } from '../src/api/index.js';
import type * as Mse from '../src/mse.js';
// @ts-expect-error a plain .mjs script without types
import { BUDGETS, measureBundles, overBudget } from '../bench/size.mjs';
import { FIXTURES } from './support/mp4-input.js';
import { root } from './support/bundle.js';

type Sizes = Record<string, { gzipped?: number; error?: string }>;
type Over = { id: string; gzipped: number; budget: number }[];
const measure = measureBundles as () => Promise<Sizes>;
const over = overBudget as (sizes: Sizes, budgets?: Record<string, number>) => Over;
const budgets = BUDGETS as Record<string, number>;

describe('bundle sizes', () => {
  it('every entry within its budget; a budget below an entry is reported', async () => {
    const sizes = await measure();
    for (const id of Object.keys(budgets)) expect(sizes[id]?.error, id).toBeUndefined();
    expect(over(sizes)).toEqual([]);
    // The check fails an entry that grows past its budget: a budget one byte under its size.
    const tight = { ...budgets, mse: sizes.mse.gzipped! - 1 };
    expect(over(sizes, tight)).toEqual([{ id: 'mse', gzipped: sizes.mse.gzipped, budget: tight.mse, error: undefined }]);
  });
});

describe('kvs-clip/mse bundled for a page', () => {
  it('writes the same segments as the main entry', async () => {
    const result = await build({
      entryPoints: [`${root}src/mse.ts`],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const code = Buffer.from(result.outputFiles[0].contents).toString('base64');
    const mse = (await import(`data:text/javascript;base64,${code}`)) as typeof Mse;
    for (const name of ['kvs-h264-aac.mkv', 'kvs-hevc-bframes-aac.mkv', 'kvs-h264-alaw.mkv']) {
      const input = readFileSync(`${FIXTURES}/${name}`);
      const expected: Uint8Array[] = [];
      for await (const segment of fragmentedMp4(input)) expected.push(segment.data);
      const actual: Uint8Array[] = [];
      for await (const segment of mse.fragmentedMp4(input)) actual.push(segment.data);
      expect(actual.length, name).toBe(expected.length);
      expect(
        actual.every((data, i) => Buffer.from(data).equals(expected[i])),
        name,
      ).toBe(true);
    }
  });
});
