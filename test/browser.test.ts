/**
 * A real browser as the oracle: headless Chromium (the system's /usr/bin/chromium, driven by
 * playwright-core with a fresh profile) appends our fragmented MP4 through Media Source Extensions
 * and plays it to the end. Passing means: no media or SourceBuffer error, every video frame decoded
 * (getVideoPlaybackQuality().totalVideoFrames equals the clip's frame count), and one buffered range
 * covering the clip. Served from a local http server on 127.0.0.1; nothing is downloaded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../src/bytes.js';
import { createFragmentedMuxer } from '../src/mp4/index.js';
import type { Mp4SegmentChunks } from '../src/api/types.js';
import { fragmentedMp4 } from '../src/api/index.js';
import { readFragments } from '../src/mkv/index.js';
import { CHROMIUM, hasChromium, openMsePage, type MsePage } from './support/browser-mse.js';
import { checkedFragments, FIXTURES, hasSamples, SAMPLES } from './support/mp4-input.js';

if (!hasChromium) console.warn(`SKIPPED: ${CHROMIUM} not found; the MSE playback tests do not run`);

const cases = [
  { name: 'H.264 + AAC', path: join(FIXTURES, 'h264-aac.mkv') },
  { name: 'H.264 with B-frames + AAC (edit list for the reorder delay)', path: join(FIXTURES, 'h264-bframes-aac.mkv') },
  { name: 'H.264 + laced AAC', path: join(FIXTURES, 'h264-aac-laced.mkv') },
  // Issue 24.1: later GOPs reorder deeper than the first, so their decode times are pulled earlier.
  { name: 'H.264, no B-frames then a B-pyramid + AAC', path: join(FIXTURES, 'h264-deeper-reorder-aac.mkv') },
  { name: 'H.264 B-pyramid at 30, 15, then 10 fps + AAC', path: join(FIXTURES, 'h264-vfr-bframes-aac.mkv') },
  { name: 'H.265 with B-frames + AAC', path: join(FIXTURES, 'hevc-bframes-aac.mkv'), optional: true },
  ...(hasSamples ? [{ name: 'KVS GetMedia sample (5 fragments)', path: join(SAMPLES, 'output_get_media.mkv') }] : []),
];

describe.skipIf(!hasChromium)('MSE playback in headless Chromium', () => {
  let page: MsePage;

  beforeAll(async () => {
    page = await openMsePage();
  });

  afterAll(async () => {
    await page?.close();
  });

  for (const c of cases) {
    it(
      c.name,
      async (ctx) => {
        const { fragments } = await checkedFragments(c.path);
        const mux = createFragmentedMuxer();
        const segments: Mp4SegmentChunks[] = [...fragments.flatMap((f) => mux.push(f)), ...mux.end()];
        const urls = page.serve(
          c.path.split('/').pop()!,
          segments.map((s) => concatBytes(s.chunks, s.byteLength)),
        );
        const videoFrames = fragments.reduce((n, f) => n + f.frames.filter((x) => x.track === f.configs[0].trackNumber).length, 0);
        const mime = segments[0].mimeType;
        const result = await page.play({ urls, mime, element: 'video', timeoutMs: 60_000 });
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

  it('low-latency CMAF chunks (one per block) play as one continuous timeline', async () => {
    // The first two KVS fragments (2 s of playback): every block becomes a chunk of its own.
    const whole = new Uint8Array(readFileSync(join(FIXTURES, 'kvs-h264-aac.mkv')));
    const fragments = [];
    for await (const fragment of readFragments(whole)) if (fragments.push(fragment) === 2) break;
    const input = whole.subarray(0, fragments[1].byteOffset + fragments[1].byteLength);
    const segments = [];
    for await (const segment of fragmentedMp4(input, { lowLatency: true })) segments.push(segment);
    const videoFrames = fragments.reduce((n, f) => n + f.frames.filter((x) => x.track === 1).length, 0);
    expect(segments.length).toBeGreaterThan(videoFrames);
    const urls = page.serve(
      'low-latency',
      segments.map((s) => s.data),
    );
    const result = await page.play({ urls, mime: segments[0].mimeType, element: 'video', timeoutMs: 60_000 });
    expect(result.error).toBeNull();
    expect(result.ended).toBe(true);
    expect(result.totalVideoFrames).toBe(videoFrames);
    expect(result.corruptedVideoFrames).toBe(0);
    expect(result.buffered.length).toBe(1);
    expect(result.buffered[0][0]).toBeLessThanOrEqual(0.05);
    expect(result.buffered[0][1]).toBeCloseTo(result.duration, 2);
  });
});
