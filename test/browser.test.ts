/**
 * A real browser as the oracle: headless Chromium (the system's /usr/bin/chromium, driven by
 * playwright-core with a fresh profile) appends our fragmented MP4 through Media Source Extensions
 * and plays it to the end. Passing means: no media or SourceBuffer error, every video frame decoded
 * (getVideoPlaybackQuality().totalVideoFrames equals the clip's frame count), and one buffered range
 * covering the clip. Served from a local http server on 127.0.0.1; nothing is downloaded.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../src/bytes.js';
import { createFragmentedMuxer } from '../src/mp4/index.js';
import type { Mp4SegmentChunks } from '../src/api/types.js';
import { checkedFragments, FIXTURES, hasSamples, SAMPLES } from './support/mp4-input.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED: ${CHROMIUM} not found; the MSE playback tests do not run`);

interface PlaybackResult {
  supported: boolean;
  error: string | null;
  ended: boolean;
  duration: number;
  buffered: [number, number][];
  totalVideoFrames: number;
  droppedVideoFrames: number;
  corruptedVideoFrames: number;
  currentTime: number;
}

/** Runs in the page: MSE append of every segment, then muted playback to the end. */
async function playInPage({ urls, mime, timeoutMs }: { urls: string[]; mime: string; timeoutMs: number }): Promise<PlaybackResult> {
  const result: PlaybackResult = {
    supported: MediaSource.isTypeSupported(mime),
    error: null,
    ended: false,
    duration: NaN,
    buffered: [],
    totalVideoFrames: 0,
    droppedVideoFrames: 0,
    corruptedVideoFrames: 0,
    currentTime: 0,
  };
  if (!result.supported) return result;
  const video = document.createElement('video');
  video.muted = true;
  document.body.appendChild(video);
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  try {
    await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
    const buffer = source.addSourceBuffer(mime);
    for (const url of urls) {
      const data = await (await fetch(url)).arrayBuffer();
      await new Promise<void>((resolve, reject) => {
        buffer.addEventListener('updateend', () => resolve(), { once: true });
        buffer.addEventListener('error', () => reject(new Error(`SourceBuffer error appending ${url}`)), { once: true });
        buffer.appendBuffer(data);
      });
      if (video.error) throw new Error(`media error after ${url}: ${video.error.code} ${video.error.message}`);
    }
    source.endOfStream();
    await video.play();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ended after ${timeoutMs} ms at ${video.currentTime}`)), timeoutMs);
      video.addEventListener('ended', () => (clearTimeout(timer), resolve()), { once: true });
      video.addEventListener(
        'error',
        () => (clearTimeout(timer), reject(new Error(`media error ${video.error?.code} ${video.error?.message}`))),
        { once: true },
      );
    });
    result.ended = true;
  } catch (e) {
    result.error = String(e);
  }
  const q = video.getVideoPlaybackQuality();
  result.totalVideoFrames = q.totalVideoFrames;
  result.droppedVideoFrames = q.droppedVideoFrames;
  result.corruptedVideoFrames = q.corruptedVideoFrames ?? 0;
  result.duration = source.duration;
  result.currentTime = video.currentTime;
  for (let i = 0; i < video.buffered.length; i++) result.buffered.push([video.buffered.start(i), video.buffered.end(i)]);
  return result;
}

const cases = [
  { name: 'H.264 + AAC', path: join(FIXTURES, 'h264-aac.mkv') },
  { name: 'H.264 with B-frames + AAC (edit list for the reorder delay)', path: join(FIXTURES, 'h264-bframes-aac.mkv') },
  { name: 'H.264 + laced AAC', path: join(FIXTURES, 'h264-aac-laced.mkv') },
  { name: 'H.265 with B-frames + AAC', path: join(FIXTURES, 'hevc-bframes-aac.mkv'), optional: true },
  ...(hasSamples ? [{ name: 'KVS GetMedia sample (5 fragments)', path: join(SAMPLES, 'output_get_media.mkv') }] : []),
];

describe.skipIf(!hasChromium)('MSE playback in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base = '';
  const files = new Map<string, Uint8Array>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>kvs-clip MSE</title><body></body>');
      } else if (body) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    page = await browser.newPage();
    await page.goto(`${base}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  for (const c of cases) {
    it(
      c.name,
      async (ctx) => {
        const { fragments } = await checkedFragments(c.path);
        const mux = createFragmentedMuxer();
        const segments: Mp4SegmentChunks[] = [...fragments.flatMap((f) => mux.push(f)), ...mux.end()];
        const key = c.path.split('/').pop()!;
        const urls = segments.map((s, i) => {
          const url = `/${key}/${i}`;
          files.set(url, concatBytes(s.chunks, s.byteLength));
          return base + url;
        });
        const videoFrames = fragments.reduce((n, f) => n + f.frames.filter((x) => x.track === f.configs[0].trackNumber).length, 0);
        const mime = segments[0].mimeType;
        const result = await page.evaluate(playInPage, { urls, mime, timeoutMs: 60_000 });
        console.log(`${c.name}: ${mime} supported=${result.supported}`, JSON.stringify({ ...result, videoFrames }));
        if (!result.supported && c.optional) {
          console.warn(`SKIPPED: this Chromium does not support ${mime} in MSE`);
          ctx.skip();
        }
        expect(result.supported).toBe(true);
        expect(result.error).toBeNull();
        expect(result.ended).toBe(true);
        expect(result.totalVideoFrames).toBe(videoFrames);
        expect(result.corruptedVideoFrames).toBe(0);
        expect(result.buffered.length).toBe(1);
        const [start, end] = result.buffered[0];
        expect(start).toBeLessThanOrEqual(0.05);
        expect(end).toBeCloseTo(result.duration, 2);
        expect(result.currentTime).toBeCloseTo(result.duration, 1);
      },
      90_000,
    );
  }
});
