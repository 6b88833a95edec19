/**
 * codecs/ checker: GetClip's stream rules on real KVS samples and fixtures, against ffprobe (sizes,
 * profiles, levels, rates, channels) and mp4box.js (codec strings of ffmpeg's own MP4 remux), the
 * frame checks and Annex-B conversion against ffmpeg's, and one test per KVS error name built from a
 * real sample with one defect.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTracks,
  createCodecChecker,
  mimeType,
  parseAvcC,
  splitAnnexB,
  writeAvcC,
  type CheckOptions,
  type TrackConfig,
} from '../src/codecs/index.js';
import { isKvsClipError } from '../src/errors.js';
import type { MkvFragment, MkvFrame, MkvTrack, ReaderWarning } from '../src/mkv/types.js';
import {
  fixture,
  folderFrames,
  fragment,
  frame,
  frameFiles,
  haveSamples,
  hex,
  sample,
  track,
  tracksOf,
  SAMPLES,
} from './support/codecs-samples.js';
import { writeWaveFormatEx } from './support/codecs-writers.js';
import { hasFfmpeg, tempFile } from './support/oracle-ffmpeg.js';
import { parseMp4 } from './support/oracle-mp4box.js';
import { readAll as readWithReport } from './support/read.js';

if (!hasFfmpeg) console.warn('[codecs tests] ffmpeg/ffprobe are not installed: the Annex-B conversion oracle tests are skipped');

/** The reader's fragments of a whole file (it must not fail on these inputs). */
async function readAll(bytes: Uint8Array): Promise<MkvFragment[]> {
  const { fragments, error } = await readWithReport(bytes);
  expect(error).toBeUndefined();
  return fragments;
}

function checkAll(fragments: readonly MkvFragment[], options?: CheckOptions) {
  const checker = createCodecChecker(options);
  return fragments.map((f) => checker.check(f));
}

/** Video: ffprobe's profile, level, width, height, SAR; the codec string mp4box.js reads from ffmpeg's MP4. */
type VideoExpectation = [profile: string, level: number, width: number, height: number, sar: string, codecs: string];
/** Audio: ffprobe's profile (or codec_name for G.711), sample rate, channels; the codec string. */
type AudioExpectation = [profile: string, rate: number, channels: number, codecs: string];

function expectVideo(config: TrackConfig, [profile, level, width, height, sar, codecString]: VideoExpectation): void {
  expect(config.details.profile).toBe(profile);
  expect(config.details.levelIdc).toBe(level);
  expect([config.width, config.height]).toEqual([width, height]);
  // ffprobe prints N/A when the SPS has no aspect ratio; a player then assumes square pixels.
  expect(`${config.sarWidth}:${config.sarHeight}`).toBe(sar === 'N/A' ? '1:1' : sar);
  expect(config.codecString.toLowerCase()).toBe(codecString.toLowerCase());
}

function expectAudio(config: TrackConfig, [profile, rate, channels, codecString]: AudioExpectation): void {
  if (config.codec === 'aac') expect(config.details.profile).toBe(profile);
  else expect(`pcm_${config.codec === 'alaw' ? 'alaw' : 'mulaw'}`).toBe(profile);
  expect([config.sampleRate, config.channels]).toEqual([rate, channels]);
  expect(config.codecString).toBe(codecString);
}

/*
 * Expectations, computed with (run from ../shared/kvs-samples or the repo root):
 *   V: ffprobe -v quiet -select_streams v:0 -show_entries stream=profile,level,width,height,sample_aspect_ratio -of csv=p=0 <file>
 *   A: ffprobe -v quiet -select_streams a:0 -show_entries stream=profile,sample_rate,channels -of csv=p=0 <file>
 *      (G.711: stream=codec_name,sample_rate,channels)
 *   C: ffmpeg -v error -i <file> -c copy -t 1 out.mp4   (HEVC: add -tag:v hvc1; G.711: -f mov out.mov)
 *      node --input-type=module -e "import {createFile} from 'mp4box'; import {readFileSync} from 'fs'; const b=readFileSync(process.argv[1]); const f=createFile(); f.onReady=i=>console.log(i.mime); const a=b.buffer.slice(b.byteOffset,b.byteOffset+b.length); a.fileStart=0; f.appendBuffer(a); f.flush()" out.mp4
 */
