/**
 * Headless Chromium as an MSE oracle: the system's /usr/bin/chromium driven by playwright-core (fresh
 * profile, nothing downloaded), one page served from 127.0.0.1 that appends MP4 segments to a
 * SourceBuffer of a <video> or <audio> element and plays them to the end. It reports what the media
 * element decoded: video frames (getVideoPlaybackQuality) and audio bytes (webkitAudioDecodedByteCount,
 * Chromium's count of the compressed audio bytes its decoder consumed).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export interface PlaybackRequest {
  urls: string[];
  mime: string;
  element: 'video' | 'audio';
  timeoutMs: number;
}

export interface PlaybackResult {
  supported: boolean;
  error: string | null;
  ended: boolean;
  duration: number;
  currentTime: number;
  buffered: [number, number][];
  totalVideoFrames: number;
  corruptedVideoFrames: number;
  audioDecodedBytes: number;
}

/** Runs in the page: MSE append of every segment, then muted playback to the end. Self-contained. */
async function playInPage({ urls, mime, element, timeoutMs }: PlaybackRequest): Promise<PlaybackResult> {
  const result: PlaybackResult = {
    supported: MediaSource.isTypeSupported(mime),
    error: null,
    ended: false,
    duration: NaN,
    currentTime: 0,
    buffered: [],
    totalVideoFrames: 0,
    corruptedVideoFrames: 0,
    audioDecodedBytes: 0,
  };
  if (!result.supported) return result;
  const media = document.createElement(element);
  media.muted = true;
  document.body.appendChild(media);
  const source = new MediaSource();
  media.src = URL.createObjectURL(source);
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
      if (media.error) throw new Error(`media error after ${url}: ${media.error.code} ${media.error.message}`);
    }
    source.endOfStream();
    await media.play();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ended after ${timeoutMs} ms at ${media.currentTime}`)), timeoutMs);
      media.addEventListener('ended', () => (clearTimeout(timer), resolve()), { once: true });
      media.addEventListener(
        'error',
        () => (clearTimeout(timer), reject(new Error(`media error ${media.error?.code} ${media.error?.message}`))),
        { once: true },
      );
    });
    result.ended = true;
  } catch (e) {
    result.error = String(e);
  }
  if (media instanceof HTMLVideoElement) {
    const quality = media.getVideoPlaybackQuality();
    result.totalVideoFrames = quality.totalVideoFrames;
    result.corruptedVideoFrames = quality.corruptedVideoFrames ?? 0;
  }
  result.audioDecodedBytes = (media as HTMLMediaElement & { webkitAudioDecodedByteCount: number }).webkitAudioDecodedByteCount;
  result.duration = source.duration;
  result.currentTime = media.currentTime;
  for (let i = 0; i < media.buffered.length; i++) result.buffered.push([media.buffered.start(i), media.buffered.end(i)]);
  return result;
}

/** What hls.js or dash.js made of a package in the page: played to the end or not, video frames decoded, its fatal error. */
export interface PlayerPlayback {
  ended: boolean;
  currentTime: number;
  duration: number;
  frames: number;
  corruptedFrames: number;
  fatal: string | null;
  /**
   * hls.js only: at the first `canplay`, the wall-clock time hls.js gives the playhead
   * (`hls.playingDate`, from EXT-X-PROGRAM-DATE-TIME, epoch ms) and the playhead's distance from the
   * first segment's start in seconds; null for dash.js or when hls.js gives no date.
   */
  start: { playingDateMs: number; fromFirstSegmentS: number } | null;
}

/**
 * Runs in the page: hls.js (`player` 'hls') or dash.js ('dash'), loaded beforehand, plays the package
 * at `url` muted at 16× (Chromium's highest) to the end. Self-contained (it is sent to the page).
 */
async function playPackageInPage({
  url,
  timeoutMs,
  player,
}: {
  url: string;
  timeoutMs: number;
  player: 'hls' | 'dash';
}): Promise<PlayerPlayback> {
  type HlsPlayer = {
    loadSource(u: string): void;
    attachMedia(m: HTMLMediaElement): void;
    on(e: string, f: (...a: unknown[]) => void): void;
    playingDate: Date | null;
    levels: { details?: { fragments: { start: number }[] } }[];
    destroy(): void;
  };
  type DashPlayer = {
    initialize(view: HTMLMediaElement, url: string, autoPlay: boolean): void;
    on(type: string, listener: (event: unknown) => void): void;
    reset(): void;
  };
  const video = document.createElement('video');
  video.muted = true;
  document.body.appendChild(video);
  let fatal: string | null = null;
  let onFatal = () => {};
  const failed = new Promise<void>((resolve) => (onFatal = resolve));
  let hls: HlsPlayer | null = null;
  let dash: DashPlayer | null = null;
  if (player === 'hls') {
    hls = new (window as unknown as { Hls: new () => HlsPlayer }).Hls();
    hls.on('hlsError', (_event, data) => {
      const error = data as { fatal: boolean; details: string };
      if (error.fatal) {
        fatal = error.details;
        onFatal();
      }
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  } else {
    dash = (window as unknown as { dashjs: { MediaPlayer: () => { create(): DashPlayer } } }).dashjs.MediaPlayer().create();
    dash.on('error', (event) => {
      const error = (event as { error?: { code?: number; message?: string } }).error;
      fatal = `${error?.code ?? ''} ${error?.message ?? 'error'}`;
      onFatal();
    });
    dash.initialize(video, url, false);
  }
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs));
  await Promise.race([new Promise((resolve) => video.addEventListener('canplay', resolve, { once: true })), failed, timeout]);
  const firstSegment = hls?.levels[0]?.details?.fragments[0];
  const start =
    hls?.playingDate && firstSegment
      ? { playingDateMs: hls.playingDate.getTime(), fromFirstSegmentS: video.currentTime - firstSegment.start }
      : null;
  if (fatal === null) {
    video.playbackRate = 16;
    await video.play();
    await Promise.race([new Promise((resolve) => video.addEventListener('ended', resolve, { once: true })), failed, timeout]);
  }
  const quality = video.getVideoPlaybackQuality();
  const result = {
    ended: video.ended,
    currentTime: video.currentTime,
    duration: video.duration,
    frames: quality.totalVideoFrames,
    corruptedFrames: quality.corruptedVideoFrames,
    fatal,
    start,
  };
  hls?.destroy();
  dash?.reset();
  video.remove();
  return result;
}

export interface MsePage {
  /** Serves each segment at a URL of its own under `name`; returns the URLs in order. */
  serve(name: string, segments: Uint8Array[]): string[];
  /** Serves a folder's files at `<base>/<name>/<path>` (relative URIs in a playlist resolve); returns that folder's URL. */
  serveFolder(name: string, files: Iterable<[path: string, data: Uint8Array]>): string;
  play(request: PlaybackRequest): Promise<PlaybackResult>;
  /** Plays an HLS playlist with hls.js (the npm dev dependency, loaded once) at 16× until it ends or `timeoutMs` passes. */
  playHls(url: string, timeoutMs: number): Promise<PlayerPlayback>;
  /** Plays a DASH manifest with dash.js (the npm dev dependency, loaded once) at 16× until it ends or `timeoutMs` passes. */
  playDash(url: string, timeoutMs: number): Promise<PlayerPlayback>;
  /** The page itself, for players that bring their own script (hls.js, dash.js). */
  page: Page;
  close(): Promise<void>;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

/** Starts the local server and Chromium, and opens the page. */
export async function openMsePage(): Promise<MsePage> {
  const files = new Map<string, Uint8Array>();
  const server: Server = createServer((req, res) => {
    const body = files.get(req.url ?? '');
    // A byte range (`bytes=a-b`, as players request EXT-X-BYTERANGE segments) as any web server or S3 answers it.
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>kvs-clip MSE</title><body></body>');
    else if (body && range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] === '' ? body.byteLength - 1 : Number(range[2]), body.byteLength - 1);
      res
        .writeHead(206, { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${body.byteLength}` })
        .end(body.subarray(start, end + 1));
    } else if (body) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page: Page = await browser.newPage();
  await page.goto(`${base}/`);
  let hlsLoaded: Promise<unknown> | undefined;
  let dashLoaded: Promise<unknown> | undefined;
  return {
    serve(name, segments) {
      return segments.map((data, i) => {
        const path = `/${name}/${i}`;
        files.set(path, data);
        return base + path;
      });
    },
    serveFolder(name, entries) {
      for (const [path, data] of entries) files.set(`/${name}/${path}`, data);
      return `${base}/${name}/`;
    },
    play: (request) => page.evaluate(playInPage, request),
    async playHls(url, timeoutMs) {
      hlsLoaded ??= page.addScriptTag({ path: createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js') });
      await hlsLoaded;
      return page.evaluate(playPackageInPage, { url, timeoutMs, player: 'hls' as const });
    },
    async playDash(url, timeoutMs) {
      dashLoaded ??= page.addScriptTag({
        path: createRequire(import.meta.url).resolve('dashjs') /* the UMD build, which sets window.dashjs */,
      });
      await dashLoaded;
      return page.evaluate(playPackageInPage, { url, timeoutMs, player: 'dash' as const });
    },
    page,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
