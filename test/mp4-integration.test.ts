/**
 * Real inputs through reader → checker → MP4 writer, checked against independent oracles:
 * - mp4box.js parses the flat clip and the fragmented MP4: sample counts, codec strings (derived by
 *   mp4box from avcC/hvcC/esds), sync flags and bytes match the checked frames;
 * - ffmpeg decodes every frame without a message, and ffprobe's packets of our MP4 match ffprobe's
 *   packets of the input Matroska one by one: size, CRC-32, key flag, and presentation time (±1 ms
 *   video, ±1.5 ms audio, whose Matroska times are rounded to ms and whose laces ffmpeg spreads in
 *   whole ms). For KVS streams the expected time of a packet is its fragment's PRODUCER_TIMESTAMP
 *   plus its offset from the fragment's cluster Timecode (docs/kvs-mkv.md#timeline), not the raw Matroska time,
 *   which restarts with every upload.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckedFragment, TrackConfig } from '../src/codecs/types.js';
import { ResourceNotFoundException } from '../src/errors.js';
import { concatBytes } from '../src/bytes.js';
import { createFragmentedMuxer } from '../src/mp4/index.js';
import { buildFlatClip } from './support/flat-clip.js';
import { decodeErrors, hasFfmpeg, packets, tempFile, type Packet } from './support/oracle-ffmpeg.js';
import { checkedFragments, FIXTURES, hasSamples, SAMPLES } from './support/mp4-input.js';
import { parseMp4, presentationSeconds } from './support/oracle-mp4box.js';

interface Case {
  name: string;
  path: string;
}

const fixtureCases: Case[] = [
  ['H.264 + AAC 48 kHz', 'h264-aac.mkv'],
  ['H.264 with B-frames, 29.97 fps + AAC 44.1 kHz', 'h264-bframes-aac.mkv'],
  ['H.265 with B-frames + AAC mono', 'hevc-bframes-aac.mkv'],
  ['H.264 + G.711 A-law', 'h264-alaw.mkv'],
  ['H.264 + G.711 µ-law', 'h264-ulaw.mkv'],
  ['H.264 video only, variable frame rate', 'h264-vfr.mkv'],
  ['H.264 + laced AAC', 'h264-aac-laced.mkv'],
  ['H.264 + laced A-law', 'h264-alaw-laced.mkv'],
  ...(existsSync(FIXTURES)
    ? readdirSync(FIXTURES)
        .filter((f) => /^kvs-.*\.mkv$/.test(f))
        .map((f) => [`KVS-format fixture ${f}`, f] as const)
    : []),
].map(([name, file]) => ({ name, path: join(FIXTURES, file) }));

const sampleCases: Case[] = [
  'output_get_media.mkv',
  'output_get_media_sparse_fragments.mkv',
  'output-get-media-non-increasing-timecode.mkv',
  'output-get-media-equal-timecode.mkv',
  'kinesis_video_renderer_example_output.mkv',
  'clusters.mkv',
  'vogels_480.mkv',
  'test-stream-1_0.mkv',
].map((file) => ({ name: `KVS sample ${file}`, path: join(SAMPLES, file) }));

if (!hasFfmpeg) console.warn('SKIPPED: ffmpeg/ffprobe not installed; the ffmpeg oracle checks of MP4 output do not run');
if (!hasSamples) console.warn(`SKIPPED: ${SAMPLES} is absent; the real KVS sample tests do not run`);

function fragmentedBytes(fragments: CheckedFragment[]) {
  const mux = createFragmentedMuxer();
  const segments = [...fragments.flatMap((f) => mux.push(f)), ...mux.end()];
  return { segments, data: segments.map((s) => concatBytes(s.chunks, s.byteLength)) };
}

/** Frames of each track in decode order, with the fragment each came from. */
function framesByTrack(fragments: CheckedFragment[]) {
  const byTrack = new Map<number, { fragment: CheckedFragment; frame: CheckedFragment['frames'][number] }[]>();
  for (const fragment of fragments) {
    for (const frame of fragment.frames) {
      const list = byTrack.get(frame.track) ?? [];
      list.push({ fragment, frame });
      byTrack.set(frame.track, list);
    }
  }
  return byTrack;
}

/**
 * Expected presentation time (s) of each input packet of `track`: where its fragment is placed plus
 * its offset from the fragment's cluster Timecode, relative to the clip's first frame. ffprobe
 * supplies the packets' Matroska times; fragment boundaries and tags come from the reader.
 */
