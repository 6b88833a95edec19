/**
 * G.711 streams with `audio: 'flac'` play in a browser: headless Chromium appends kvs-clip's
 * fragmented MP4 through Media Source Extensions (test/support/browser-mse.ts) and plays it to the
 * end. With video, every video frame is decoded; in every case Chromium's audio decoder consumes
 * every byte of the FLAC track (webkitAudioDecodedByteCount equals the FLAC payload kvs-clip wrote,
 * as mp4box.js, an independent parser, counts it), with no media or SourceBuffer error. (mp4box.js
 * warns that it over-reads 'dfLa': its parser loops while the last-metadata-block flag is set, the
 * opposite of Xiph's FLAC-in-ISOBMFF encapsulation; the samples it lists are unaffected.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fragmentedMp4, readFragments } from '../src/index.js';
import { cameraStream } from './support/audio-streams.js';
import { hasChromium, openMsePage, type MsePage } from './support/browser-mse.js';
import { haveSamples } from './support/codecs-samples.js';
import { FIXTURES } from './support/mp4-input.js';
import { parseMp4 } from './support/oracle-mp4box.js';

if (!hasChromium) console.warn('SKIPPED: /usr/bin/chromium not found; the MSE playback tests of FLAC audio do not run');
if (!haveSamples) console.warn('SKIPPED: audio-only MSE playback from the real producer-c G.711 frames (../shared/kvs-samples is absent)');

interface PlaybackCase {
  name: string;
  input: () => Uint8Array;
  element: 'video' | 'audio';
}

const CASES: PlaybackCase[] = [
  {
    name: 'fixtures/kvs-h264-alaw.mkv: H.264 + A-law',
    input: () => new Uint8Array(readFileSync(join(FIXTURES, 'kvs-h264-alaw.mkv'))),
    element: 'video',
  },
  {
    name: 'fixtures/kvs-h264-ulaw.mkv: H.264 + µ-law',
    input: () => new Uint8Array(readFileSync(join(FIXTURES, 'kvs-h264-ulaw.mkv'))),
    element: 'video',
  },
  ...(haveSamples
    ? ([
        {
          name: 'producer-c A-law frames alone (<audio>)',
          input: () => cameraStream('alaw', { video: false, fragments: 2 }),
          element: 'audio',
        },
        {
          name: 'producer-c µ-law frames alone (<audio>)',
          input: () => cameraStream('ulaw', { video: false, fragments: 2 }),
          element: 'audio',
        },
      ] satisfies PlaybackCase[])
    : []),
];

describe.skipIf(!hasChromium)("MSE playback of audio: 'flac' output in headless Chromium", () => {
  let browser: MsePage;
  beforeAll(async () => {
    browser = await openMsePage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const [index, c] of CASES.entries()) {
    it(
      c.name,
      async () => {
        const input = c.input();
        const segments = [];
        for await (const segment of fragmentedMp4(input, { audio: 'flac' })) segments.push(segment);
        const mime = segments[0].mimeType;
        expect(mime).toMatch(c.element === 'video' ? /^video\/mp4; codecs="avc1\.[0-9a-f]{6},flac"$/ : /^audio\/mp4; codecs="flac"$/);

        const fmp4 = parseMp4(Buffer.concat(segments.map((s) => s.data)));
        const flacTrack = fmp4.tracks.find((t) => t.type === 'audio')!;
        const flacBytes = flacTrack.samples.reduce((n, s) => n + s.data.length, 0);
        let videoFrames = 0;
        for await (const fragment of readFragments(input))
          videoFrames += fragment.frames.filter((f) => fragment.tracks.find((t) => t.number === f.track)?.type === 'video').length;

        const urls = browser.serve(
          `case-${index}`,
          segments.map((s) => s.data),
        );
        const result = await browser.play({ urls, mime, element: c.element, timeoutMs: 20_000 });
        console.log(`${c.name}: ${mime}`, JSON.stringify({ ...result, flacBytes, videoFrames }));
        expect(result.supported).toBe(true);
        expect(result.error).toBeNull();
        expect(result.ended).toBe(true);
        expect(flacBytes).toBeGreaterThan(0);
        expect(result.audioDecodedBytes).toBe(flacBytes);
        expect(result.totalVideoFrames).toBe(videoFrames);
        expect(result.corruptedVideoFrames).toBe(0);
        expect(result.buffered.length).toBe(1);
        const [start, end] = result.buffered[0];
        expect(start).toBeLessThanOrEqual(0.05);
        expect(end).toBeCloseTo(result.duration, 2);
        expect(result.currentTime).toBeCloseTo(result.duration, 1);
      },
      30_000,
    );
  }
});
