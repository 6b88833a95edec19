/**
 * examples/live.html as a user runs it: the page and examples/live.ts (bundled with esbuild, kvs-clip
 * from the sources) in headless Chromium, reading a KVS capture that a local server sends block by
 * block at real time, as GetMedia does from a live camera. kvs-clip runs in the page (lowLatency CMAF
 * chunks, G.711 to FLAC) and MSE plays. The oracle is the browser: what it presents, when, and the
 * wall-clock time the page shows for it, against the capture's producer timestamps.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFragments } from '../src/mkv/index.js';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from './support/browser-mse.js';
import { FIXTURES } from './support/mp4-input.js';

if (!hasChromium) console.warn(`SKIPPED: ${CHROMIUM} not found; examples/live.html is not run`);

const EXAMPLES = join(FIXTURES, '..', 'examples');
const CAPTURE = join(FIXTURES, 'kvs-h264-alaw.mkv');

interface Schedule {
  /** Where each block ends in the capture and when (ms after the first fragment) a live producer sent it. */
  blocks: { end: number; atMs: number }[];
  /** The first fragment's producer timestamp (epoch ms). */
  firstProducerMs: number;
  /** Each video frame's producer time, ms after the first fragment's. */
  videoMs: number[];
}

async function liveSchedule(input: Uint8Array): Promise<Schedule> {
  const blocks: Schedule['blocks'] = [];
  const videoMs: number[] = [];
  let first: number | undefined;
  for await (const fragment of readFragments(input)) {
    first ??= fragment.producerTimestamp!;
    const video = fragment.tracks.find((track) => track.type === 'video')!.number;
    const fragmentEnd = fragment.byteOffset + fragment.byteLength;
    const frames = [...fragment.frames].sort((a, b) => a.data.byteOffset - b.data.byteOffset);
    frames.forEach((frame, i) => {
      const atMs = fragment.producerTimestamp! - first! + (frame.timestamp - fragment.clusterTimecode!) * (fragment.timecodeScale / 1e6);
      if (frame.track === video) videoMs.push(atMs);
      // The fragment's closing Tags go out with its last block, as GetMedia sends them.
      const end = i + 1 === frames.length ? fragmentEnd : frame.data.byteOffset - input.byteOffset + frame.data.byteLength;
      blocks.push({ end, atMs });
    });
  }
  return { blocks, firstProducerMs: first!, videoMs };
}

/** The capture's video frame time nearest `ms`. */
const nearest = (times: number[], ms: number): number => times.reduce((best, t) => (Math.abs(t - ms) < Math.abs(best - ms) ? t : best));

describe.skipIf(!hasChromium)('examples/live.html in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let base: string;
  const input = new Uint8Array(readFileSync(CAPTURE));
  let schedule: Schedule;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(EXAMPLES, 'live.ts')],
      bundle: true,
      format: 'esm',
      write: false,
      alias: { 'kvs-clip': join(FIXTURES, '..', 'src', 'index.ts') },
      // The SDK is imported only for ?stream=; a ?url= page never loads it.
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0].contents;
    const html = readFileSync(join(EXAMPLES, 'live.html'));
    schedule = await liveSchedule(input);
    // The capture's blocks, each sent at its producer time from the request on.
    const feed = async (res: ServerResponse): Promise<void> => {
      res.writeHead(200, { 'content-type': 'video/x-matroska' });
      const feedStarted = performance.now();
      let from = 0;
      for (const block of schedule.blocks) {
        const wait = feedStarted + block.atMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        res.write(input.subarray(from, block.end));
        from = block.end;
      }
      res.end();
    };
    server = createServer((req, res) => {
      if (req.url!.startsWith('/live.html')) res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      else if (req.url === '/live.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else if (req.url === '/feed') void feed(res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('plays the live feed as it arrives, shows each frame’s producer time, and trims what is behind', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // keep=0.5: media more than 1 s behind the playhead is removed, so the trimming shows in a 3 s feed.
    await page.goto(`${base}/live.html?url=/feed&keep=0.5`);
    // Per presented frame: the clock the page shows. (How far behind the live edge the page plays is
    // measured by bench/live-browser.mjs --example, not asserted here.) Video frame callbacks run in
    // the order they were requested, each re-requesting the next frame's: requested once the page's
    // clock shows a time, the sampler's runs after the page's on every frame, so it reads the clock
    // of the same frame.
    await page.waitForFunction(() => !Number.isNaN(Date.parse(document.getElementById('clock')!.textContent ?? '')), null, {
      timeout: 30_000,
    });
    const samples = await page.evaluate(
      () =>
        new Promise<{ clock: string; mediaMs: number }[]>((resolve) => {
          const video = document.querySelector('video')!;
          const clock = document.getElementById('clock')!;
          const seen: { clock: string; mediaMs: number }[] = [];
          const onFrame = (_now: number, frame: VideoFrameCallbackMetadata) => {
            seen.push({ clock: clock.textContent ?? '', mediaMs: frame.mediaTime * 1000 });
            if (video.ended) resolve(seen);
            else video.requestVideoFrameCallback(onFrame);
          };
          video.requestVideoFrameCallback(onFrame);
          video.addEventListener('ended', () => resolve(seen), { once: true });
          setTimeout(() => resolve(seen), 30_000); // a 3 s feed: only a stalled page gets here
        }),
    );
    const state = await page.evaluate(() => {
      const video = document.querySelector('video')!;
      const b = video.buffered;
      return {
        text: document.body.innerText,
        currentTime: video.currentTime,
        bufferedStart: b.length > 0 ? b.start(0) : NaN,
        corruptedFrames: video.getVideoPlaybackQuality().corruptedVideoFrames,
        decodedFrames: video.getVideoPlaybackQuality().totalVideoFrames,
      };
    });
    await page.close();

    expect(pageErrors).toEqual([]);
    expect(state.text).not.toMatch(/Exception|Error/);
    expect(state.corruptedFrames).toBe(0);
    // The capture (3 fragments of 1 s, 25 fps) played to its last frame as it arrived, and the frames
    // presented are the ones after the page's jump to the live edge at start-up.
    expect(state.currentTime).toBeGreaterThanOrEqual(Math.max(...schedule.videoMs) / 1000);
    expect(samples.length).toBeGreaterThanOrEqual(10); // a busy machine presents fewer frames, never none

    // Each presented frame is at its producer time in the capture (kvs-clip's timeline), and the clock
    // shows that frame's producer time to the millisecond.
    const { firstProducerMs, videoMs } = schedule;
    for (const { clock, mediaMs } of samples) {
      expect(Math.abs(nearest(videoMs, mediaMs) - mediaMs)).toBeLessThan(1);
      expect(Math.abs(Date.parse(clock) - firstProducerMs - mediaMs)).toBeLessThanOrEqual(1);
    }

    // Bounded: what lay more than keep=0.5 s behind the playhead has been removed.
    expect(state.bufferedStart).toBeGreaterThan(1);
  }, 60_000);
});