const SAMPLE_MKVS: Record<string, { video: VideoExpectation; audio?: AudioExpectation }> = {
  // V → High,640,480,1:1,40   C → codecs="avc1.640028"
  'mkv/clusters.mkv': { video: ['High', 40, 640, 480, '1:1', 'avc1.640028'] },
  // V → High,640,480,1:1,40   C → codecs="avc1.640028" (same avcC as clusters.mkv)
  'mkv/kinesis_video_renderer_example_output.mkv': { video: ['High', 40, 640, 480, '1:1', 'avc1.640028'] },
  // V → High,1280,674,1:1,31  C → codecs="avc1.64001f"
  'mkv/output-get-media-equal-timecode.mkv': { video: ['High', 31, 1280, 674, '1:1', 'avc1.64001f'] },
  // V → High,960,720,1:1,31   C → codecs="avc1.64001f"
  'mkv/output-get-media-non-increasing-timecode.mkv': { video: ['High', 31, 960, 720, '1:1', 'avc1.64001f'] },
  // ffprobe fails on this file (no cluster, SeekHead past EOF); its avcC is byte-identical to the
  // non-increasing-timecode file's (asserted below), so that file's ffprobe values apply.
  'mkv/empty-mkv-with-tags.mkv': { video: ['High', 31, 960, 720, '1:1', 'avc1.64001f'] },
  // V → Main,640,360,1:1,30   C → codecs="avc1.4d401e"
  'mkv/output_get_media.mkv': { video: ['Main', 30, 640, 360, '1:1', 'avc1.4d401e'] },
  // V → Main,640,360,1:1,30 (both)
  'mkv/output_get_media_sparse_fragments.mkv': { video: ['Main', 30, 640, 360, '1:1', 'avc1.4d401e'] },
  'mkv/output_get_media_sparse_fragments_merged.mkv': { video: ['Main', 30, 640, 360, '1:1', 'avc1.4d401e'] },
  // V → Baseline,640,480,1:1,30   C → codecs="avc1.42001e"
  'mkv/test-stream-1_0.mkv': { video: ['Baseline', 30, 640, 480, '1:1', 'avc1.42001e'] },
  // V → Constrained Baseline,640,480,1:1,40   A → LC,48000,2   C → codecs="avc1.42c028,mp4a.40.2"
  'mkv/vogels_480.mkv': { video: ['Constrained Baseline', 40, 640, 480, '1:1', 'avc1.42c028'], audio: ['LC', 48000, 2, 'mp4a.40.2'] },
};

const FIXTURES: Record<string, { video: VideoExpectation; audio?: AudioExpectation }> = {
  // V → Main,320,240,1:1,13   A → LC,48000,2   C → codecs="avc1.4d400d,mp4a.40.2"
  'h264-aac.mkv': { video: ['Main', 13, 320, 240, '1:1', 'avc1.4d400d'], audio: ['LC', 48000, 2, 'mp4a.40.2'] },
  'h264-aac-laced.mkv': { video: ['Main', 13, 320, 240, '1:1', 'avc1.4d400d'], audio: ['LC', 48000, 2, 'mp4a.40.2'] },
  // V → High,320,240,1:1,13   A → LC,44100,2   C → codecs="avc1.64000d,mp4a.40.2"
  'h264-bframes-aac.mkv': { video: ['High', 13, 320, 240, '1:1', 'avc1.64000d'], audio: ['LC', 44100, 2, 'mp4a.40.2'] },
  // V → High,320,240,1:1,13   A → pcm_alaw,8000,1   C (-f mov) → codecs="avc1.64000d,alaw"
  'h264-alaw.mkv': { video: ['High', 13, 320, 240, '1:1', 'avc1.64000d'], audio: ['pcm_alaw', 8000, 1, 'alaw'] },
  'h264-alaw-laced.mkv': { video: ['High', 13, 320, 240, '1:1', 'avc1.64000d'], audio: ['pcm_alaw', 8000, 1, 'alaw'] },
  // V → High,320,240,1:1,13   A → pcm_mulaw,8000,1   C (-f mov) → codecs="avc1.64000d,ulaw"
  'h264-ulaw.mkv': { video: ['High', 13, 320, 240, '1:1', 'avc1.64000d'], audio: ['pcm_mulaw', 8000, 1, 'ulaw'] },
  // V → High,320,240,1:1,13
  'h264-vfr.mkv': { video: ['High', 13, 320, 240, '1:1', 'avc1.64000d'] },
  // V → Main,320,240,1:1,60   A → LC,48000,1   C (-tag:v hvc1) → codecs="hvc1.1.6.L60.90,mp4a.40.2"
  'hevc-bframes-aac.mkv': { video: ['Main', 60, 320, 240, '1:1', 'hvc1.1.6.L60.90'], audio: ['LC', 48000, 1, 'mp4a.40.2'] },
};

describe('fixtures made by ffmpeg (whole streams through readFragments)', () => {
  for (const [name, expected] of Object.entries(FIXTURES)) {
    it(`${name}: configs match ffprobe and mp4box.js, every frame passes unchanged`, async () => {
      const fragments = await readAll(fixture(name));
      const checked = checkAll(fragments);
      const configs = checked[0].configs;
      expectVideo(configs[0], expected.video);
      if (expected.audio) expectAudio(configs[1], expected.audio);
      expect(configs).toHaveLength(expected.audio ? 2 : 1);
      checked.forEach((c, i) => {
        expect(c.configs).toBe(configs);
        // Length-prefixed frames pass as the very same objects: no copy, no change.
        expect(c.frames).toHaveLength(fragments[i].frames.length);
        c.frames.forEach((f, j) => expect(f).toBe(fragments[i].frames[j]));
      });
      expect(mimeType(configs)).toBe(`video/mp4; codecs="${[expected.video[5], expected.audio?.[3]].filter(Boolean).join(',')}"`);
    });
  }
});

