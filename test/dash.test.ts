/**
 * DASH packages (src/package/dash.ts, docs/packages.md#dash) against independent oracles: ffprobe
 * reads manifest.mpd and every packet of each track equals the input's; the SegmentTimeline's
 * entries are each segment's own tfdt and duration; the fragment events and prft boxes carry each
 * fragment's number and timestamp.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../src/bytes.js';
import { dashPackage, FRAGMENT_EVENT_SCHEME, type DiscontinuityMode } from '../src/package/index.js';
import { ResourceNotFoundException } from '../src/errors.js';
import { g711Fragments, g711FragmentShapes, g711Track, writeTimedStream } from './support/audio-streams.js';
import { KVS_H264_AAC } from './support/cli.js';
import { fixture, REPO } from './support/codecs-samples.js';
import { hasFfmpeg, packets } from './support/oracle-ffmpeg.js';
import { collectPackage, mdatPayload, segmentTimes, writePackageFiles } from './support/package-files.js';
import { joinedStream, RESIZED } from './support/realworld.js';

const VIDEO_PATH = join(REPO, 'fixtures', 'kvs-h264-aac.mkv');

/** ffprobe's packets of one stream of a manifest (its DASH demuxer stops all streams when the first one ends). */
function streamPackets(manifest: string, stream: 'v' | 'a') {
  const json = execFileSync('ffprobe', [
    '-v',
    'quiet',
    '-select_streams',
    stream,
    '-show_packets',
    '-show_data_hash',
    'CRC32',
    '-show_entries',
    'packet=pts_time,size,data_hash',
    '-of',
    'json',
    manifest,
  ]).toString();
  return (JSON.parse(json) as { packets: { pts_time: string; size: string; data_hash: string }[] }).packets.map((p) => ({
    pts: Number(p.pts_time),
    size: Number(p.size),
    crc: p.data_hash,
  }));
}

describe('DASH package', () => {
  it.skipIf(!hasFfmpeg).each([
    ['kvs-h264-aac.mkv', VIDEO_PATH],
    // Video starts 21 ms after audio: the Period starts at the video's first segment (presentationTimeOffset).
    ['realworld/h264-gop6-aac.mkv', join(REPO, 'fixtures', 'realworld', 'h264-gop6-aac.mkv')],
  ])('ffmpeg reads manifest.mpd: every packet of each track and its time equal the input (%s)', async (_name, path) => {
    const dir = await writePackageFiles(dashPackage(new Uint8Array(readFileSync(path))), 'dash');
    const input = packets(path);
    const origin = Math.min(...input.map((p) => p.pts));
    for (const [stream, kind] of [
      ['v', 'video'],
      ['a', 'audio'],
    ] as const) {
      const ours = streamPackets(join(dir, 'manifest.mpd'), stream);
      const theirs = input.filter((p) => p.codecType === kind);
      expect(ours.length, kind).toBe(theirs.length);
      ours.forEach((p, k) => {
        expect([p.size, p.crc], `${kind} packet ${k}`).toEqual([theirs[k].size, theirs[k].crc]);
        expect(Math.abs(p.pts - (theirs[k].pts - origin)), `${kind} packet ${k} pts`).toBeLessThanOrEqual(
          kind === 'video' ? 0.001 : 0.0015,
        );
      });
    }
  });

  it('has per-track segments on an exact SegmentTimeline, fragment events and prft on every segment', async () => {
    const { files, error } = await collectPackage(dashPackage(fixture('kvs-h264-aac.mkv')));
    expect(error).toBeNull();
    expect(files.at(-1)!.path).toBe('manifest.mpd');
    const mpd = new TextDecoder().decode(files.at(-1)!.chunks[0]);
    expect(mpd).toMatch(/type="static"/);
    // The presentation starts with the first video frame, dated by the first fragment's producer timestamp.
    expect(mpd).toMatch(/availabilityStartTime="2023-11-14T22:13:20.021Z"/);
    for (const kind of ['video', 'audio']) {
      const media = files.filter((f) => f.path.startsWith(`${kind}/`) && f.path.endsWith('.m4s'));
      expect(media.map((f) => f.path)).toEqual(KVS_H264_AAC.map((_, i) => `${kind}/0000${i + 1}.m4s`));
      const times = media.map((f) => segmentTimes(Buffer.concat(f.chunks)));
      // Each segment holds its own track only, as track 1, and starts where the timeline's S says.
      const set = mpd.slice(mpd.indexOf(`contentType="${kind}"`));
      const timeline = [...set.slice(0, set.indexOf('</SegmentTimeline>')).matchAll(/<S( t="(\d+)")? d="(\d+)"( r="(\d+)")?\/>/g)];
      const starts: number[] = [];
      let next = 0;
      for (const s of timeline) {
        let t = s[2] !== undefined ? Number(s[2]) : next;
        for (let r = 0; r <= Number(s[5] ?? 0); r++, t += Number(s[3])) starts.push(t);
        next = t;
      }
      expect(times.map((t) => [...t.tfdt.keys()])).toEqual(media.map(() => [1]));
      expect(times.map((t) => t.tfdt.get(1))).toEqual(starts);
      times.forEach((t) => {
        expect(t.prft!.trackId).toBe(1);
        expect(t.prft!.mediaTime).toBe(t.tfdt.get(1));
      });
    }
    // The fragment events: number and timestamp of each segment's fragment, for a custom player.
    expect(mpd).toContain(`schemeIdUri="${FRAGMENT_EVENT_SCHEME}"`);
    const events = [...mpd.matchAll(/messageData="fragmentNumber=(\d+);timestamp=([^"]+)"/g)];
    expect(events.map((e) => [e[1], Date.parse(e[2])])).toEqual(KVS_H264_AAC.map((f) => [f.fragmentNumber, f.producerTimestamp]));
    // Video prft: exactly each fragment's timestamp.
    const video = files.filter((f) => f.path.startsWith('video/') && f.path.endsWith('.m4s'));
    video.forEach((f, i) =>
      expect(Math.abs(segmentTimes(Buffer.concat(f.chunks)).prft!.epochMs - KVS_H264_AAC[i].producerTimestamp)).toBeLessThan(1e-3),
    );
  });
});

