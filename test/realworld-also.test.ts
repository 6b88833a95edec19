/**
 * Matroska layouts and formats other producers write (issue 21's "also check" list; the files are
 * made by fixtures/realworld/make.sh): ffmpeg -live 1, small Clusters, Cues at the front, 10-bit
 * 4:2:2 H.264, HEVC Main10, AAC at 8 and 96 kHz and in 5.1, G.711 stereo and at 16 kHz; GStreamer's
 * matroskamux (streamable, B-pyramid, zero-latency, HEVC B-frames, openh264, 100 µs and 1 ns
 * TimecodeScale, splitmuxsink parts) and mkvmerge (append, split, --sync, timestamp file, chapters,
 * tags and an attachment). For each,
 * every packet of the flat clip equals the input's as ffmpeg reads both (framecrc, one run per case):
 * bytes (CRC-32), key flags and times.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clip, UnsupportedStreamMediaTypeException } from '../src/index.js';
import { hasFfmpeg, tempFile } from './support/oracle-ffmpeg.js';
import { FIXTURES } from './support/mp4-input.js';
import { expectSamePackets, packetsOfFiles, packetsOfPair } from './support/realworld.js';

const CASES = [
  'also-live.mkv',
  'also-cluster-size-limit.mkv',
  'also-cues-front.mkv',
  'also-webm-dash-layout.mkv',
  'also-h264-422-10bit.mkv',
  'also-hevc-main10.mkv',
  'also-aac-8k.mkv',
  'also-aac-96k.mkv',
  'also-aac-5.1.mkv',
  'also-alaw-stereo.mkv',
  'also-ulaw-16k.mkv',
];

/**
 * GStreamer's matroskamux and mkvtoolnix's mkvmerge (fixtures/realworld/make.sh), checked in batches
 * of files with the same streams, one ffmpeg run per batch (process starts are most of the time).
 */
const BATCHES = {
  'GStreamer matroskamux': [
    'gst-streamable-bpyramid.mkv',
    'gst-zerolatency.mkv',
    'gst-hevc-bframes.mkv',
    'gst-openh264.mkv',
    'gst-timecodescale-100us.mkv',
    'gst-timecodescale-1ns.mkv',
  ],
  'GStreamer splitmuxsink parts (video only)': ['gst-split-00.mkv', 'gst-split-01.mkv', 'gst-split-02.mkv'],
  mkvmerge: ['mkv-append.mkv', 'mkv-split-001.mkv', 'mkv-split-002.mkv', 'mkv-sync.mkv', 'mkv-vfr.mkv', 'mkv-chapters-tags-attachment.mkv'],
};

/**
 * mkvmerge laces AAC (several frames per Block), and ffmpeg gives a laced frame the Block's time plus
 * whole milliseconds, so its times lag the sample count by some ms (mkv-sync.mkv: 268 ms for the
 * 8th frame, 120 + 7 × 1024 / 48 kHz = 269.33 ms; the lag restarts at each Block, and is 2.67 ms at
 * most in mkv-append.mkv, whose second file's audio starts on the ms before its sample time), where kvs-clip
 * writes the sample-exact time (a difference under half a frame is absorbed: docs/kvs-mkv.md#timeline).
 */
const MKVMERGE_AUDIO_TOLERANCE_S = 0.003;

describe.skipIf(!hasFfmpeg)('other producers’ layouts and formats: every frame’s bytes and times (ffmpeg framecrc)', () => {
  it.each(CASES)('%s', async (name) => {
    const path = `${FIXTURES}/realworld/${name}`;
    const warnings: string[] = [];
    const flat = await clip(new Uint8Array(readFileSync(path)), { onWarning: (w) => warnings.push(w.code) });
    const [input, output] = packetsOfPair(path, tempFile(`also-${name}.mp4`, flat.Payload.bytes()));
    expectSamePackets(name, input, output, name.startsWith('mkv-') ? MKVMERGE_AUDIO_TOLERANCE_S : undefined);
    expect(warnings).toEqual([]);
  });

  it.each(Object.entries(BATCHES))('%s', async (_, names) => {
    const files: string[] = [];
    for (const name of names) {
      const path = `${FIXTURES}/realworld/${name}`;
      const warnings: string[] = [];
      const flat = await clip(new Uint8Array(readFileSync(path)), { onWarning: (w) => warnings.push(w.code) });
      expect(warnings, name).toEqual([]);
      files.push(path, tempFile(`also-${name}.mp4`, flat.Payload.bytes()));
    }
    const packets = packetsOfFiles(files);
    names.forEach((name, k) =>
      expectSamePackets(name, packets[2 * k], packets[2 * k + 1], name.startsWith('mkv-') ? MKVMERGE_AUDIO_TOLERANCE_S : undefined),
    );
  });
});

describe('WebM/DASH layout split into an init part and a media part', () => {
  it('also-webm-dash-layout.mkv as two chunks cut before the first Cluster: the same clip as the whole file', async () => {
    const whole = new Uint8Array(readFileSync(`${FIXTURES}/realworld/also-webm-dash-layout.mkv`));
    // The first Cluster ID (1F 43 B6 75) after the front matter.
    const cut = whole.findIndex((b, i) => b === 0x1f && whole[i + 1] === 0x43 && whole[i + 2] === 0xb6 && whole[i + 3] === 0x75);
    expect(cut).toBeGreaterThan(0);
    async function* dashParts() {
      yield whole.slice(0, cut);
      yield whole.slice(cut);
    }
    const split = await clip(dashParts());
    expect(split.Payload.bytes()).toEqual((await clip(whole)).Payload.bytes());
  });
});

describe('Opus (MediaRecorder’s audio) is refused by name', () => {
  it('also-opus.mkv', async () => {
    const error = await clip(new Uint8Array(readFileSync(`${FIXTURES}/realworld/also-opus.mkv`))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedStreamMediaTypeException);
    expect((error as Error).message).toMatch(/"A_OPUS".*Opus, MediaRecorder's audio, is not remuxed by kvs-clip/);
  });
});
