/**
 * HLS packages (src/package, docs/packages.md) against independent oracles: ffprobe reads the
 * playlist and every packet (size, CRC, presentation time) equals the input's; each
 * EXT-X-PROGRAM-DATE-TIME and each segment's prft (parsed in test/support/package-files.ts) equals
 * its fragment's timestamp as the Matroska reader (mkvinfo-checked, test/support/cli.ts) gives it;
 * discontinuity markers sit exactly where KVS's DiscontinuityMode puts them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hlsPackage, type DiscontinuityMode } from '../src/package/index.js';
import { readFragments } from '../src/mkv/index.js';
import type { MkvFragment } from '../src/mkv/types.js';
import { isKvsClipError, ResourceNotFoundException } from '../src/errors.js';
import { EPOCH_MS, g711Fragments, g711FragmentShapes, g711Track, writeTimedStream, type TimedFragment } from './support/audio-streams.js';
import { KVS_H264_AAC } from './support/cli.js';
import { fixture, haveSamples, REPO, sample, SAMPLES } from './support/codecs-samples.js';
import { hasFfmpeg, packets, tempFile, type Packet } from './support/oracle-ffmpeg.js';
import { collectPackage, mdatPayload, readPlaylist, segmentTimes, writePackageFiles } from './support/package-files.js';
import { joinedStream, RESIZED } from './support/realworld.js';
import { FIXTURES } from './support/mp4-input.js';

const video = fixture('kvs-h264-aac.mkv');
const VIDEO_PATH = join(REPO, 'fixtures', 'kvs-h264-aac.mkv');

/** Packets of `ours` (a package) against the input's: same bytes, same times from the same origin. */
function expectSamePackets(ours: Packet[], theirs: Packet[], expectedPts?: (kind: string, k: number) => number) {
  for (const kind of ['video', 'audio']) {
    const a = ours.filter((p) => p.codecType === kind);
    const b = theirs.filter((p) => p.codecType === kind);
    expect(a.length, `${kind} packets`).toBe(b.length);
    const origin = Math.min(...theirs.map((p) => p.pts));
    a.forEach((p, k) => {
      expect([p.size, p.crc], `${kind} packet ${k}`).toEqual([b[k].size, b[k].crc]);
      const expected = expectedPts ? expectedPts(kind, k) : b[k].pts - origin;
      expect(Math.abs(p.pts - expected), `${kind} packet ${k} pts ${p.pts} vs ${expected}`).toBeLessThanOrEqual(
        kind === 'video' ? 0.001 : 0.0015,
      );
    });
  }
}

describe.skipIf(!hasFfmpeg)('HLS package read by ffmpeg', () => {
  it.each([false, true])('every packet and time equals the input (single file: %s)', async (singleFile) => {
    const dir = await writePackageFiles(hlsPackage(video, { singleFile }), 'hls');
    const playlist = readPlaylist(readFileSync(join(dir, 'index.m3u8'), 'utf8'));
    expect(playlist.endList).toBe(true);
    expect(playlist.entries.length).toBe(KVS_H264_AAC.length);
    expect(playlist.entries.every((e) => (e.byteRange !== null) === singleFile)).toBe(true);
    expectSamePackets(packets(join(dir, 'index.m3u8')), packets(VIDEO_PATH));
  });
});

describe('wall-clock time', () => {
  it.each(['producer', 'server'] as const)('EXT-X-PROGRAM-DATE-TIME and prft are each fragment’s %s timestamp', async (timestamps) => {
    const { files, error } = await collectPackage(hlsPackage(video, { timestamps }));
    expect(error).toBeNull();
    expect(files.at(-1)!.path).toBe('index.m3u8');
    const playlist = readPlaylist(new TextDecoder().decode(files.at(-1)!.chunks[0]));
    const stamps = KVS_H264_AAC.map((f) => (timestamps === 'server' ? f.serverTimestamp : f.producerTimestamp));
    expect(playlist.entries.map((e) => e.programDateTime)).toEqual(stamps);
    expect(playlist.entries.map((e) => e.uri)).toEqual(KVS_H264_AAC.map((f, i) => `0000${i + 1}-${f.fragmentNumber}.m4s`));
    const media = files.filter((f) => f.path.endsWith('.m4s'));
    media.forEach((file, i) => {
      const { prft, tfdt } = segmentTimes(Buffer.concat(file.chunks));
      expect(prft, `segment ${i + 1} prft`).not.toBeNull();
      expect(prft!.version).toBe(1);
      // ISO/IEC 14496-12 §8.16.5.3: 24, a time with a small, consistent offset from when the frame
      // was captured (the producer's clock); 4, when the fragment was written (KVS received it).
      expect(prft!.flags).toBe(timestamps === 'producer' ? 24 : 4);
      expect(prft!.trackId).toBe(1);
      expect(Math.abs(prft!.epochMs - stamps[i])).toBeLessThan(1e-3);
      expect(prft!.mediaTime).toBe(tfdt.get(1));
    });
    // Consistent: between two segments with no marker between them, media time and wall-clock time
    // advance alike (server timestamps here overlap by 53 ms once: a marker, where the media closes up).
    const prfts = media.map((file) => segmentTimes(Buffer.concat(file.chunks)).prft!);
    let compared = 0;
    for (let i = 1; i < prfts.length; i++) {
      if (playlist.entries[i].discontinuity) continue;
      compared++;
      expect((prfts[i].mediaTime - prfts[i - 1].mediaTime) / 90, `ms of media time before segment ${i + 1}`).toBeCloseTo(
        prfts[i].epochMs - prfts[i - 1].epochMs,
        6,
      );
    }
    expect(compared).toBeGreaterThanOrEqual(timestamps === 'producer' ? 3 : 1);
  });
});