/** The starts (t) of a SegmentTimeline's entries, its `r` repeats expanded. */
function timelineStarts(timeline: string): number[] {
  const starts: number[] = [];
  let next = 0;
  for (const s of timeline.matchAll(/<S( t="(\d+)")? d="(\d+)"( r="(\d+)")?\/>/g)) {
    let t = s[2] !== undefined ? Number(s[2]) : next;
    for (let r = 0; r <= Number(s[5] ?? 0); r++, t += Number(s[3])) starts.push(t);
    next = t;
  }
  return starts;
}

describe('DASH package of any fragment stream (property)', () => {
  it('keeps every frame byte for byte, in order, each segment where its SegmentTimeline entry says', async () => {
    await fc.assert(
      fc.asyncProperty(
        g711FragmentShapes,
        fc.constantFrom<DiscontinuityMode>('always', 'never', 'on-discontinuity'),
        async (shape, discontinuity) => {
          const fragments = g711Fragments(shape);
          const { files, error } = await collectPackage(
            dashPackage(writeTimedStream([g711Track(1, 'alaw')], fragments), { discontinuity }),
          );
          expect(error).toBeNull();
          const mpd = new TextDecoder().decode(files.at(-1)!.chunks[0]);
          const media = files.filter((f) => /^audio\/\d{5}\.m4s$/.test(f.path)).map((f) => concatBytes(f.chunks, f.byteLength));
          expect(media.length).toBe(fragments.length);
          expect(media.map((m) => segmentTimes(m).tfdt.get(1))).toEqual(timelineStarts(mpd.slice(mpd.indexOf('<SegmentTimeline>'))));
          const payload = Buffer.concat(media.map(mdatPayload));
          expect(payload.equals(Buffer.concat(fragments.flatMap((f) => f.frames.map((frame) => frame.data))))).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('a video configuration that changes', () => {
  it('starts a Period of its own with its own init segments, on the same media timeline', async () => {
    const { bytes } = await joinedStream(RESIZED);
    const { files, error } = await collectPackage(dashPackage(bytes));
    expect(error).toBeNull();
    const paths = files.map((f) => f.path);
    expect(paths.filter((path) => path.endsWith('init.mp4'))).toEqual([
      'video/init.mp4',
      'audio/init.mp4',
      'period-2/video/init.mp4',
      'period-2/audio/init.mp4',
    ]);
    // The first part's 9 video segments, then the second part's 3, each Period numbering its own.
    expect(paths.filter((path) => /^video\/\d{5}\.m4s$/.test(path)).length).toBe(9);
    expect(paths.filter((path) => /^period-2\/video\/\d{5}\.m4s$/.test(path)).length).toBe(3);
    const manifest = new TextDecoder().decode(files.at(-1)!.chunks[0]);
    const periods = [...manifest.matchAll(/<Period id="(\d+)" start="PT([\d.]+)S">([\s\S]*?)<\/Period>/g)];
    expect(periods.map((p) => p[1])).toEqual(['0', '1']);
    let templates = 0;
    /** Per SegmentTemplate: presentationTimeOffset in seconds less its Period's start. */
    const origins: number[] = [];
    for (const [, , start, body] of periods) {
      // One mapping from media time to the presentation for every SegmentTemplate of every Period
      // (presentationTimeOffset less the Period start: the same origin), and no segment lies wholly
      // before its Period: a Period starts at its video's first segment, audio may begin a little earlier.
      for (const template of body.matchAll(
        /<SegmentTemplate timescale="(\d+)"(?: presentationTimeOffset="(\d+)")?[^>]*>\s*<SegmentTimeline>\s*<S t="(\d+)" d="(\d+)"/g,
      )) {
        const [, timescale, offset = '0', firstT, firstD] = template;
        origins.push(Number(offset) / Number(timescale) - Number(start));
        expect(Number(firstT) + Number(firstD)).toBeGreaterThan(Number(offset));
        templates++;
      }
    }
    expect(Number(periods[0][2])).toBe(0);
    expect(Math.max(...origins) - Math.min(...origins)).toBeLessThan(1e-4);
    expect(templates).toBe(4);
    // The second Period starts where its video does, on the presentation's timeline.
    const videoStarts = [
      ...manifest.matchAll(/initialization="(?:period-2\/)?video\/init\.mp4"[^>]*>\s*<SegmentTimeline>\s*<S t="(\d+)"/g),
    ].map((m) => Number(m[1]) / 90_000);
    expect(Number(periods[1][2])).toBeCloseTo(videoStarts[1] - videoStarts[0], 5);
  });
});

describe('what a DASH package cannot hold', () => {
  it('an input without frames: ResourceNotFoundException, no files', async () => {
    const { files, error } = await collectPackage(dashPackage(writeTimedStream([g711Track(1, 'alaw')], [])));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(files).toEqual([]);
  });
});