function expectedTimes(fragments: CheckedFragment[], track: number, inputByTrack: Map<number, Packet[]>): number[] {
  const first = fragments.find((f) => f.frames.length > 0)!;
  const place = (f: CheckedFragment) =>
    f.producerTimestamp !== null && first.producerTimestamp !== null
      ? (f.producerTimestamp - first.producerTimestamp) / 1000
      : (((f.clusterTimecode ?? 0) - (first.clusterTimecode ?? 0)) * f.timecodeScale) / 1e9;
  const offset = (f: CheckedFragment, pts: number) => pts - ((f.clusterTimecode ?? 0) * f.timecodeScale) / 1e9;
  let origin = Infinity;
  for (const [t, list] of framesByTrack([first])) {
    const stream = inputByTrack.get(t)!;
    list.forEach((_, i) => (origin = Math.min(origin, offset(first, stream[i].pts))));
  }
  const stream = inputByTrack.get(track)!;
  return framesByTrack(fragments)
    .get(track)!
    .map(({ fragment }, i) => place(fragment) + offset(fragment, stream[i].pts) - origin);
}

/** What ffprobe says about the input: each track's packets and their expected output times. */
interface Reference {
  inputByTrack: Map<number, Packet[]>;
  expected: Map<number, number[]>;
}

function reference(fragments: CheckedFragment[], inputPath: string): Reference {
  const input = packets(inputPath);
  const configs = fragments[0].configs;
  const inputByTrack = new Map(configs.map((c) => [c.trackNumber, input.filter((p) => p.codecType === c.kind)]));
  const expected = new Map(configs.map((c) => [c.trackNumber, expectedTimes(fragments, c.trackNumber, inputByTrack)]));
  return { inputByTrack, expected };
}

/** Presentation times of one output track against the reference (±1 ms video, ±1.5 ms audio). */
function checkTimes(label: string, config: TrackConfig, pts: number[], ref: Reference) {
  const theirs = ref.inputByTrack.get(config.trackNumber)!;
  const expected = ref.expected.get(config.trackNumber)!;
  const tolerance = config.kind === 'video' ? 0.001 : 0.0015;
  let worst = 0;
  pts.forEach((t, k) => {
    if (config.kind === 'audio' && k > 0 && theirs[k].pos === theirs[k - 1].pos) {
      // A laced frame: Matroska stores only its block's time (ffmpeg spreads the lace in whole
      // ms); it must follow the previous frame by exactly that frame's length in samples.
      const samples = config.samplesPerFrame ?? theirs[k - 1].size / (config.channels ?? 1);
      expect(t - pts[k - 1], `${label}: laced ${config.kind} frame ${k}`).toBeCloseTo(samples / config.sampleRate!, 5);
    } else worst = Math.max(worst, Math.abs(t - expected[k]));
  });
  expect(worst, `${label}: worst ${config.kind} time error (s)`).toBeLessThanOrEqual(tolerance + 1e-6);
}

function checkWithMp4box(label: string, fragments: CheckedFragment[], bytes: Uint8Array, ref: Reference | null) {
  const parsed = parseMp4(bytes);
  const configs = fragments[0].configs;
  expect(parsed.tracks.map((t) => t.codec)).toEqual(configs.map((c) => c.codecString));
  const byTrack = framesByTrack(fragments);
  parsed.tracks.forEach((track, i) => {
    const frames = byTrack.get(configs[i].trackNumber) ?? [];
    expect(track.samples.length).toBe(frames.length);
    track.samples.forEach((s, k) => {
      expect(s.sync).toBe(frames[k].frame.keyframe || configs[i].kind === 'audio');
      expect(s.dts).toBeLessThanOrEqual(s.cts);
    });
    expect(track.samples.every((s, k) => Buffer.compare(s.data, frames[k].frame.data) === 0)).toBe(true);
    if (ref)
      checkTimes(
        `mp4box ${label}`,
        configs[i],
        track.samples.map((s) => presentationSeconds(track, s)),
        ref,
      );
  });
}