describe.skipIf(!haveSamples)('real KVS MKV samples', () => {
  for (const [name, expected] of Object.entries(SAMPLE_MKVS)) {
    it(`${name}: every fragment checks, configs match ffprobe and mp4box.js, frames stay views`, async () => {
      const fragments = await readAll(sample(name));
      // Cross-check the reader against the independent Tracks scan.
      const described = (tracks: MkvTrack[]) => tracks.map((t) => [t.number, t.codecId, Buffer.from(t.codecPrivate ?? []).toString('hex')]);
      expect(described(fragments[0].tracks)).toEqual(described(tracksOf(sample(name))[0]));
      const checked = checkAll(fragments);
      expectVideo(checked[0].configs[0], expected.video);
      if (expected.audio) expectAudio(checked[0].configs[1], expected.audio);
      checked.forEach((c, i) => c.frames.forEach((f, j) => expect(f).toBe(fragments[i].frames[j])));
    });
  }

  it('empty-mkv-with-tags.mkv has the same avcC bytes as output-get-media-non-increasing-timecode.mkv', () => {
    expect(tracksOf(sample('mkv/empty-mkv-with-tags.mkv'))[0][0].codecPrivate).toEqual(
      tracksOf(sample('mkv/output-get-media-non-increasing-timecode.mkv'))[0][0].codecPrivate,
    );
  });

  it('output_get_media.mkv: the avcC with zeroed reserved bits (03 01) is accepted and written back with them set', () => {
    const cp = sampleTrack('mkv/output_get_media.mkv', 1).codecPrivate!;
    expect([cp[4], cp[5]]).toEqual([0x03, 0x01]);
    const [config] = checkTracks(fragment(0, [sampleTrack('mkv/output_get_media.mkv', 1)]));
    expect([config.decoderConfig![4], config.decoderConfig![5]]).toEqual([0xff, 0xe1]);
    expect(config.decoderConfig!.subarray(6)).toEqual(cp.subarray(6));
    expect(config.details.recordRewritten).toBe(true);
  });

  it('test_tags_empty_cluster.mkv (no Tracks, no frames) passes with no configs', async () => {
    const [only] = checkAll(await readAll(sample('mkv/test_tags_empty_cluster.mkv')));
    expect(only.configs).toEqual([]);
    expect(only.frames).toEqual([]);
  });
});

/** The first segment's track `number` of a sample. */
function sampleTrack(path: string, number: number): MkvTrack {
  return tracksOf(sample(path))[0].find((t) => t.number === number)!;
}

/** Splits frames into fragments at key frames of track 1, like KVS fragments. */
function intoFragments(tracks: MkvTrack[], frames: MkvFrame[]): MkvFragment[] {
  const groups: MkvFrame[][] = [];
  for (const f of frames) {
    if (groups.length === 0 || (f.track === 1 && f.keyframe)) groups.push([]);
    groups[groups.length - 1].push(f);
  }
  return groups.map((group, index) => fragment(index, tracks, group, `9134385233318143239268206260774392014626${index}`));
}

/**
 * ffmpeg's HEVC muxing keeps the zero byte of the next frame's 4-byte start code as the end of the
 * previous NAL unit (the frames are concatenated for it). A NAL unit never ends in 00 (H.264/H.265
 * §7.4.1/7.4.2: those are trailing_zero_8bits of the byte stream), so they are dropped before comparing.
 */
