/**
 * examples/live.html as a user runs it: the page and examples/live.ts (bundled with esbuild, kvs-clip
 * from the sources, the AWS SDK for the browser) in headless Chromium, reading a KVS capture that a
 * local server sends block by block at real time, as GetMedia does from a live camera; and reading a
 * growing stream from `kvs-clip serve` through the SDK (GetDataEndpoint, then GetMedia from NOW). kvs-clip runs in the page (lowLatency CMAF
 * chunks, G.711 to FLAC) and MSE plays. The oracle is the browser: what it presents, when, and the
 * wall-clock time the page shows for it, against the capture's producer timestamps.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFragments } from '../src/mkv/index.js';
import { createKvsServer } from '../src/server/index.js';
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

/** What the page showed: a sample per presented frame, and the state at the end. */
interface PageRun {
  samples: { clock: string; mediaMs: number }[];
  state: { text: string; currentTime: number; bufferedStart: number; corruptedFrames: number };
  pageErrors: string[];
}

/**
 * Opens `url` and samples the clock the page shows, once per presented frame, until the video ends.
 * Video frame callbacks run in the order they were requested, each re-requesting the next frame's:
 * requested once the page's clock shows a time, the sampler's runs after the page's on every frame,
 * so it reads the clock of the same frame. `whileOpen` runs once the page is loading (a live source
 * that appends to what it serves).
 */
async function runPage(browser: Browser, url: string, whileOpen?: () => Promise<void>): Promise<PageRun> {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // The viewer's credentials, where examples/live.html reads them (any pair: kvs-clip serve checks none).
  await page.addInitScript(() =>
    sessionStorage.setItem('kvs-credentials', JSON.stringify({ accessKeyId: 'AKID', secretAccessKey: 'secret' })),
  );
  await page.goto(url);
  const feeding = whileOpen?.();
  await page.waitForFunction(() => !Number.isNaN(Date.parse(document.getElementById('clock')!.textContent ?? '')), null, {
    timeout: 30_000,
  });
  const samples = await page.evaluate(
    () =>
      new Promise<PageRun['samples']>((resolve) => {
        const video = document.querySelector('video')!;
        const clock = document.getElementById('clock')!;
        const seen: PageRun['samples'] = [];
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
  await feeding;
  const state = await page.evaluate(() => {
    const video = document.querySelector('video')!;
    const b = video.buffered;
    return {
      text: document.body.innerText,
      currentTime: video.currentTime,
      bufferedStart: b.length > 0 ? b.start(0) : NaN,
      corruptedFrames: video.getVideoPlaybackQuality().corruptedVideoFrames,
    };
  });
  await page.close();
  return { samples, state, pageErrors };
}

/**
 * The page played what `schedule` describes to its last frame, without an error, presenting at least
 * `minFrames`, and each presented frame sits at its producer time (kvs-clip's timeline) with the clock
 * showing that time to the ms.
 */
function expectPlayedWithProducerTimes(
  { samples, state, pageErrors }: PageRun,
  { firstProducerMs, videoMs }: Schedule,
  minFrames: number,
): void {
  expect(pageErrors).toEqual([]);
  expect(state.text).not.toMatch(/Exception|Error/);
  expect(state.corruptedFrames).toBe(0);
  expect(state.currentTime).toBeGreaterThanOrEqual(Math.max(...videoMs) / 1000);
  expect(samples.length).toBeGreaterThanOrEqual(minFrames);
  for (const { clock, mediaMs } of samples) {
    expect(Math.abs(nearest(videoMs, mediaMs) - mediaMs)).toBeLessThan(1);
    expect(Math.abs(Date.parse(clock) - firstProducerMs - mediaMs)).toBeLessThanOrEqual(1);
  }
}

describe.skipIf(!hasChromium)('examples/live.html in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let base: string;
  const input = new Uint8Array(readFileSync(CAPTURE));
  let schedule: Schedule;

  beforeAll(async () => {
    // examples/live.ts as a user bundles it: kvs-clip (here its sources) and the AWS SDK for the browser.
    const bundle = await build({
      entryPoints: [join(EXAMPLES, 'live.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      alias: { 'kvs-clip': join(FIXTURES, '..', 'src', 'index.ts') },
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

  it('plays a feed as it arrives, shows each frame’s producer time, and trims what is behind', async () => {
    // keep=0.5: media more than 1 s behind the playhead is removed, so the trimming shows in a 3 s feed.
    // (How far behind the live edge it plays is measured by bench/live-browser.mjs --example.)
    const run = await runPage(browser, `${base}/live.html?url=/feed&keep=0.5`);
    // Fed block by block, it plays on at the edge: at least 10 of its 75 frames, even on a busy machine.
    expectPlayedWithProducerTimes(run, schedule, 10);
    expect(run.state.bufferedStart).toBeGreaterThan(1);
  }, 60_000);

  it('plays a stream from kvs-clip serve through the AWS SDK in the page (GetDataEndpoint, GetMedia from NOW)', async () => {
    // A stream whose file grows a fragment a second, as a camera's does: GetMedia from NOW sends the
    // fragments appended after the request.
    const dir = mkdtempSync(join(tmpdir(), 'kvs-live-'));
    const file = join(dir, 'door.mkv');
    const ends: number[] = [];
    for await (const fragment of readFragments(input)) ends.push(fragment.byteOffset + fragment.byteLength);
    writeFileSync(file, input.subarray(0, ends[0]));
    const kvs = createKvsServer({ dir, pollMs: 50 });
    const endpoint = await kvs.start();
    try {
      const appendLive = async () => {
        while (kvs.calls.GetMedia === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        for (let i = 1; i < ends.length; i++) {
          await new Promise((resolve) => setTimeout(resolve, i === 1 ? 300 : 1000));
          appendFileSync(file, input.subarray(ends[i - 1], ends[i]));
        }
      };
      const url = `${base}/live.html?stream=door&region=us-east-1&endpoint=${encodeURIComponent(endpoint)}`;
      const run = await runPage(browser, url, appendLive);
      // What it played: the fragments after the first, from the second fragment's producer time on.
      // Each arrives whole (a second of media at once), and the page jumps to its edge each time, so
      // it presents only the last frames of each.
      expectPlayedWithProducerTimes(run, await liveSchedule(input.subarray(ends[0])), 2);
    } finally {
      await kvs.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