function checkWithFfmpeg(label: string, fragments: CheckedFragment[], inputPath: string, outPath: string, ref: Reference) {
  // 1. Every frame decodes without a message. ffmpeg's null muxer rounds frame times to 1/frame rate
  //    it guessed; when the input's own ms timing makes two frames collide there (ffmpeg reports the
  //    same for the input file), decode again in the stream's time base, which must be silent.
  let errors = decodeErrors(outPath);
  if (errors !== '' && errors.split('\n').every((l) => /non monotonically increasing dts to muxer|Last message repeated/.test(l))) {
    expect(decodeErrors(inputPath)).toMatch(/non monotonically increasing dts to muxer/);
    errors = decodeErrors(outPath, ['-enc_time_base', '-1']);
  }
  expect(errors, `${label}: ffmpeg decode messages`).toBe('');

  // 2. Packet for packet: bytes (size + CRC), key flag, presentation time; dts never after pts.
  const output = packets(outPath);
  const configs = fragments[0].configs;
  const byTrack = framesByTrack(fragments);
  configs.forEach((config, i) => {
    const ours = output.filter((p) => p.stream === i);
    const theirs = ref.inputByTrack.get(config.trackNumber)!;
    const count = byTrack.get(config.trackNumber)?.length ?? 0;
    expect(ours.length, `${label}: ${config.kind} packets`).toBe(count);
    // A truncated input may end in a partial block that ffmpeg still returns and our reader drops.
    expect(theirs.length - count).toBeGreaterThanOrEqual(0);
    expect(theirs.length - count).toBeLessThanOrEqual(1);
    ours.forEach((p, k) => {
      expect(p.size, `${label} ${config.kind} packet ${k} size`).toBe(theirs[k].size);
      expect(p.crc, `${label} ${config.kind} packet ${k} CRC`).toBe(theirs[k].crc);
      expect(p.key, `${label} ${config.kind} packet ${k} key flag`).toBe(theirs[k].key);
      expect(p.dts).toBeLessThanOrEqual(p.pts + 1e-9);
    });
    checkTimes(
      `ffmpeg ${label}`,
      config,
      ours.map((p) => p.pts),
      ref,
    );
  });
}

async function runCase(c: Case) {
  const { fragments } = await checkedFragments(c.path);
  const flat = buildFlatClip(fragments);
  const fmp4 = fragmentedBytes(fragments);
  expect(fmp4.segments.filter((s) => s.type === 'media').length).toBe(fragments.filter((f) => f.frames.length > 0).length);
  const ref = hasFfmpeg ? reference(fragments, c.path) : null;
  checkWithMp4box('flat', fragments, flat.bytes(), ref);
  checkWithMp4box('fragmented', fragments, Buffer.concat(fmp4.data), ref);
  if (!ref) return;
  const base = c.path
    .split('/')
    .pop()!
    .replace(/\.mkv$/, '');
  checkWithFfmpeg('flat', fragments, c.path, tempFile(`${base}.flat.mp4`, flat.chunks), ref);
  checkWithFfmpeg('fragmented', fragments, c.path, tempFile(`${base}.frag.mp4`, fmp4.data), ref);
}

describe('MP4 output of fixtures matches the input (mp4box.js, ffmpeg)', () => {
  for (const c of fixtureCases) it(c.name, () => runCase(c));
});

describe.skipIf(!hasSamples)('MP4 output of real KVS samples matches the input (mp4box.js, ffmpeg)', () => {
  for (const c of sampleCases) it(c.name, () => runCase(c));

  it('a GetMedia response without clusters has nothing to write', async () => {
    const { fragments } = await checkedFragments(join(SAMPLES, 'empty-mkv-with-tags.mkv'));
    expect(() => buildFlatClip(fragments)).toThrow(ResourceNotFoundException);
    const mux = createFragmentedMuxer();
    expect([...fragments.flatMap((f) => mux.push(f)), ...mux.end()]).toEqual([]);
  });

  it('restarting timecodes: the clip follows PRODUCER_TIMESTAMP, gap included', async () => {
    const { fragments } = await checkedFragments(join(SAMPLES, 'output-get-media-non-increasing-timecode.mkv'));
    const parsed = parseMp4(buildFlatClip(fragments).bytes());
    const video = parsed.tracks[0];
    const span = (fragments.at(-1)!.producerTimestamp! - fragments[0].producerTimestamp!) / 1000;
    const starts = video.samples.filter((s) => s.sync).map((s) => s.cts / video.timescale + video.offsetSeconds);
    expect(starts[0]).toBe(0);
    expect(starts.at(-1)).toBeCloseTo(span, 3);
    // Decode times strictly increase across the restart.
    expect(video.samples.every((s, i) => i === 0 || s.dts > video.samples[i - 1].dts)).toBe(true);
  });
});
