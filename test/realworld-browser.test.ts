/**
 * Real-world Matroska in headless Chromium (the shared MSE harness, one browser for the file): AAC
 * whose channels a program_config_element declares (channelConfiguration 0) does not play in Chromium — which its MP4 parser refuses
 * outright (docs/codecs.md#aac-with-a-program-config-element) — so kvs-clip copies it unchanged
 * (ffmpeg decodes it to the same samples) and says so with a 'not-browser-playable' warning.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clip, dashPackage, fragmentedMp4, hlsPackage, InvalidCodecPrivateDataException, type Mp4Segment } from '../src/index.js';
import { concatBytes } from '../src/bytes.js';
import { hasChromium, openMsePage, type MsePage } from './support/browser-mse.js';
import { hasFfmpeg, tempFile } from './support/oracle-ffmpeg.js';
import { FIXTURES } from './support/mp4-input.js';
import { joinedStream, RESIZED } from './support/realworld.js';

const REALWORLD = `${FIXTURES}/realworld`;
const fixture = (name: string) => new Uint8Array(readFileSync(`${REALWORLD}/${name}`));

async function segmentsOf(input: Uint8Array, warnings: string[]): Promise<Mp4Segment[]> {
  const segments: Mp4Segment[] = [];
  for await (const segment of fragmentedMp4(input, { onWarning: (w) => warnings.push(`${w.code}: ${w.message}`) })) segments.push(segment);
  return segments;
}

/** The MD5 of each decoded audio frame, as ffmpeg's framemd5 prints it (times left out). */
function decodedAudio(file: string): string[] {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-map', '0:a', '-f', 'framemd5', '-'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)!.trim());
}

describe.skipIf(!hasChromium)('real-world Matroska in headless Chromium', () => {
  let browser: MsePage;
  beforeAll(async () => {
    browser = await openMsePage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(['quad', '5.1'])(
    'AAC %s with a program_config_element: copied unchanged, warned about, refused by Chromium',
    async (layout) => {
      const input = fixture(`h264-aac-pce-${layout}.mkv`);
      const warnings: string[] = [];
      const segments = await segmentsOf(input, warnings);
      expect(warnings.length).toBe(1);
      expect(warnings[0]).toMatch(/^not-browser-playable: AAC track 2 declares its \d channels with a program_config_element/);
      // What the warning says is so: Chromium refuses the init segment.
      const result = await browser.play({
        urls: browser.serve(
          `pce-${layout}`,
          segments.map((s) => s.data),
        ),
        mime: segments[0].mimeType,
        element: 'video',
        timeoutMs: 20_000,
      });
      expect(result.supported).toBe(true);
      expect(result.error).toMatch(/SourceBuffer error appending .*\/0$/);
      // The flat clip's audio decodes (ffmpeg) to the input's samples.
      if (hasFfmpeg) {
        const flat = await clip(input);
        expect(decodedAudio(tempFile(`pce-${layout}.mp4`, flat.Payload.bytes()))).toEqual(
          decodedAudio(`${REALWORLD}/h264-aac-pce-${layout}.mkv`),
        );
      }
    },
    30_000,
  );

  it('a video configuration that changes: a new init segment before its first media segment, and Chromium plays through', async () => {
    const { bytes, videoFrames } = await joinedStream(RESIZED);
    const warnings: string[] = [];
    const segments = await segmentsOf(bytes, warnings);
    expect(warnings).toEqual([]);
    const inits = segments.flatMap((s, i) => (s.type === 'init' ? [i] : []));
    expect(inits.length).toBe(2);
    expect(inits[0]).toBe(0);
    // The media segments after the second init carry its mimeType.
    for (const s of segments.slice(inits[1])) expect(s.mimeType).toBe(segments[inits[1]].mimeType);
    const result = await browser.play({
      urls: browser.serve(
        'resized',
        segments.map((s) => s.data),
      ),
      mime: segments[0].mimeType,
      element: 'video',
      timeoutMs: 20_000,
    });
    expect(result.error).toBeNull();
    expect(result.ended).toBe(true);
    expect(result.totalVideoFrames).toBe(videoFrames);
    expect(result.corruptedVideoFrames).toBe(0);
    expect(result.buffered.length).toBe(1);

    // The HLS package of it: hls.js crosses the EXT-X-DISCONTINUITY + EXT-X-MAP and plays every frame.
    const files: [string, Uint8Array][] = [];
    for await (const file of hlsPackage(bytes)) files.push([file.path, concatBytes(file.chunks, file.byteLength)]);
    expect(files.filter(([path]) => path.startsWith('init')).length).toBe(2);
    const hls = await browser.playHls(`${browser.serveFolder('resized-hls', files)}index.m3u8`, 20_000);
    expect(hls.fatal).toBeNull();
    expect(hls.ended).toBe(true);
    expect(hls.frames).toBe(videoFrames);
    expect(hls.corruptedFrames).toBe(0);

    // The DASH package of it: dash.js crosses into the second Period (its own init segments) and plays every frame.
    const dashFiles: [string, Uint8Array][] = [];
    for await (const file of dashPackage(bytes)) dashFiles.push([file.path, concatBytes(file.chunks, file.byteLength)]);
    expect(dashFiles.filter(([path]) => path.endsWith('init.mp4')).map(([path]) => path)).toEqual([
      'video/init.mp4',
      'audio/init.mp4',
      'period-2/video/init.mp4',
      'period-2/audio/init.mp4',
    ]);
    const dash = await browser.playDash(`${browser.serveFolder('resized-dash', dashFiles)}manifest.mpd`, 20_000);
    expect(dash.fatal).toBeNull();
    expect(dash.ended).toBe(true);
    // None skipped (bounded, not equal: see test/package-players.test.ts).
    expect(dash.frames).toBeGreaterThanOrEqual(videoFrames);
    expect(dash.frames).toBeLessThanOrEqual(videoFrames + 30);
    expect(dash.corruptedFrames).toBe(0);

    // GetClip refuses the change (the flat clip's stsd entries: test/realworld-config-change.test.ts).
    await expect(
      (async () => {
        for await (const s of fragmentedMp4(bytes, { strict: 'getclip' })) void s;
      })(),
    ).rejects.toBeInstanceOf(InvalidCodecPrivateDataException);
  }, 40_000);
});
