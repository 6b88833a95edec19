// One in-process benchmark case, run in its own Node process so each case's peak RSS is its own.
//
//   node --expose-gc bench/case.mjs <case> <input.mkv> <iterations> [--save out.mp4]
//
// Reads the input into memory first (not timed), times the first call (cold: code not yet compiled
// by the JIT, as in a process that clips once), warms up until the JIT has settled (at least
// WARM_UP_MS and WARM_UP_RUNS runs, at most MAX_WARM_UP_RUNS), then <iterations> timed runs with a GC
// before each; prints one JSON line: { first, times (ms), warmUpRuns, outputBytes, rssAfterLoad, maxRss (bytes) }.
// Every case, peers and baselines included, goes through the same steps.
// With --save, the last run's output is written to a file so run.mjs can check it with ffprobe.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir } from './inputs.mjs';

/** Each case turns the input bytes into output chunks (an array of Uint8Array) or a byte count. */
const cases = {
  // Baselines: the same bytes into a fresh buffer. allocUnsafeSlow skips zero-filling; new Uint8Array does not.
  'memcpy-allocUnsafeSlow': async (input) => {
    const out = Buffer.allocUnsafeSlow(input.byteLength);
    out.set(input);
    return [out];
  },
  'memcpy-new-Uint8Array': async (input) => {
    const out = new Uint8Array(input.byteLength);
    out.set(input);
    return [out];
  },

  // What page faults alone cost: a fresh buffer of the input's size, one byte written per 4 KiB page.
  'page-faults': async (input) => {
    const out = Buffer.allocUnsafeSlow(input.byteLength);
    for (let i = 0; i < out.byteLength; i += 4096) out[i] = 0;
    return [out];
  },

  'kvs-clip-flat-bytes': async (input, api) => [(await api.clip(input)).Payload.bytes()],
  'kvs-clip-flat-chunks': async (input, api) => (await api.clip(input)).Payload.chunks(),
  'kvs-clip-fmp4': async (input, api, keep) => {
    const out = [];
    let bytes = 0;
    for await (const segment of api.fragmentedMp4(input)) {
      bytes += segment.data.byteLength;
      // Segments are dropped as they come (a consumer appending to MSE would), unless saving.
      if (keep) out.push(segment.data);
    }
    return keep ? out : bytes;
  },

  'kvs-clip-fmp4-chunks': async (input, api, keep) => {
    const out = [];
    let bytes = 0;
    for await (const segment of api.fragmentedMp4Chunks(input)) {
      bytes += segment.byteLength;
      if (keep) out.push(...segment.chunks);
    }
    return keep ? out : bytes;
  },

  'mediabunny-flat': (input, mb) => mediabunnyConversion(input, mb, 'in-memory'),
  'mediabunny-fmp4': (input, mb) => mediabunnyConversion(input, mb, 'fragmented'),
};

/** mediabunny's Conversion (transmux, no re-encoding) from the MKV bytes to an MP4 in memory. */
async function mediabunnyConversion(input, mb, fastStart) {
  const conversion = await mb.Conversion.init({
    input: new mb.Input({ source: new mb.BufferSource(input), formats: [mb.MATROSKA] }),
    output: new mb.Output({ format: new mb.Mp4OutputFormat({ fastStart }), target: new mb.BufferTarget() }),
  });
  if (!conversion.isValid) throw new Error(`mediabunny: invalid conversion (${conversion.discardedTracks.map((t) => t.reason)})`);
  await conversion.execute();
  return [new Uint8Array(conversion.output.target.buffer)];
}

async function loadLibrary(name) {
  if (name.startsWith('kvs-clip')) return import(pathToFileURL(join(distDir, 'index.js')).href);
  if (name.startsWith('mediabunny')) return import('mediabunny');
  return undefined;
}

// V8 needs a few dozen calls before the hot code reaches its optimising tier (kvs-clip's clip() takes
// ~25 runs to go from ~60 ms to its ~7 ms steady state on the 120 MB input), so a fixed single warm-up run
// would measure the JIT's tiers rather than the code.
const WARM_UP_MS = 1500;
const WARM_UP_RUNS = 3;
const MAX_WARM_UP_RUNS = 40;

const outputBytes = (out) => (typeof out === 'number' ? out : out.reduce((sum, chunk) => sum + chunk.byteLength, 0));

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

  const warmUpStart = performance.now();
  let out = await run(input, library, false);
  const first = performance.now() - warmUpStart;
  out = undefined;
  let warmUpRuns = 1;
  while (warmUpRuns < MAX_WARM_UP_RUNS && (warmUpRuns < WARM_UP_RUNS || performance.now() - warmUpStart < WARM_UP_MS)) {
    gc();
    await run(input, library, false);
    warmUpRuns++;
  }
  const times = [];
  let bytes = 0;
  for (let i = 0; i < iterations; i++) {
    gc();
    const last = i === iterations - 1;
    const started = performance.now();
    out = await run(input, library, last && savePath !== undefined);
    times.push(performance.now() - started);
    bytes = outputBytes(out);
    if (!(last && savePath)) out = undefined;
  }
  if (savePath && typeof out !== 'number') {
    const fd = openSync(savePath, 'w');
    for (const chunk of out) writeSync(fd, chunk);
    closeSync(fd);
  }
  const result = { first, times, warmUpRuns, outputBytes: bytes, rssAfterLoad, maxRss: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  process.stdout.write(`${JSON.stringify({ error: `${error?.name ?? 'Error'}: ${error?.message ?? error}` })}\n`);
  process.exitCode = 1;
});