function withoutTrailingZeros(sample: Uint8Array): Uint8Array {
  const parts: Buffer[] = [];
  for (let at = 0; at + 4 <= sample.length;) {
    const next = at + 4 + (((sample[at] << 24) | (sample[at + 1] << 16) | (sample[at + 2] << 8) | sample[at + 3]) >>> 0);
    let end = next;
    while (end > at + 4 && sample[end - 1] === 0) end--;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(end - at - 4);
    parts.push(length, Buffer.from(sample.subarray(at + 4, end)));
    at = next;
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** ffmpeg's own Annex-B → MP4 conversion of the concatenated frames (the oracle for ours). */
function ffmpegSamples(paths: string[], format: 'h264' | 'hevc'): Uint8Array[] {
  const input = tempFile(
    `codecs-${format}-${paths.length}.${format}`,
    paths.map((p) => readFileSync(join(SAMPLES, p))),
  );
  const output = `${input}.mp4`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', format, '-i', input, '-c', 'copy', output]);
  return parseMp4(new Uint8Array(readFileSync(output))).tracks[0].samples.map((sample) => withoutTrailingZeros(sample.data));
}

/*
 * frames/: Annex-B sets from the producers, checked with no CodecPrivate (derived from the first key
 * frame, as the KVS producer does) and with Annex-B CodecPrivate.
 *   V: ffprobe -v quiet -f h264 -show_entries stream=profile,level,width,height,sample_aspect_ratio -of csv=p=0 <folder>/frame-001.h264
 *      (-f hevc for .h265)
 *   C: cat <folder>/frame-00{1..9}.<ext> | ffmpeg -v error -f <h264|hevc> -i - -c copy [-tag:v hvc1] out.mp4; then the mp4box line above
 */
const ANNEX_B_FOLDERS: Array<{ folder: string; codecId: string; format: 'h264' | 'hevc'; gop: number; video: VideoExpectation }> = [
  // V → High,640,480,1:1,30   C → codecs="avc1.64001e"
  { folder: 'h264/producer-c', codecId: 'V_MPEG4/ISO/AVC', format: 'h264', gop: 45, video: ['High', 30, 640, 480, '1:1', 'avc1.64001e'] },
  // V → High,1920,1080,1:1,40   C → codecs="avc1.640028"
  { folder: 'h264/embedded-c', codecId: 'V_MPEG4/ISO/AVC', format: 'h264', gop: 30, video: ['High', 40, 1920, 1080, '1:1', 'avc1.640028'] },
  // V → Main,640,360,N/A,150   C → codecs="hvc1.1.6.L150"
  {
    folder: 'h265/producer-c',
    codecId: 'V_MPEGH/ISO/HEVC',
    format: 'hevc',
    gop: 45,
    video: ['Main', 150, 640, 360, 'N/A', 'hvc1.1.6.L150'],
  },
];

describe.skipIf(!haveSamples)('frames/ Annex-B sets', () => {
  for (const { folder, codecId, format, gop, video } of ANNEX_B_FOLDERS) {
    it(`${folder}: config derived from the first key frame matches ffprobe and mp4box.js`, () => {
      const frames = folderFrames(folder, 1, (i) => i % gop === 0);
      const checked = checkAll(intoFragments([track(1, codecId)], frames));
      const config = checked[0].configs[0];
      expectVideo(config, video);
      expect(config.details.parameterSets).toBe('first-key-frame');
      expect(config.sampleEntry).toBe(format === 'hevc' ? 'hvc1' : 'avc1');
      expect(checked.flatMap((c) => c.frames)).toHaveLength(frames.length);
    });

    it(`${folder}: Annex-B CodecPrivate gives the same config, and an equivalent record later is no change`, () => {
      const frames = folderFrames(folder, 1, (i) => i % gop === 0);
      const parameterSets = splitAnnexB(frames[0].data).filter((nal) =>
        format === 'h264' ? [7, 8].includes(nal[0] & 0x1f) : [32, 33, 34].includes((nal[0] >> 1) & 0x3f),
      );
      const annexB = Uint8Array.from(parameterSets.flatMap((nal) => [0, 0, 0, 1, ...nal]));
      const derived = checkTracks(fragment(0, [track(1, codecId)], frames.slice(0, 1)))[0];
      const fragments = intoFragments([track(1, codecId, annexB)], frames.slice(0, 2 * gop));
      // The second fragment sends the record we built as CodecPrivate: different bytes, same config.
      fragments[1] = { ...fragments[1], tracks: [track(1, codecId, derived.decoderConfig)] };
      const checked = checkAll(fragments);
      expect(checked[0].configs[0].decoderConfig).toEqual(derived.decoderConfig);
      expect(checked[0].configs[0].details.parameterSets).toBe('annex-b-codec-private');
    });

    it.skipIf(!hasFfmpeg)(`${folder}: frames are re-framed exactly as ffmpeg re-frames them into MP4`, async () => {
      const count = 2 * gop + 3;
      const frames = folderFrames(folder, 1, (i) => i % gop === 0).slice(0, count);
      const ours = checkAll(intoFragments([track(1, codecId)], frames)).flatMap((c) => c.frames.map((f) => f.data));
      const theirs = ffmpegSamples(frameFiles(folder).slice(0, count), format);
      expect(ours.length).toBe(theirs.length);
      ours.forEach((data, i) => expect(Buffer.from(data).equals(Buffer.from(theirs[i])), `frame ${i}`).toBe(true));
    });
  }

  it('java-avcc: AVCC frames with the README avcC pass as the same objects (zero-copy)', () => {
    // V: see the python | ffprobe command in codecs-parsers.test.ts → Baseline,640,480,1:1,30
    // C: avc1 + the record's 42 00 1e
    const avcC = hex('0142001effe100222742001e898b60501ed808800013880003d0907030005dc00017705ef7c1f08846e001000428ce1f20');
    const frames = folderFrames('h264/java-avcc', 1, (i) => i % 25 === 0);
    const fragments = intoFragments([track(1, 'V_MPEG4/ISO/AVC', avcC)], frames);
    const checked = checkAll(fragments);
    expectVideo(checked[0].configs[0], ['Baseline', 30, 640, 480, '1:1', 'avc1.42001e']);
    // The record as sent (a copy the config owns, so no input chunk stays pinned).
    expect(checked[0].configs[0].decoderConfig).toEqual(avcC);
    expect(checked[0].configs[0].decoderConfig!.buffer).not.toBe(avcC.buffer);
    expect(checked[0].configs[0].details.recordRewritten).toBe(false);
    checked.forEach((c, i) => c.frames.forEach((f, j) => expect(f).toBe(fragments[i].frames[j])));
  });

  it('h264-aac/java: interleaved AVCC video and AAC pass with the demo CodecPrivate', () => {
    const paths = frameFiles('h264-aac/java');
    const frames = paths.map((path, i) => frame(path.includes('-video-') ? 1 : 2, sample(path), path.includes('-true-'), i));
    const tracks = [
      track(1, 'V_MPEG4/ISO/AVC', hex('0142c028ffe1001a6742c028db0280f6c05a808080a000000300200057e401e3065c01000468ca8cb2')),
      track(2, 'A_AAC', hex('1190')),
    ];
    const checked = checkAll(intoFragments(tracks, frames));
    expect(checked.flatMap((c) => c.frames)).toHaveLength(frames.length);
    expect(mimeType(checked[0].configs)).toBe('video/mp4; codecs="avc1.42c028,mp4a.40.2"');
  });

  it('producer-c H.264 with µ-law (paired on the check-mulaw-support branch), AAC and A-law frame sets', () => {
    const video = folderFrames('h264/producer-c', 1, (i) => i % 45 === 0).slice(0, 90);
    // mkvgenGeneratePcmCpd(µ-law, 8000, 1): avgBytesPerSec 1000, blockAlign 1, bitsPerSample 0.
    const ulaw = writeWaveFormatEx({
      formatTag: 7,
      channels: 1,
      samplesPerSec: 8000,
      avgBytesPerSec: 1000,
      blockAlign: 1,
      bitsPerSample: 0,
      cbSize: 0,
    });
    const audioSets: Array<[string, MkvTrack, string]> = [
      ['mulaw/producer-c', track(2, 'A_MS/ACM', ulaw), 'ulaw'],
      ['alaw/producer-c', track(2, 'A_MS/ACM', writeWaveFormatEx({ ...decodeWave(ulaw), formatTag: 6 })), 'alaw'],
      ['alaw/embedded-c', track(2, 'A_MS/ACM', writeWaveFormatEx({ ...decodeWave(ulaw), formatTag: 6 })), 'alaw'],
      ['aac/producer-c', track(2, 'A_AAC', hex('1190')), 'mp4a.40.2'],
      ['aac/embedded-c', track(2, 'A_AAC', hex('1190')), 'mp4a.40.2'],
    ];
    for (const [folder, audioTrack, codecString] of audioSets) {
      const audio = folderFrames(folder, 2, () => true).slice(0, 150);
      const interleaved = [...video, ...audio].sort((a, b) => a.timestamp - b.timestamp || a.track - b.track);
      const checked = checkAll(intoFragments([track(1, 'V_MPEG4/ISO/AVC'), audioTrack], interleaved));
      expect(checked[0].configs[1].codecString).toBe(codecString);
      expect(checked.flatMap((c) => c.frames.filter((f) => f.track === 2))).toHaveLength(audio.length);
    }
  });
});

function decodeWave(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    formatTag: view.getUint16(0, true),
    channels: view.getUint16(2, true),
    samplesPerSec: view.getUint32(4, true),
    avgBytesPerSec: view.getUint32(8, true),
    blockAlign: view.getUint16(12, true),
    bitsPerSample: view.getUint16(14, true),
    cbSize: 0,
  };
}

/** Runs `run` and returns the KVS error it throws (failing when it throws nothing or something else). */
function kvsError(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (isKvsClipError(error)) return error;
    throw error;
  }
  throw new Error('expected a KVS error, got none');
}