/** An A-law stream: fragments of `frames` 20 ms frames, each starting `gaps[i]` ms after the previous one ended. */
function gappedStream(gaps: number[], frames = 5): { bytes: Uint8Array; starts: number[] } {
  const starts: number[] = [EPOCH_MS];
  for (const gap of gaps) starts.push(starts.at(-1)! + frames * 20 + gap);
  const fragments: TimedFragment[] = starts.map((startMs, f) => ({
    startMs,
    frames: Array.from({ length: frames }, (_, i) => ({ track: 1, offsetMs: i * 20, data: new Uint8Array(160).fill(f * 16 + i) })),
  }));
  return { bytes: writeTimedStream([g711Track(1, 'alaw')], fragments), starts };
}

/** Where KVS's rule puts markers: before fragment i+1 when the mode says so for gaps[i]. */
const expectedMarkers = (mode: DiscontinuityMode, gaps: number[]) => [
  false,
  ...gaps.map((g) => mode === 'always' || (mode === 'on-discontinuity' && Math.abs(g) > 50)),
];

/**
 * Where each fragment starts on the media timeline (ms): right after the previous one at a marker;
 * elsewhere at its timestamp, but never before the previous one's end (an overlap pushes it, with
 * the timeline's half-frame tolerance for audio: docs/kvs-mkv.md#timeline).
 */
function mediaStarts(mode: DiscontinuityMode, gaps: number[], starts: number[], fragmentMs: number): number[] {
  const markers = expectedMarkers(mode, gaps);
  const placed = [0];
  /** The gaps closed so far: the timeline places by timestamp minus these. */
  let closed = 0;
  for (let i = 1; i < starts.length; i++) {
    const end = placed[i - 1] + fragmentMs;
    if (markers[i]) closed += gaps[i - 1];
    const own = starts[i] - starts[0] - closed;
    placed.push(markers[i] || Math.abs(own - end) <= 10 ? end : Math.max(own, end));
  }
  return placed;
}

async function playlistOf(bytes: Uint8Array, mode: DiscontinuityMode) {
  const { files, error } = await collectPackage(hlsPackage(bytes, { discontinuity: mode }));
  expect(error).toBeNull();
  return readPlaylist(new TextDecoder().decode(files.at(-1)!.chunks[0]));
}

