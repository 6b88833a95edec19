#!/usr/bin/env node
/* global document -- functions passed to tab.evaluate run in the page */
// Delay behind the live edge of headless Chromium playing a live stream through MSE with lowLatency:
// a local server plays the part of GetMedia (a capture fed block by block at real time, each block at
// its producer time), kvs-clip turns it into CMAF chunks (`lowLatency: true`) as it arrives, and the
// page appends each chunk to a SourceBuffer as it comes over one HTTP response and plays. For every
// frame the page presents (requestVideoFrameCallback; the page jumps to the edge when more than 0.3 s
// behind it, as a live player does), the delay is the wall time since the feed
// started minus the frame's media time: how far the picture on screen is behind the camera's clock.
//
// With --example the page is examples/live.html itself: kvs-clip runs in the page on the raw capture.
//
//   npx tsup && node bench/live-browser.mjs [capture.mkv] [--normal | --example]   (default: fixtures/kvs-h264-aac.mkv)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const normal = args.includes('--normal');
const example = args.includes('--example');
const file = args.find((a) => !a.startsWith('--')) ?? resolve(import.meta.dirname, '..', 'fixtures', 'kvs-h264-aac.mkv');
const input = new Uint8Array(readFileSync(file));
const api = await import(pathToFileURL(resolve(import.meta.dirname, '..', 'dist', 'index.js')).href);

// Each block's end in the input and its producer time (ms from the first), as bench/live.mjs feeds them.
const blocks = [];
const fragments = [];
for await (const f of api.readFragments(input)) fragments.push(f);
const t0 = fragments[0].producerTimestamp;
for (const f of fragments) {
  for (const frame of f.frames) {
    blocks.push({
      end: frame.data.byteOffset - input.byteOffset + frame.data.byteLength,
      atMs: f.producerTimestamp - t0 + (frame.timestamp - f.clusterTimecode) * (f.timecodeScale / 1e6),
      fragmentEnd: f.byteOffset + f.byteLength,
    });
  }
}
blocks.sort((a, b) => a.end - b.end);
blocks.forEach((b, i) => (b.until = i + 1 === blocks.length || blocks[i + 1].fragmentEnd !== b.fragmentEnd ? b.fragmentEnd : b.end));
const mediaMs = blocks.at(-1).atMs;

async function* realTime() {
  const start = performance.now();
  let from = 0;
  for (const block of blocks) {
    const wait = start + block.atMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    yield input.subarray(from, block.until);
    from = block.until;
  }
}

const page = `<!doctype html><body><video muted playsinline></video><script>
const video = document.querySelector('video');
window.delays = [];
window.done = false;
window.errors = [];
(async () => {
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await new Promise((r) => source.addEventListener('sourceopen', r, { once: true }));
  const started = performance.now();
  const response = await fetch('/stream');
  const reader = response.body.getReader();
  let buffer = null;
  let pending = new Uint8Array(0);
  const queue = [];
  const pump = () => { if (buffer && !buffer.updating && queue.length) buffer.appendBuffer(queue.shift()); };
  // A live player keeps to the edge: when the playhead falls more than 0.3 s behind what is buffered
  // (start-up, a stall), it jumps to just before the end, as examples/live.html does.
  const keepUp = () => {
    const b = video.buffered;
    if (b.length && b.end(b.length - 1) - video.currentTime > 0.3) video.currentTime = b.end(b.length - 1) - 0.05;
  };
  const onFrame = (now, meta) => {
    window.delays.push((now - started) - meta.mediaTime * 1000);
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(pending.length + value.length);
    joined.set(pending); joined.set(value, pending.length);
    let at = 0;
    while (joined.length - at >= 4) {
      const view = new DataView(joined.buffer, at);
      const length = view.getUint32(0);
      if (joined.length - at - 4 < length) break;
      const segment = joined.slice(at + 4, at + 4 + length);
      at += 4 + length;
      if (buffer === null) {
        const mime = new TextDecoder().decode(segment);
        buffer = source.addSourceBuffer(mime);
        buffer.addEventListener('updateend', () => { pump(); keepUp(); if (video.paused && buffer.buffered.length) video.play().catch((e) => window.errors.push(String(e))); });
        buffer.addEventListener('error', () => window.errors.push('SourceBuffer error'));
      } else { queue.push(segment); pump(); }
    }
    pending = joined.slice(at);
  }
  window.done = true;
})().catch((e) => window.errors.push(String(e)));
</script>`;