describe.skipIf(!haveSamples)('each KVS error name, from a real sample with one defect', () => {
  const vogels = (): MkvTrack[] => tracksOf(sample('mkv/vogels_480.mkv'))[0];

  it('UnsupportedStreamMediaTypeException: MJPEG track 1 (test_mixed_tags.mkv as captured)', async () => {
    const [first] = await readAll(sample('mkv/test_mixed_tags.mkv'));
    const error = kvsError(() => createCodecChecker().check(first));
    expect(error.name).toBe('UnsupportedStreamMediaTypeException');
    expect(error.message).toMatch(/Track 1 has codec "V_MS\/VFW\/FOURCC"/);
    expect(error.track).toBe(1);
    expect(error.fragmentNumber).toBe(first.fragmentNumber);
  });

  it('UnsupportedStreamMediaTypeException: vogels_480.mkv without its video track (audio only) under strict: getclip; accepted otherwise', () => {
    const audioOnly = vogels().filter((t) => t.number === 2);
    const error = kvsError(() => checkTracks(fragment(3, audioOnly), { strict: 'getclip' }));
    expect(error.name).toBe('UnsupportedStreamMediaTypeException');
    expect(error.message).toMatch(/^Audio-only stream/);
    expect(error.fragmentIndex).toBe(3);
    expect(checkTracks(fragment(3, audioOnly))).toMatchObject([{ trackNumber: 2, codec: 'aac', sampleRate: 48000, channels: 2 }]);
  });

  it('UnsupportedStreamMediaTypeException: vogels_480.mkv with track 2 as Opus, and pairings under strict: getclip', () => {
    const opus = vogels().map((t) => (t.number === 2 ? { ...t, codecId: 'A_OPUS' } : t));
    expect(kvsError(() => checkTracks(fragment(0, opus)))).toMatchObject({ name: 'UnsupportedStreamMediaTypeException', track: 2 });
    // GetClip's pairings: µ-law is not served, nor H.265 with G.711. The default accepts both.
    const ulaw = tracksOf(fixture('h264-ulaw.mkv'))[0];
    const hevcAlaw = [tracksOf(fixture('hevc-bframes-aac.mkv'))[0][0], tracksOf(fixture('h264-alaw.mkv'))[0][1]];
    for (const tracks of [ulaw, hevcAlaw]) {
      expect(checkTracks(fragment(0, tracks))).toHaveLength(2);
      expect(kvsError(() => checkTracks(fragment(0, tracks), { strict: 'getclip' }))).toMatchObject({
        name: 'UnsupportedStreamMediaTypeException',
        track: 2,
      });
    }
    expect(checkTracks(fragment(0, vogels()), { strict: 'getclip' })).toHaveLength(2); // H.264 + AAC
    expect(checkTracks(fragment(0, tracksOf(fixture('h264-alaw.mkv'))[0]), { strict: 'getclip' })).toHaveLength(2);
    expect(checkTracks(fragment(0, tracksOf(fixture('hevc-bframes-aac.mkv'))[0]), { strict: 'getclip' })).toHaveLength(2);
  });

  it('MissingCodecPrivateDataException: java-avcc without CodecPrivate (its key frames carry no SPS/PPS)', () => {
    const frames = folderFrames('h264/java-avcc', 1, (i) => i % 25 === 0).slice(0, 25);
    const error = kvsError(() => createCodecChecker().check(fragment(0, [track(1, 'V_MPEG4/ISO/AVC')], frames, '12345')));
    expect(error).toMatchObject({ name: 'MissingCodecPrivateDataException', track: 1, fragmentNumber: '12345' });
    expect(error.message).toMatch(/no SPS/);
  });

  it('MissingCodecPrivateDataException: producer-c H.265 key frame without its VPS, no CodecPrivate', () => {
    const [key] = folderFrames('h265/producer-c', 1, () => true);
    const withoutVps = Uint8Array.from(
      splitAnnexB(key.data)
        .filter((nal) => ((nal[0] >> 1) & 0x3f) !== 32)
        .flatMap((nal) => [0, 0, 0, 1, ...nal]),
    );
    const error = kvsError(() => checkTracks(fragment(0, [track(1, 'V_MPEGH/ISO/HEVC')], [{ ...key, data: withoutVps }])));
    expect(error).toMatchObject({ name: 'MissingCodecPrivateDataException', track: 1 });
    expect(error.message).toMatch(/no VPS/);
  });

  it('MissingCodecPrivateDataException: vogels_480.mkv AAC config with a reserved frequency index (what KVS reports)', () => {
    const tracks = vogels().map((t) => (t.number === 2 ? { ...t, codecPrivate: hex('1690') } : t));
    expect(kvsError(() => checkTracks(fragment(0, tracks)))).toMatchObject({ name: 'MissingCodecPrivateDataException', track: 2 });
    const none = vogels().map((t) => (t.number === 2 ? { ...t, codecPrivate: undefined } : t));
    expect(kvsError(() => checkTracks(fragment(0, none)))).toMatchObject({ name: 'MissingCodecPrivateDataException', track: 2 });
    // The legacy codec ID names the profile, so a config is built from it and the track's rate/channels.
    const legacy = vogels().map((t) => (t.number === 2 ? { ...t, codecId: 'A_AAC/MPEG4/LC', codecPrivate: undefined } : t));
    expect(checkTracks(fragment(0, legacy))[1]).toMatchObject({ decoderConfig: hex('1190'), sampleRate: 48000, channels: 2 });
  });

  it('InvalidCodecPrivateDataException: output_get_media.mkv avcC cut short by one byte', () => {
    const avc = sampleTrack('mkv/output_get_media.mkv', 1);
    const cut = { ...avc, codecPrivate: avc.codecPrivate!.subarray(0, avc.codecPrivate!.length - 1) };
    const error = kvsError(() => createCodecChecker().check(fragment(2, [cut], [], '91343852333181432392682062607743920146264')));
    expect(error).toMatchObject({
      name: 'InvalidCodecPrivateDataException',
      track: 1,
      fragmentNumber: '91343852333181432392682062607743920146264',
    });
    expect(error.message).toMatch(/PPS #1 \(4 bytes\) runs past/);
  });

  it('InvalidCodecPrivateDataException: CodecPrivate or tracks that change between fragments (strict), a new video config taken otherwise', async () => {
    const fragments = (await readAll(sample('mkv/output_get_media.mkv'))).slice(0, 3);
    const other = sampleTrack('mkv/clusters.mkv', 1).codecPrivate!;
    const changed = { ...fragments[1], tracks: fragments[1].tracks.map((t) => ({ ...t, codecPrivate: other })) };
    // Outside strict mode a new video configuration is taken (docs/codecs.md#codec-private-data-that-changes).
    const lenient = createCodecChecker();
    lenient.check(fragments[0]);
    expect(lenient.check(changed).configs[0].codecString).toBe('avc1.640028');
    // GetClip refuses it.
    const checker = createCodecChecker({ strict: 'getclip' });
    checker.check(fragments[0]);
    const error = kvsError(() => checker.check(changed));
    expect(error).toMatchObject({ name: 'InvalidCodecPrivateDataException', track: 1, fragmentNumber: fragments[1].fragmentNumber });
    expect(error.message).toMatch(/avc1\.4d401e → avc1\.640028/);
    // The clip's configs stay; an unchanged fragment still passes.
    expect(checker.check(fragments[2]).configs[0].codecString).toBe('avc1.4d401e');
    const withAudio = { ...fragments[2], tracks: [...fragments[2].tracks, vogels()[1]] };
    expect(kvsError(() => checker.check(withAudio))).toMatchObject({
      name: 'InvalidCodecPrivateDataException',
      message: expect.stringMatching(/Tracks changed/),
    });
  });

  it('InvalidCodecPrivateDataException: in-band parameter sets that change when the config was derived from them (strict)', () => {
    const producer = folderFrames('h264/producer-c', 1, (i) => i % 45 === 0).slice(0, 45);
    const embedded = folderFrames('h264/embedded-c', 1, (i) => i % 30 === 0).slice(0, 30);
    const lenient = createCodecChecker();
    const first = lenient.check(fragment(0, [track(1, 'V_MPEG4/ISO/AVC')], producer)).configs;
    expect(lenient.check(fragment(1, [track(1, 'V_MPEG4/ISO/AVC')], embedded)).configs).not.toBe(first);
    const checker = createCodecChecker({ strict: 'getclip' });
    checker.check(fragment(0, [track(1, 'V_MPEG4/ISO/AVC')], producer));
    expect(kvsError(() => checker.check(fragment(1, [track(1, 'V_MPEG4/ISO/AVC')], embedded)))).toMatchObject({
      name: 'InvalidCodecPrivateDataException',
      track: 1,
      fragmentIndex: 1,
    });
  });

  it('InvalidMediaFrameException: java-avcc frame whose NAL length is one too long; the frames before it are kept', () => {
    const avcC = hex('0142001effe100222742001e898b60501ed808800013880003d0907030005dc00017705ef7c1f08846e001000428ce1f20');
    const frames = folderFrames('h264/java-avcc', 1, (i) => i === 0).slice(0, 10);
    const bad = Uint8Array.from(frames[5].data);
    bad[3] += 1; // first NAL length + 1: the units now overrun the frame
    frames[5] = { ...frames[5], data: bad };
    const f = fragment(0, [track(1, 'V_MPEG4/ISO/AVC', avcC), track(3, 'S_TEXT/UTF8')], [...frames, frame(3, hex('41'))], '777');
    const error = kvsError(() => createCodecChecker().check(f));
    expect(error).toMatchObject({ name: 'InvalidMediaFrameException', track: 1, fragmentNumber: '777', fragmentIndex: 0 });
    expect(error.message).toMatch(/^Frame #5 .*runs past the frame/);
    const partial = createCodecChecker().checkPartial(f);
    expect(partial.error?.name).toBe('InvalidMediaFrameException');
    expect(partial.fragment!.frames).toEqual(frames.slice(0, 5));
  });

  it('InvalidMediaFrameException: a cut AVCC frame that starts like a start code is not taken for Annex-B', () => {
    const avcC = hex('0142001effe100222742001e898b60501ed808800013880003d0907030005dc00017705ef7c1f08846e001000428ce1f20');
    const frames = folderFrames('h264/java-avcc', 1, (i) => i === 0);
    // A frame whose first NAL unit is 256..511 bytes: its 4-byte length reads 00 00 01 xx.
    const at = frames.findIndex((f, i) => i > 0 && f.data[0] === 0 && f.data[1] === 0 && f.data[2] === 1);
    expect(at).toBeGreaterThan(0);
    frames[at] = { ...frames[at], data: frames[at].data.subarray(0, frames[at].data.length - 1) };
    const error = kvsError(() => createCodecChecker().check(fragment(0, [track(1, 'V_MPEG4/ISO/AVC', avcC)], frames.slice(0, at + 1))));
    expect(error).toMatchObject({ name: 'InvalidMediaFrameException', track: 1 });
    expect(error.message).toMatch(/does not tile as 4-byte length-prefixed NAL units like the clip's earlier frames/);
  });

  it('InvalidMediaFrameException: an empty audio frame in vogels_480.mkv', async () => {
    const [first] = await readAll(sample('mkv/vogels_480.mkv'));
    const at = first.frames.findIndex((f) => f.track === 2);
    const frames = first.frames.map((f, i) => (i === at ? { ...f, data: new Uint8Array(0) } : f));
    expect(kvsError(() => createCodecChecker().check({ ...first, frames }))).toMatchObject({
      name: 'InvalidMediaFrameException',
      track: 2,
      message: expect.stringMatching(/is empty/),
    });
  });
});

describe('other tracks', () => {
  it('frames of a track 3 are left out, with one warning per track', async () => {
    const fragments = await readAll(fixture('h264-aac.mkv'));
    const warnings: ReaderWarning[] = [];
    const checker = createCodecChecker({ onWarning: (w) => warnings.push(w) });
    const subtitle = track(3, 'S_TEXT/UTF8');
    for (const f of fragments) {
      const withSubtitles = { ...f, tracks: [...f.tracks, subtitle], frames: [...f.frames, frame(3, hex('6869'))] };
      const checked = checker.check(withSubtitles);
      expect(checked.frames).toHaveLength(f.frames.length);
      expect(checked.frames.every((x) => x.track !== 3)).toBe(true);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'ignored-track', fragmentIndex: 0 });
    expect(warnings[0].message).toMatch(/^Track 3 \(S_TEXT\/UTF8\)/);
  });

  it('accepts the codec ID misprint V_MPEG/ISO/AVC', () => {
    const [video] = tracksOf(fixture('h264-aac.mkv'))[0];
    expect(checkTracks(fragment(0, [{ ...video, codecId: 'V_MPEG/ISO/AVC' }]))[0].codecString).toBe('avc1.4d400d');
  });
});

describe('mutations of real records through the whole config path', () => {
  const records = (): MkvTrack[][] => {
    const sets = Object.keys(FIXTURES).map((name) => tracksOf(fixture(name))[0]);
    if (haveSamples) for (const name of Object.keys(SAMPLE_MKVS)) sets.push(tracksOf(sample(name))[0]);
    return sets;
  };

  it('end in configs or a KVS-named error, never a TypeError/RangeError', () => {
    const sets = records();
    fc.assert(
      fc.property(
        fc.nat(sets.length - 1),
        fc.nat(1),
        fc.array(fc.tuple(fc.nat(4096), fc.nat(255), fc.constantFrom('set', 'cut', 'insert')), { minLength: 1, maxLength: 3 }),
        (which, trackIndex, edits) => {
          const tracks = sets[which].map((t) => ({ ...t }));
          const target = tracks[Math.min(trackIndex, tracks.length - 1)];
          let bytes = Uint8Array.from(target.codecPrivate ?? []);
          for (const [at, value, kind] of edits) {
            const i = bytes.length === 0 ? 0 : at % bytes.length;
            if (kind === 'set' && bytes.length > 0) bytes[i] = value;
            else if (kind === 'cut') bytes = bytes.slice(0, i);
            else bytes = Uint8Array.from([...bytes.subarray(0, i), value, ...bytes.subarray(i)]);
          }
          target.codecPrivate = bytes;
          try {
            const configs = checkTracks(fragment(0, tracks));
            for (const config of configs)
              if (config.codec === 'avc') expect(writeAvcC(parseAvcC(config.decoderConfig!))).toEqual(config.decoderConfig);
          } catch (error) {
            if (!isKvsClipError(error)) throw error;
            expect(error.track).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('mimeType', () => {
  it('joins the codec strings of the configs', () => {
    const configs = [{ codecString: 'avc1.64001f' }, { codecString: 'mp4a.40.2' }] as TrackConfig[];
    expect(mimeType(configs)).toBe('video/mp4; codecs="avc1.64001f,mp4a.40.2"');
  });
});
