// One in-process benchmark case, run in its own Node process so each case's peak RSS is its own.
//
//   node --expose-gc bench/case.mjs <case> <input.mkv> <iterations> [--save out.mp4]
//
// Reads the input into memory first (not timed), then times the case as bench/in-process.mjs says
// (first call, warm-up until the JIT has settled, <iterations> timed runs with a GC before each);
// prints one JSON line: { first, times (ms), warmUpRuns, outputBytes, rssAfterLoad, maxRss (bytes) }.
// Every case, peers and baselines included, goes through the same steps.
// With --save, the last run's output is written to a file so run.mjs can check it with ffprobe.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir } from './inputs.mjs';
import { portableCases, timeCase } from './in-process.mjs';

/** Node's cases: the portable ones, plus baselines that use Node's Buffer. */
const cases = {
  // allocUnsafeSlow skips zero-filling; new Uint8Array (a portable case) does not.
  'memcpy-allocUnsafeSlow': async (input) => {
    const out = Buffer.allocUnsafeSlow(input.byteLength);
    out.set(input);
    return [out];
  },

  // What page faults alone cost: a fresh buffer of the input's size, one byte written per 4 KiB page.
  'page-faults': async (input) => {
    const out = Buffer.allocUnsafeSlow(input.byteLength);
    for (let i = 0; i < out.byteLength; i += 4096) out[i] = 0;
    return [out];
  },

  ...portableCases,
};

async function loadLibrary(name) {
  if (name.startsWith('kvs-clip')) return import(pathToFileURL(join(distDir, 'index.js')).href);
  if (name.startsWith('mediabunny')) return import('mediabunny');
  return undefined;
}

async function main() {
  const [name, inputFile, iterationsArg] = process.argv.slice(2);
  const saveAt = process.argv.indexOf('--save');
  const savePath = saveAt > 0 ? process.argv[saveAt + 1] : undefined;
  const run = cases[name];
  if (!run) throw new Error(`unknown case ${name}; known: ${Object.keys(cases).join(', ')}`);
  const iterations = Number(iterationsArg) || 5;
  const gc = globalThis.gc ?? (() => {});

  // mediabunny logs discarded tracks with console.warn; run.mjs reports track coverage itself.
  console.warn = () => {};
  const library = await loadLibrary(name);
  const file = readFileSync(inputFile);
  const input = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  gc();
  const rssAfterLoad = process.memoryUsage.rss();

  const { first, times, warmUpRuns, outputBytes, out } = await timeCase(run, input, library, {
    iterations,
    gc,
    keepLast: savePath !== undefined,
  });
  if (savePath && typeof out !== 'number') {
    const fd = openSync(savePath, 'w');
    for (const chunk of out) writeSync(fd, chunk);
    closeSync(fd);
  }
  const result = { first, times, warmUpRuns, outputBytes, rssAfterLoad, maxRss: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  process.stdout.write(`${JSON.stringify({ error: `${error?.name ?? 'Error'}: ${error?.message ?? error}` })}\n`);
  process.exitCode = 1;
});
