/**
 * The point of FLAC here: G.711 that a browser plays. Headless Chromium (the system's
 * /usr/bin/chromium through playwright-core, as in test/browser.test.ts) gets our FLAC frames in a
 * fragmented MP4 (test/support/flac-mp4.ts, one FLAC frame per KVS frame, `dfLa` from
 * dfLaPayload(declaredStreamInfo())), and
 * - MSE accepts `audio/mp4; codecs="flac"`, buffers the whole duration and plays it to the end;
 * - Web Audio's decodeAudioData of the same bytes, in an OfflineAudioContext at the track's rate
 *   (no resampling), gives back every expanded G.711 sample exactly, as the float Chromium makes of a
 *   16-bit sample (v / 32767 for v > 0, v / 32768 otherwise; exact integers after undoing it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dfLaPayload, expandG711, FlacEncoder } from '../src/audio/index.js';
import { flacInitSegment, flacMediaSegment } from './support/flac-mp4.js';
import { compressG711 } from './support/g711-encode.js';
import { speechLikeSignal } from './support/speech-signal.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED: ${CHROMIUM} not found; FLAC-in-MP4 is not played in a browser`);

const FRAMES = fileURLToPath(new URL('../../shared/kvs-samples/frames/alaw/producer-c', import.meta.url));

interface BrowserResult {
  supported: boolean;
  error: string | null;
  ended: boolean;
  duration: number;
  buffered: [number, number][];
  decodedRate: number;
  decodedChannels: number;
  decodedLength: number;
  mismatches: number;
  firstMismatch: string | null;
}

/** Runs in the page. */
async function playAndDecode({
  urls,
  mime,
  expected,
  rate,
  timeoutMs,
}: {
  urls: string[];
  mime: string;
  expected: number[][];
  rate: number;
  timeoutMs: number;
}): Promise<BrowserResult> {
  const r: BrowserResult = {
    supported: MediaSource.isTypeSupported(mime),
    error: null,
    ended: false,
    duration: NaN,
    buffered: [],
    decodedRate: 0,
    decodedChannels: 0,
    decodedLength: 0,
    mismatches: -1,
    firstMismatch: null,
  };
  const parts = await Promise.all(urls.map(async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer())));
  if (r.supported) {
    const audio = document.createElement('audio');
    audio.muted = true;
    document.body.appendChild(audio);
    const source = new MediaSource();
    audio.src = URL.createObjectURL(source);
    try {
      await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
      const buffer = source.addSourceBuffer(mime);
      for (const part of parts) {
        await new Promise<void>((resolve, reject) => {
          buffer.addEventListener('updateend', () => resolve(), { once: true });
          buffer.addEventListener('error', () => reject(new Error('SourceBuffer error')), { once: true });
          buffer.appendBuffer(part);
        });
      }
      source.endOfStream();
      r.duration = audio.duration;
      for (let i = 0; i < audio.buffered.length; i++) r.buffered.push([audio.buffered.start(i), audio.buffered.end(i)]);
      audio.playbackRate = 4;
      await audio.play();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ended after ${timeoutMs} ms at ${audio.currentTime}`)), timeoutMs);
        audio.addEventListener('ended', () => (clearTimeout(timer), resolve()), { once: true });
        audio.addEventListener(
          'error',
          () => (clearTimeout(timer), reject(new Error(`media error ${audio.error?.code} ${audio.error?.message}`))),
          { once: true },
        );
      });
      r.ended = true;
    } catch (e) {
      r.error = String(e);
    }
  }
  // decodeAudioData of the whole fragmented file, without resampling.
  const file = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    file.set(p, at);
    at += p.length;
  }
  try {
    const context = new OfflineAudioContext(expected.length, 1, rate);
    const decoded = await context.decodeAudioData(file.buffer);
    r.decodedRate = decoded.sampleRate;
    r.decodedChannels = decoded.numberOfChannels;
    r.decodedLength = decoded.length;
    r.mismatches = 0;
    for (let c = 0; c < decoded.numberOfChannels; c++) {
      const data = decoded.getChannelData(c);
      for (let i = 0; i < Math.max(data.length, expected[c].length); i++) {
        // Chromium turns 16-bit samples into floats asymmetrically: v / 32767 above 0, v / 32768 below.
        const v = expected[c][i];
        if (data[i] !== Math.fround(v > 0 ? v / 32767 : v / 32768)) {
          if (r.mismatches === 0) r.firstMismatch = `channel ${c} sample ${i}: ${data[i]} for ${v}`;
          r.mismatches++;
        }
      }
    }
  } catch (e) {
    r.error = `${r.error ?? ''} decodeAudioData: ${String(e)}`;
  }
  return r;
}

describe.skipIf(!hasChromium)('FLAC in MP4 in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let base = '';
  const files = new Map<string, Uint8Array>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      if (req.url === '/')
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>kvs-clip FLAC</title><body></body>');
      else if (body) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      else res.writeHead(404).end();
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

  const speech = compressG711('alaw', speechLikeSignal(8, 8000, 5));
  const cases: { name: string; law: 'alaw' | 'ulaw'; bytes: Uint8Array; channels: number; frameSamples: number[] }[] = [
    {
      name: 'speech-like A-law, 8 kHz mono, 160-sample frames plus odd ones',
      law: 'alaw',
      bytes: speech,
      channels: 1,
      frameSamples: [160, 160, 160, 320, 80, 1, 160],
    },
    {
      name: 'µ-law stereo (interleaved bytes), 8 kHz, 160-sample frames',
      law: 'ulaw',
      bytes: compressG711('ulaw', speechLikeSignal(4, 8000, 6)),
      channels: 2,
      frameSamples: [160],
    },
  ];
  if (existsSync(FRAMES)) {
    const frames = readdirSync(FRAMES)
      .sort()
      .map((f) => readFileSync(join(FRAMES, f)));
    cases.push({
      name: `real KVS A-law capture (producer-c, ${frames.length} frames of 160 samples)`,
      law: 'alaw',
      bytes: new Uint8Array(Buffer.concat(frames)),
      channels: 1,
      frameSamples: [160],
    });
  }

  for (const c of cases) {
    it(
      c.name,
      async () => {
        const enc = new FlacEncoder({ sampleRate: 8000, channels: c.channels });
        const frames: Uint8Array[] = [];
        const durations: number[] = [];
        const total = Math.floor(c.bytes.length / c.channels);
        for (let at = 0, k = 0; at < total; k++) {
          const n = Math.min(c.frameSamples[k % c.frameSamples.length], total - at);
          frames.push(enc.encodeG711(c.law, c.bytes.subarray(at * c.channels, (at + n) * c.channels)));
          durations.push(n);
          at += n;
        }
        const used = durations.reduce((s, d) => s + d, 0);
        const pcm = expandG711(c.law, c.bytes.subarray(0, used * c.channels));
        const expected = Array.from({ length: c.channels }, (_, ch) => Array.from({ length: used }, (_, i) => pcm[i * c.channels + ch]));
        const init = flacInitSegment({
          sampleRate: 8000,
          channels: c.channels,
          bitsPerSample: 16,
          dfLa: dfLaPayload(enc.declaredStreamInfo()),
        });
        // Two media segments, as a KVS fragment stream would give.
        const half = frames.length >> 1;
        const firstDuration = durations.slice(0, half).reduce((s, d) => s + d, 0);
        const key = c.name.replace(/[^a-z0-9]+/gi, '-');
        files.set(`/${key}/init`, init);
        files.set(`/${key}/1`, flacMediaSegment(1, 0, frames.slice(0, half), durations.slice(0, half)));
        files.set(`/${key}/2`, flacMediaSegment(2, firstDuration, frames.slice(half), durations.slice(half)));
        const urls = ['init', '1', '2'].map((s) => `${base}/${key}/${s}`);
        const r = await page.evaluate(playAndDecode, { urls, mime: 'audio/mp4; codecs="flac"', expected, rate: 8000, timeoutMs: 60_000 });
        console.log(`${c.name}:`, JSON.stringify({ ...r, seconds: used / 8000 }));
        expect(r.supported).toBe(true);
        expect(r.error).toBeNull();
        expect(r.buffered.length).toBe(1);
        expect(r.buffered[0][0]).toBeLessThanOrEqual(0.001);
        expect(r.buffered[0][1]).toBeCloseTo(used / 8000, 3);
        expect(r.ended).toBe(true);
        expect([r.decodedRate, r.decodedChannels, r.decodedLength]).toEqual([8000, c.channels, used]);
        expect(r.firstMismatch).toBeNull();
        expect(r.mismatches).toBe(0);
      },
      120_000,
    );
  }
});
