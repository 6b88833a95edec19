/**
 * GetHLSStreamingSessionURL / GetDASHStreamingSessionURL on kvs-clip/server, asked through the AWS
 * SDK v3: the playlists and segments the session URL points to, the options of the model, the
 * errors; and hls.js (a player nobody here wrote) playing the session URL to the end in headless
 * Chromium (the shared harness, test/support/browser-mse.ts).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as archived from '@aws-sdk/client-kinesis-video-archived-media';
import { readFragments } from '../src/mkv/index.js';
import type { MkvFragment } from '../src/mkv/types.js';
import { createKvsServer, type KvsServer } from '../src/server/index.js';
import { hasChromium, openMsePage } from './support/browser-mse.js';

if (!hasChromium) console.warn('SKIPPED hls.js playing a session URL: /usr/bin/chromium is absent');

const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 };
const capturePath = 'fixtures/kvs-h264-aac.mkv';

let dir: string;
let server: KvsServer;
let client: archived.KinesisVideoArchivedMediaClient;
let stored: MkvFragment[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kvs-serve-hls-'));
  copyFileSync(capturePath, join(dir, 'cam.mkv'));
  server = createKvsServer({ dir });
  client = new archived.KinesisVideoArchivedMediaClient({ ...config, endpoint: await server.start() });
  stored = [];
  for await (const fragment of readFragments(new Uint8Array(readFileSync(capturePath)))) stored.push(fragment);
});

afterAll(async () => {
  client.destroy();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const whole = () => ({
  FragmentSelectorType: 'PRODUCER_TIMESTAMP' as const,
  TimestampRange: {
    StartTimestamp: new Date(stored[0].producerTimestamp!),
    EndTimestamp: new Date(stored[stored.length - 1].producerTimestamp!),
  },
});

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return response.text();
}

describe('HLS and DASH sessions', () => {
  it('ON_DEMAND: a playlist of every fragment in the range, with PROGRAM-DATE-TIME when asked, and segments that load', async () => {
    const { HLSStreamingSessionURL: url } = await client.send(
      new archived.GetHLSStreamingSessionURLCommand({
        StreamName: 'cam',
        PlaybackMode: 'ON_DEMAND',
        HLSFragmentSelector: whole(),
        DisplayFragmentTimestamp: 'ALWAYS',
        DiscontinuityMode: 'ON_DISCONTINUITY',
      }),
    );
    const playlist = await text(url!);
    const dates = playlist.split('\n').filter((line) => line.startsWith('#EXT-X-PROGRAM-DATE-TIME:'));
    expect(dates.map((line) => Date.parse(line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length)))).toEqual(stored.map((f) => f.producerTimestamp));
    expect(playlist).toContain('#EXT-X-ENDLIST');
    const uris = playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1];
    for (const uri of [...uris, map!]) {
      const response = await fetch(new URL(uri, url));
      expect(response.status, uri).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect(uris).toHaveLength(stored.length);

    const plain = await client.send(
      new archived.GetHLSStreamingSessionURLCommand({ StreamName: 'cam', PlaybackMode: 'ON_DEMAND', HLSFragmentSelector: whole() }),
    );
    expect(await text(plain.HLSStreamingSessionURL!)).not.toContain('#EXT-X-PROGRAM-DATE-TIME');
    // LIVE_REPLAY from the third fragment on, no end.
    const replay = await client.send(
      new archived.GetHLSStreamingSessionURLCommand({
        StreamName: 'cam',
        PlaybackMode: 'LIVE_REPLAY',
        DisplayFragmentTimestamp: 'ALWAYS',
        HLSFragmentSelector: {
          FragmentSelectorType: 'SERVER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(stored[2].serverTimestamp!) },
        },
      }),
    );
    const replayed = (await text(replay.HLSStreamingSessionURL!))
      .split('\n')
      .filter((line) => line.startsWith('#EXT-X-PROGRAM-DATE-TIME:'));
    expect(replayed.map((line) => Date.parse(line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length)))).toEqual(
      stored.slice(2).map((f) => f.serverTimestamp),
    );
  });

  it('DASH: a manifest whose files load', async () => {
    const { DASHStreamingSessionURL: url } = await client.send(
      new archived.GetDASHStreamingSessionURLCommand({ StreamName: 'cam', PlaybackMode: 'ON_DEMAND', DASHFragmentSelector: whole() }),
    );
    expect(url).toMatch(/\/manifest\.mpd$/);
    expect(await text(url!)).toContain('<MPD');
  });

  it('answers bad session requests with the service’s exceptions', async () => {
    const send = (input: archived.GetHLSStreamingSessionURLCommandInput) =>
      client.send(new archived.GetHLSStreamingSessionURLCommand(input)).catch((e: unknown) => e);
    expect(await send({ StreamName: 'cam', PlaybackMode: 'ON_DEMAND' })).toBeInstanceOf(archived.InvalidArgumentException);
    expect(
      await send({ StreamName: 'cam', PlaybackMode: 'ON_DEMAND', HLSFragmentSelector: whole(), ContainerFormat: 'MPEG_TS' }),
    ).toBeInstanceOf(archived.InvalidArgumentException);
    expect(await send({ StreamName: 'cam', PlaybackMode: 'ON_DEMAND', HLSFragmentSelector: whole(), Expires: 10 })).toBeInstanceOf(
      archived.InvalidArgumentException,
    );
    const later = new Date(stored[stored.length - 1].producerTimestamp! + 60_000);
    expect(
      await send({
        StreamName: 'cam',
        PlaybackMode: 'ON_DEMAND',
        HLSFragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: { StartTimestamp: later, EndTimestamp: new Date(later.getTime() + 1000) },
        },
      }),
    ).toBeInstanceOf(archived.ResourceNotFoundException);
    expect(await send({ StreamName: 'nope' })).toBeInstanceOf(archived.ResourceNotFoundException);
    const { HLSStreamingSessionURL: url } = await client.send(new archived.GetHLSStreamingSessionURLCommand({ StreamName: 'cam' }));
    for (const bad of ['../../cam.mkv', 'index.m3u8x', '%2e%2e/cam.mkv'])
      expect(await fetch(new URL(bad, url)).then((r) => r.status)).toBe(404);
    expect((await fetch(url!.replace(/[0-9a-f]{32}/, '0'.repeat(32)))).status).toBe(404);
  });

  it.skipIf(!hasChromium)(
    'hls.js plays the session URL to the end in Chromium',
    async () => {
      const { HLSStreamingSessionURL: url } = await client.send(
        new archived.GetHLSStreamingSessionURLCommand({ StreamName: 'cam', PlaybackMode: 'ON_DEMAND', HLSFragmentSelector: whole() }),
      );
      const browser = await openMsePage();
      try {
        const result = await browser.playHls(url!, 20_000);
        expect(result.fatal).toBeNull();
        expect(result.ended).toBe(true);
        const frames = stored.reduce((n, f) => n + f.frames.filter((frame) => frame.track === 1).length, 0);
        expect(result.frames).toBeGreaterThan(frames * 0.9);
        expect(result.currentTime).toBeCloseTo(result.duration, 1);
      } finally {
        await browser.close();
      }
    },
    40_000,
  );
});
