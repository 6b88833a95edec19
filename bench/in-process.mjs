// The in-process cases and how each is timed, with nothing platform-specific: bench/case.mjs runs
// them in Node, bench/browser.mjs in headless Chromium (this file is served to the page as is).

/** Cases both platforms run: each turns the input bytes into output chunks (Uint8Array[]) or a byte count. */
export const portableCases = {
  // Baseline: the same bytes into a fresh buffer (zero-filled by the allocation, then overwritten).
  'memcpy-new-Uint8Array': async (input) => {
    const out = new Uint8Array(input.byteLength);
    out.set(input);
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

// V8 needs a few dozen calls before the hot code reaches its optimising tier (kvs-clip's clip() takes
// ~25 runs to go from ~60 ms to its ~7 ms steady state on the 120 MB input), so a fixed single warm-up run
// would measure the JIT's tiers rather than the code.
const WARM_UP_MS = 1500;
const WARM_UP_RUNS = 3;
const MAX_WARM_UP_RUNS = 40;

export const outputBytes = (out) => (typeof out === 'number' ? out : out.reduce((sum, chunk) => sum + chunk.byteLength, 0));

/**
 * Times `run(input, library, keep)`: the first call (cold: code not yet compiled by the JIT, as in a
 * process that clips once), warm-up until the JIT has settled (at least WARM_UP_MS and WARM_UP_RUNS
 * runs, at most MAX_WARM_UP_RUNS), then `iterations` timed runs with a full GC (`gc`) before each.
 * The last run keeps its output when `keepLast`. Returns { first, times (ms), warmUpRuns, outputBytes, out }.
 */
export async function timeCase(run, input, library, { iterations, gc, keepLast = false }) {
  const warmUpStart = performance.now();
  await run(input, library, false);
  const first = performance.now() - warmUpStart;
  let warmUpRuns = 1;
  while (warmUpRuns < MAX_WARM_UP_RUNS && (warmUpRuns < WARM_UP_RUNS || performance.now() - warmUpStart < WARM_UP_MS)) {
    gc();
    await run(input, library, false);
    warmUpRuns++;
  }
  const times = [];
  let bytes = 0;
  let out;
  for (let i = 0; i < iterations; i++) {
    gc();
    const keep = keepLast && i === iterations - 1;
    const started = performance.now();
    out = await run(input, library, keep);
    times.push(performance.now() - started);
    bytes = outputBytes(out);
    if (!keep) out = undefined;
  }
  return { first, times, warmUpRuns, outputBytes: bytes, out };
}