describe('discontinuities', () => {
  const gaps = [0, 51, 0, -60, 50, 3000];
  const { bytes, starts } = gappedStream(gaps);

  it.each(['always', 'never', 'on-discontinuity'] as const)('%s: markers exactly where KVS’s rule says', async (mode) => {
    const playlist = await playlistOf(bytes, mode);
    expect(playlist.entries.map((e) => e.discontinuity)).toEqual(expectedMarkers(mode, gaps));
    expect(playlist.entries.map((e) => e.programDateTime)).toEqual(starts);
    // The media timeline: closed up at markers, following the timestamps elsewhere (a gap lengthens the segment before it).
    const placed = mediaStarts(mode, gaps, starts, 100);
    playlist.entries.forEach((e, i) => {
      const expected = i + 1 < placed.length ? placed[i + 1] - placed[i] : 100;
      expect(e.duration, `segment ${i + 1} EXTINF`).toBeCloseTo(expected / 1000, 6);
    });
  });

  it.skipIf(!hasFfmpeg)('ffmpeg reads every packet at the time the mode gives it', async () => {
    const input = packets(tempFile('gapped.mkv', bytes));
    for (const mode of ['never', 'on-discontinuity'] as const) {
      const dir = await writePackageFiles(hlsPackage(bytes, { discontinuity: mode }), 'hls-gap');
      const placed = mediaStarts(mode, gaps, starts, 100);
      expectSamePackets(packets(join(dir, 'index.m3u8')), input, (_kind, k) => (placed[Math.floor(k / 5)] + (k % 5) * 20) / 1000);
    }
  });

  it('on any gaps, markers go exactly where the gap or overlap exceeds 50 ms (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.integer({ min: -99, max: 99 }), fc.constantFrom(-51, -50, 50, 51), fc.integer({ min: 91, max: 100_000 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.constantFrom<DiscontinuityMode>('always', 'never', 'on-discontinuity'),
        async (gaps, mode) => {
          const { bytes, starts } = gappedStream(gaps);
          const playlist = await playlistOf(bytes, mode);
          expect(playlist.entries.map((e) => e.discontinuity)).toEqual(expectedMarkers(mode, gaps));
          expect(playlist.entries.map((e) => e.programDateTime)).toEqual(starts);
          const placed = mediaStarts(mode, gaps, starts, 100);
          playlist.entries.forEach((e, i) => expect(e.duration).toBeCloseTo(((placed[i + 1] ?? placed[i] + 100) - placed[i]) / 1000, 6));
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe.skipIf(!haveSamples)('real capture with restarting timecodes', () => {
  it('marks the upload boundary, dates every segment, keeps every frame', async () => {
    const path = 'mkv/output-get-media-non-increasing-timecode.mkv';
    const bytes = sample(path);
    const fragments: MkvFragment[] = [];
    for await (const f of readFragments(bytes)) fragments.push(f);
    // Independently: a fragment lasts its frames × the median frame step (29.97 fps here).
    const span = (f: MkvFragment) => {
      const times = f.frames.map((x) => x.timestamp).sort((a, b) => a - b);
      const steps = times
        .slice(1)
        .map((t, i) => t - times[i])
        .sort((a, b) => a - b);
      return { start: f.producerTimestamp! + times[0] - f.clusterTimecode!, length: times.at(-1)! - times[0] + steps[steps.length >> 1] };
    };
    const gaps = fragments.slice(1).map((f, i) => span(f).start - (span(fragments[i]).start + span(fragments[i]).length));
    const { files, error } = await collectPackage(hlsPackage(bytes));
    expect(error).toBeNull();
    const playlist = readPlaylist(new TextDecoder().decode(files.at(-1)!.chunks[0]));
    expect(playlist.entries.map((e) => e.discontinuity)).toEqual(expectedMarkers('on-discontinuity', gaps));
    expect(playlist.entries.filter((e) => e.discontinuity).length).toBeGreaterThan(0);
    expect(playlist.entries.map((e) => e.programDateTime)).toEqual(fragments.map((f) => f.producerTimestamp));
    if (!hasFfmpeg) return;
    const dir = await writePackageFiles(hlsPackage(bytes), 'hls-real');
    const ours = packets(join(dir, 'index.m3u8'));
    const theirs = packets(join(SAMPLES, path));
    const count = fragments.reduce((n, f) => n + f.frames.length, 0);
    expect(ours.length).toBe(count);
    // The file's last block runs past its end: ffprobe may return it, the reader drops it.
    expect(theirs.length - count).toBeLessThanOrEqual(1);
    ours.forEach((p, k) => expect([p.size, p.crc], `packet ${k}`).toEqual([theirs[k].size, theirs[k].crc]));
  });
});

describe.skipIf(!hasFfmpeg)('a video configuration that changes mid-stream', () => {
  /** Both parts' packets, as ffprobe reads each source file (once for both variants). */
  let parts: Packet[][] | undefined;
  it.each([false, true])(
    'EXT-X-DISCONTINUITY and a new EXT-X-MAP before its first segment; ffmpeg reads every packet (single file: %s)',
    async (singleFile) => {
      const { bytes } = await joinedStream(RESIZED);
      const dir = await writePackageFiles(hlsPackage(bytes, { singleFile }), 'hls-resized');
      const lines = readFileSync(join(dir, 'index.m3u8'), 'utf8').split('\n');
      const maps = lines.flatMap((line, i) => (line.startsWith('#EXT-X-MAP:') ? [i] : []));
      expect(maps.length).toBe(2);
      expect(lines[maps[1] - 1]).toBe('#EXT-X-DISCONTINUITY');
      expect(lines.filter((line) => line === '#EXT-X-DISCONTINUITY').length).toBe(1);
      const both = (parts ??= RESIZED.map(([name]) => packets(`${FIXTURES}/realworld/${name}`)));
      const ours = packets(join(dir, 'index.m3u8'));
      for (const kind of ['video', 'audio']) {
        const theirs = both.flatMap((part) => part.filter((p) => p.codecType === kind));
        expect(
          ours.filter((p) => p.codecType === kind).map((p) => [p.size, p.crc]),
          kind,
        ).toEqual(theirs.map((p) => [p.size, p.crc]));
      }
      if (singleFile) return;
      // The map changes exactly where the second part starts: the segments after the second map,
      // behind its init segment, hold the second part's video and nothing else.
      const after = lines.slice(maps[1]).filter((line) => line !== '' && !line.startsWith('#'));
      const second = tempFile('second.mp4', Buffer.concat(['init-2.mp4', ...after].map((f) => readFileSync(join(dir, f)))));
      expect(
        packets(second)
          .filter((p) => p.codecType === 'video')
          .map((p) => p.crc),
      ).toEqual(parts[1].filter((p) => p.codecType === 'video').map((p) => p.crc));
    },
  );
});

describe('HLS package of any fragment stream (property)', () => {
  it('keeps every frame byte for byte, in order, in the segments the playlist names (both layouts)', async () => {
    await fc.assert(
      fc.asyncProperty(
        g711FragmentShapes,
        fc.constantFrom<DiscontinuityMode>('always', 'never', 'on-discontinuity'),
        fc.boolean(),
        async (shape, discontinuity, singleFile) => {
          const fragments = g711Fragments(shape);
          const input = writeTimedStream([g711Track(1, 'alaw')], fragments);
          const { files: pieces, error } = await collectPackage(hlsPackage(input, { discontinuity, singleFile }));
          expect(error).toBeNull();
          // The files as a web server holds them: the single file's pieces appended.
          const files = new Map<string, Buffer>();
          for (const piece of pieces) {
            const bytes = Buffer.concat(piece.chunks);
            files.set(piece.path, piece.append ? Buffer.concat([files.get(piece.path) ?? Buffer.alloc(0), bytes]) : bytes);
          }
          const playlist = readPlaylist(files.get('index.m3u8')!.toString());
          expect(playlist.entries.length).toBe(fragments.length);
          const segments = playlist.entries.map((e) => {
            const file = files.get(e.uri)!;
            if (e.byteRange === null) return file;
            const [length, offset] = e.byteRange.split('@').map(Number);
            return file.subarray(offset, offset + length);
          });
          expect(
            Buffer.concat(segments.map(mdatPayload)).equals(Buffer.concat(fragments.flatMap((f) => f.frames.map((fr) => fr.data)))),
          ).toBe(true);
          expect(playlist.entries.map((e) => e.programDateTime)).toEqual(fragments.map((f) => f.startMs));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('nothing to package', () => {
  it('an input without frames, or a range that selects none: ResourceNotFoundException, no playlist', async () => {
    const empty = writeTimedStream([g711Track(1, 'alaw')], []);
    const outside = {
      ClipFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP' as const, TimestampRange: { StartTimestamp: 1, EndTimestamp: 2 } },
    };
    for (const [input, options, message] of [
      [empty, {}, 'No fragments with frames found in the input.'],
      [video, outside, 'No fragments found in the stream for the clip time range.'],
    ] as const) {
      const { files, error } = await collectPackage(hlsPackage(input, options));
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect((error as Error).message).toBe(message);
      expect(files).toEqual([]);
    }
  });
});

describe('bad input mid-stream', () => {
  it('keeps a valid package of what came before, ENDLIST included, and the error says where', async () => {
    // Three A-law fragments, then an upload whose track turned µ-law: KVS refuses the codec change.
    const before = gappedStream([0, 0]).bytes;
    const after = writeTimedStream(
      [g711Track(1, 'ulaw')],
      [{ startMs: EPOCH_MS + 300, frames: [{ track: 1, offsetMs: 0, data: new Uint8Array(160) }] }],
    );
    const { files, error } = await collectPackage(hlsPackage(Buffer.concat([before, after])));
    expect(isKvsClipError(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/fragment/i);
    expect(files.at(-1)!.path).toBe('index.m3u8');
    const playlist = readPlaylist(new TextDecoder().decode(files.at(-1)!.chunks[0]));
    expect(playlist.endList).toBe(true);
    expect(playlist.entries.length).toBe(3);
    if (!hasFfmpeg) return;
    const dir = await writePackageFiles(
      (async function* () {
        yield* files;
      })(),
      'hls-broken',
    );
    expectSamePackets(packets(join(dir, 'index.m3u8')), packets(tempFile('before.mkv', before)));
  });
});