// --example: the page is examples/live.html with examples/live.ts bundled (kvs-clip from dist/), which
// reads the capture itself (?url=/feed, the raw Matroska at real time) and remuxes it in the browser.
const exampleScript = example
  ? (
      await build({
        entryPoints: [resolve(import.meta.dirname, '..', 'examples', 'live.ts')],
        bundle: true,
        format: 'esm',
        write: false,
        alias: { 'kvs-clip': resolve(import.meta.dirname, '..', 'dist', 'index.js') },
        external: ['@aws-sdk/*'],
        logLevel: 'silent',
      })
    ).outputFiles[0].contents
  : null;
let feedStartedEpochMs = 0;

const server = createServer(async (req, res) => {
  if (example && req.url === '/live.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(exampleScript);
  if (example && req.url === '/feed') {
    res.writeHead(200, { 'content-type': 'video/x-matroska' });
    feedStartedEpochMs = Date.now();
    for await (const bytes of realTime()) res.write(bytes);
    return void res.end();
  }
  if (example && req.url.startsWith('/live.html')) {
    return void res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(readFileSync(resolve(import.meta.dirname, '..', 'examples', 'live.html')));
  }
  if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  if (req.url !== '/stream') return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const frame = (bytes) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(bytes.byteLength);
    res.write(Buffer.concat([head, bytes]));
  };
  let first = true;
  for await (const segment of api.fragmentedMp4(realTime(), { lowLatency: !normal })) {
    if (first) frame(Buffer.from(segment.mimeType));
    first = false;
    frame(segment.data);
  }
  res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
});
const tab = await browser.newPage();
let delays;
let errors;
if (example) {
  const pageErrors = [];
  tab.on('pageerror', (error) => pageErrors.push(error.message));
  await tab.goto(`http://127.0.0.1:${server.address().port}/live.html?url=/feed`);
  // Per presented frame: its wall-clock time (epoch ms) and media time, until the video ends.
  const presented = await tab.evaluate(
    (timeoutMs) =>
      new Promise((done) => {
        const video = document.querySelector('video');
        const seen = [];
        const onFrame = (_now, meta) => {
          seen.push([performance.timeOrigin + performance.now(), meta.mediaTime * 1000]);
          video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
        video.addEventListener('ended', () => done(seen), { once: true });
        setTimeout(() => done(seen), timeoutMs);
      }),
    mediaMs + 30_000,
  );
  delays = presented.map(([wallMs, frameMs]) => wallMs - feedStartedEpochMs - frameMs);
  errors = [...pageErrors, ...(await tab.evaluate(() => document.body.innerText.match(/\w*(Exception|Error)\b.*/g) ?? []))];
} else {
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => window.done, null, { timeout: mediaMs + 30_000, polling: 100 });
  await tab.waitForTimeout(1500); // the last frames on screen
  ({ delays, errors } = await tab.evaluate(() => ({ delays: window.delays, errors: window.errors })));
}
await browser.close();
server.close();
const sorted = [...delays].sort((a, b) => a - b);
const q = (p) => +sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);
console.log(
  JSON.stringify({
    file,
    mode: example ? 'examples/live.html (lowLatency in the page)' : normal ? 'normal' : 'lowLatency',
    mediaSeconds: +(mediaMs / 1000).toFixed(2),
    framesPresented: delays.length,
    errors,
    behindLiveEdgeMs: sorted.length ? { median: q(0.5), p99: q(0.99), max: +sorted.at(-1).toFixed(1) } : null,
  }),
);
