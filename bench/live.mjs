#!/usr/bin/env node
// Live delay of the fragmented output: a GetMedia capture is fed block by block at real time (each
// frame's block at its producer time, a fragment's closing Tags right after its last block), and for
// every frame the time from its last byte arriving to its bytes leaving kvs-clip (the media segment
// holding it yielded by fragmentedMp4Chunks) is recorded. Reports median, p99 and max, and the
// fragment durations for scale (the bound for normal mode: at most one fragment). Then the same with
// `lowLatency: true`, where each block leaves as a CMAF chunk of its own (goal: under 5 ms).
//
//   npx tsup && node bench/live.mjs [capture.mkv] [--dist <folder with dist/>]   (default: fixtures/kvs-h264-aac.mkv)
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const distAt = args.indexOf('--dist');
const dist = distAt >= 0 ? resolve(args.splice(distAt, 2)[1], 'dist') : resolve(import.meta.dirname, '..', 'dist');
const input = new Uint8Array(readFileSync(args[0] ?? resolve(import.meta.dirname, '..', 'fixtures', 'kvs-h264-aac.mkv')));
const api = await import(pathToFileURL(resolve(dist, 'index.js')).href);

// Where each frame's block ends in the input, and when the producer made it (ms from the start).
const fragments = [];
for await (const f of api.readFragments(input)) fragments.push(f);
const t0 = fragments[0].producerTimestamp;
const frames = []; // { end, atMs, fragment }
for (const f of fragments) {
  for (const frame of f.frames) {
    const end = frame.data.byteOffset - input.byteOffset + frame.data.byteLength;
    frames.push({
      end,
      atMs: f.producerTimestamp - t0 + (frame.timestamp - f.clusterTimecode) * (f.timecodeScale / 1e6),
      fragment: f.index,
    });
  }
}
frames.sort((a, b) => a.end - b.end);
// A fragment's closing bytes (its Tags) go with its last block.
const fragmentEnd = new Map(fragments.map((f) => [f.index, f.byteOffset + f.byteLength]));
const chunks = frames.map((frame, i) => {
  const last = i + 1 === frames.length || frames[i + 1].fragment !== frame.fragment;
  return { ...frame, until: last ? fragmentEnd.get(frame.fragment) : frame.end };
});

async function* realTime(arrived) {
  const start = performance.now();
  let from = 0;
  for (let i = 0; i < chunks.length; i++) {
    const wait = start + chunks[i].atMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    arrived[i] = performance.now();
    yield input.subarray(from, chunks[i].until);
    from = chunks[i].until;
  }
  if (from < input.length) yield input.subarray(from);
}

// Normal mode: a frame leaves with the media segment of its fragment.
async function normalMode() {
  const arrived = new Array(chunks.length).fill(0);
  const delays = [];
  const completing = []; // the frame whose block (with the closing Tags) completes its fragment
  const byOffset = new Map(fragments.map((f) => [f.byteOffset, f.index]));
  for await (const segment of api.fragmentedMp4Chunks(realTime(arrived))) {
    if (segment.type !== 'media') continue;
    const now = performance.now();
    const index = byOffset.get(segment.byteOffset);
    chunks.forEach((c, i) => {
      if (c.fragment !== index) return;
      delays.push(now - arrived[i]);
      if (chunks[i + 1]?.fragment !== index) completing.push(now - arrived[i]);
    });
  }
  return { delays, completing };
}

// Low-latency mode: one CMAF chunk per block, in block order (one frame per block in these captures).
async function lowLatencyMode() {
  const arrived = new Array(chunks.length).fill(0);
  const delays = [];
  let k = 0;
  for await (const segment of api.fragmentedMp4Chunks(realTime(arrived), { lowLatency: true })) {
    if (segment.type !== 'media') continue;
    delays.push(performance.now() - arrived[k++]);
  }
  if (k !== chunks.length) throw new Error(`${k} chunks for ${chunks.length} blocks`);
  return delays;
}

const { delays, completing } = await normalMode();
const lowDelays = api.readFragmentEvents ? await lowLatencyMode() : null;
const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p) => +sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2);
  return { median: q(0.5), p99: q(0.99), max: +sorted.at(-1).toFixed(2) };
};
const durations = fragments.slice(1).map((f, i) => f.producerTimestamp - fragments[i].producerTimestamp);
console.log(
  JSON.stringify({
    dist,
    frames: delays.length,
    fragments: fragments.length,
    fragmentMs: { min: Math.min(...durations), max: Math.max(...durations) },
    // Every frame: from its last byte to its segment leaving (includes waiting for its fragment to end).
    frameDelayMs: stats(delays),
    // The frame that completes a fragment: what kvs-clip itself adds once the fragment is whole.
    fragmentCompleteToSegmentMs: stats(completing),
    // Low latency: from a frame's last byte to the CMAF chunk holding it leaving kvs-clip.
    lowLatencyFrameDelayMs: lowDelays && stats(lowDelays),
  }),
);
