/**
 * `audio: 'flac'` in MP4 output (flat `clip` and `fragmentedMp4`): G.711 A-law / µ-law becomes
 * lossless FLAC, 16-bit PCM always does, AAC and video are never touched. Oracles: ffmpeg decodes the
 * G.711 input and the FLAC output (every sample must match), decodes the whole output without a
 * message, copies the FLAC stream out for Debian's `flac -t`, and lists every packet (CRC-32 and
 * times) of input and output; video is compared packet by packet (AVCC input) or decoded frame by
 * decoded frame (Annex-B input, which kvs-clip rewrites as length-prefixed NAL units).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clip, fragmentedMp4, UnsupportedStreamMediaTypeException, type ClipOptions } from '../src/index.js';
import { haveSamples } from './support/codecs-samples.js';
import {
  cameraStream,
  connectTags,
  connectTracks,
  EPOCH_MS,
  pcmTrack,
  s16leBytes,
  writeTimedStream,
  type TimedFragment,
} from './support/audio-streams.js';
import { decodedVideoHashes, ffmpegPcm, firstDifference, flacTest, hasFlac, probeStreams } from './support/oracle-audio.js';
import { decodeErrors, hasFfmpeg, packets, tempFile, type Packet } from './support/oracle-ffmpeg.js';
import { FIXTURES } from './support/mp4-input.js';

if (!hasFfmpeg || !hasFlac)
  console.warn('SKIPPED: audio-mp4 needs ffmpeg, ffprobe and flac (Debian package flac); they are not all installed');
const withOracles = describe.skipIf(!hasFfmpeg || !hasFlac);
if (!haveSamples) console.warn('SKIPPED: audio-mp4 cases on the real producer-c frames (../shared/kvs-samples is absent)');

type Form = 'flat' | 'fragmented';

interface Mp4Output {
  path: string;
  /** ContentType of the flat clip, or the first segment's mimeType. */
  mime: string;
  bytes: Uint8Array;
}

let outputs = 0;
async function mp4Of(input: Uint8Array, form: Form, options: ClipOptions): Promise<Mp4Output> {
  let bytes: Uint8Array;
  let mime: string;
  if (form === 'flat') {
    const out = await clip(input, options);
    bytes = out.Payload.bytes();
    mime = out.ContentType;
  } else {
    const segments = [];
    for await (const segment of fragmentedMp4(input, options)) segments.push(segment);
    bytes = Buffer.concat(segments.map((s) => s.data));
    mime = segments[0].mimeType;
  }
  return { path: tempFile(`out-${outputs++}.mp4`, bytes), mime, bytes };
}

/**
 * Packet times in µs relative to the file's first packet (a KVS input starts at its epoch timecode).
 * Durations only when `withDurations`: ffprobe 5.1 reports none for FLAC packets of a fragmented MP4
 * (its FLAC parser drops the trun's), so there each packet's start and the decoded sample total,
 * checked as well, pin the durations down.
 */
function relativeTimes(list: Packet[], type: string, withDurations: boolean): { pts: number; duration?: number }[] {
  const origin = Math.min(...list.map((p) => p.pts));
  const us = (seconds: number) => Math.round(seconds * 1e6);
  return list
    .filter((p) => p.codecType === type)
    .map((p) => ({ pts: us(p.pts - origin), ...(withDurations ? { duration: us(p.duration) } : {}) }));
}

const crcsOf = (list: Packet[], type: string) => list.filter((p) => p.codecType === type).map((p) => p.crc);

function expectSamples(actual: Int16Array, expected: Int16Array): void {
  expect(expected.length).toBeGreaterThan(0);
  expect(firstDifference(actual, expected)).toBeNull();
}

interface G711Case {
  name: string;
  law: 'alaw' | 'ulaw';
  /** The input as a file (fixtures) or bytes written by the test. */
  input: () => string;
  /** How unchanged video is shown: same packets (AVCC in), same decoded frames (Annex-B in), or no video. */
  video: 'packets' | 'decoded' | 'none';
}

const fixture = (name: string) => () => join(FIXTURES, name);
const written = (name: string, make: () => Uint8Array) => {
  let path: string | undefined;
  return () => (path ??= tempFile(name, make()));
};

const G711_CASES: G711Case[] = [
  { name: 'fixtures/kvs-h264-alaw.mkv', law: 'alaw', input: fixture('kvs-h264-alaw.mkv'), video: 'packets' },
  { name: 'fixtures/kvs-h264-ulaw.mkv', law: 'ulaw', input: fixture('kvs-h264-ulaw.mkv'), video: 'packets' },
  {
    name: 'fixtures/h264-alaw-laced.mkv (plain Matroska, laced A-law)',
    law: 'alaw',
    input: fixture('h264-alaw-laced.mkv'),
    video: 'packets',
  },
  ...(haveSamples
    ? ([
        {
          name: 'producer-c H.264 + A-law frames, 1 fragment',
          law: 'alaw',
          input: written('cam-alaw.mkv', () => cameraStream('alaw', { video: true, fragments: 1 })),
          video: 'decoded',
        },
        {
          name: 'producer-c H.264 + µ-law frames, 1 fragment',
          law: 'ulaw',
          input: written('cam-ulaw.mkv', () => cameraStream('ulaw', { video: true, fragments: 1 })),
          video: 'decoded',
        },
        {
          name: 'producer-c A-law frames alone, 4 fragments',
          law: 'alaw',
          input: written('only-alaw.mkv', () => cameraStream('alaw', { video: false, fragments: 4 })),
          video: 'none',
        },
        {
          name: 'producer-c µ-law frames alone, 4 fragments',
          law: 'ulaw',
          input: written('only-ulaw.mkv', () => cameraStream('ulaw', { video: false, fragments: 4 })),
          video: 'none',
        },
      ] satisfies G711Case[])
    : []),
];

withOracles('G.711 with audio: "flac" becomes lossless FLAC, video and timing unchanged', () => {
  for (const c of G711_CASES) {
    describe(c.name, () => {
      let input: string;
      let inputPackets: Packet[];
      let inputPcm: Int16Array;
      let inputVideoHashes: string[] | undefined;
      beforeAll(() => {
        input = c.input();
        inputPackets = packets(input);
        // ffmpeg -i in.mkv -map 0:a -f s16le -  (ffmpeg's own pcm_alaw / pcm_mulaw decoder)
        inputPcm = ffmpegPcm(input);
      });

      for (const form of ['flat', 'fragmented'] as const) {
        it(form, async () => {
          const out = await mp4Of(new Uint8Array(readFileSync(input)), form, { audio: 'flac' });
          const streams = probeStreams(out.path);
          const audio = streams.find((s) => s.codecType === 'audio')!;
          expect({ codec: audio.codecName, rate: audio.sampleRate, channels: audio.channels }).toEqual({
            codec: 'flac',
            rate: 8000,
            channels: 1,
          });
          expect(streams.map((s) => s.codecType)).toEqual(c.video === 'none' ? ['audio'] : ['video', 'audio']);
          const container = c.video === 'none' ? 'audio/mp4' : 'video/mp4';
          if (form === 'flat') expect(out.mime).toBe(container);
          else expect(out.mime).toMatch(new RegExp(`^${container}; codecs="(avc1\\.[0-9a-f]{6},)?flac"$`));

          // Every decoded sample equals ffmpeg's decode of the G.711 input.
          expectSamples(ffmpegPcm(out.path), inputPcm);
          // ffmpeg -v error -i out.mp4 -f null -  prints nothing.
          expect(decodeErrors(out.path)).toBe('');
          // ffmpeg -i out.mp4 -map 0:a -c:a copy out.flac && flac -t out.flac
          const flac = flacTest(out.path);
          expect(flac.output).toMatch(/ok/);
          expect(flac.status).toBe(0);

          const outputPackets = packets(out.path);
          // One FLAC frame per G.711 frame, each at the input frame's time and with its duration.
          const flat = form === 'flat';
          expect(relativeTimes(outputPackets, 'audio', flat)).toEqual(relativeTimes(inputPackets, 'audio', flat));
          if (c.video === 'none') return;
          expect(relativeTimes(outputPackets, 'video', true)).toEqual(relativeTimes(inputPackets, 'video', true));
          if (c.video === 'packets') expect(crcsOf(outputPackets, 'video')).toEqual(crcsOf(inputPackets, 'video'));
          else expect(decodedVideoHashes(out.path)).toEqual((inputVideoHashes ??= decodedVideoHashes(input)));
        });
      }
    });
  }
});

withOracles("audio: 'copy' (the default) and AAC: what GetClip returns, untouched", () => {
  for (const [name, codec] of [
    ['kvs-h264-alaw.mkv', 'pcm_alaw'],
    ['kvs-h264-ulaw.mkv', 'pcm_mulaw'],
  ] as const) {
    for (const form of ['flat', 'fragmented'] as const) {
      it(`${name}, ${form}: G.711 stays ${codec}, every packet as in the input; 'copy' is the default`, async () => {
        const path = join(FIXTURES, name);
        const input = new Uint8Array(readFileSync(path));
        const byDefault = await mp4Of(input, form, {});
        const copy = await mp4Of(input, form, { audio: 'copy' });
        expect(Buffer.compare(copy.bytes, byDefault.bytes)).toBe(0);
        expect(probeStreams(byDefault.path).map((s) => s.codecName)).toEqual(['h264', codec]);
        const [inputPackets, outputPackets] = [packets(path), packets(byDefault.path)];
        expect(crcsOf(outputPackets, 'audio')).toEqual(crcsOf(inputPackets, 'audio'));
        expect(crcsOf(outputPackets, 'video')).toEqual(crcsOf(inputPackets, 'video'));
      });
    }
  }

  for (const form of ['flat', 'fragmented'] as const) {
    it(`kvs-h264-aac.mkv, ${form}: AAC is never re-encoded, also with audio: 'flac'`, async () => {
      const path = join(FIXTURES, 'kvs-h264-aac.mkv');
      const input = new Uint8Array(readFileSync(path));
      const flac = await mp4Of(input, form, { audio: 'flac' });
      expect(probeStreams(flac.path).map((s) => s.codecName)).toEqual(['h264', 'aac']);
      const [inputPackets, outputPackets] = [packets(path), packets(flac.path)];
      expect(crcsOf(outputPackets, 'audio')).toEqual(crcsOf(inputPackets, 'audio'));
      expect(crcsOf(outputPackets, 'video')).toEqual(crcsOf(inputPackets, 'video'));
      expect(Buffer.compare(flac.bytes, (await mp4Of(input, form, {})).bytes)).toBe(0);
    });
  }
});

/**
 * Test PCM: a sweep through the whole 16-bit range with noise, both extremes included (the hardest
 * residuals for a FLAC encoder), different in every channel.
 */
function testSignal(frames: number, channels: number, seed: number): Int16Array {
  const out = new Int16Array(frames * channels);
  let state = seed;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      state = (state * 1103515245 + 12345) >>> 0;
      const noise = ((state >>> 16) % 2001) - 1000;
      const tone = Math.sin((i * (c + 1) * 2 * Math.PI * 440) / 8000) * 30000;
      out[i * channels + c] = Math.max(-32768, Math.min(32767, Math.round(tone + noise)));
    }
  }
  out[0] = -32768;
  out[channels] = 32767;
  return out;
}

interface PcmLayout {
  rate: number;
  channels: number;
  /** Sample frames of each block, fragment by fragment: uneven on purpose. */
  fragments: number[][];
}

/** A PCM stream of `layout` and the interleaved samples it holds, per track. */
function pcmStream(
  tracks: { number: number; channels: number }[],
  layout: PcmLayout,
  trackSpecs: Parameters<typeof writeTimedStream>[0],
  tags?: () => TimedFragment['tagsAfterCluster'],
) {
  const perTrack = tracks.map((t) =>
    testSignal(
      layout.fragments.flat().reduce((a, b) => a + b, 0),
      t.channels,
      7 + t.number,
    ),
  );
  const used = tracks.map(() => 0);
  let startMs = EPOCH_MS;
  const fragments = layout.fragments.map((blocks): TimedFragment => {
    const frames = tracks.flatMap((t, k) => {
      let at = 0;
      return blocks.map((length) => {
        const samples = perTrack[k].subarray(used[k] * t.channels, (used[k] + length) * t.channels);
        const frame = { track: t.number, offsetMs: Math.round((at * 1000) / layout.rate), data: s16leBytes(samples) };
        used[k] += length;
        at += length;
        return frame;
      });
    });
    const fragment = { startMs, frames, ...(tags ? { tagsAfterCluster: tags() } : {}) };
    startMs += (blocks.reduce((a, b) => a + b, 0) * 1000) / layout.rate;
    return fragment;
  });
  return { bytes: writeTimedStream(trackSpecs, fragments), samples: perTrack };
}

withOracles('16-bit PCM always becomes FLAC whose decode is the PCM written', () => {
  const layouts: [string, PcmLayout][] = [
    [
      'A_PCM/INT/LIT mono 16 kHz',
      {
        rate: 16000,
        channels: 1,
        fragments: [
          [320, 480, 160, 800],
          [640, 320, 336],
        ],
      },
    ],
    ['A_PCM/INT/LIT stereo 8 kHz', { rate: 8000, channels: 2, fragments: [[160, 240, 80], [400, 160], [800]] }],
  ];
  for (const [name, layout] of layouts) {
    // Default ('copy') and 'flac' alike: MP4 players take no raw PCM.
    for (const [form, options] of [
      ['flat', {}],
      ['fragmented', { audio: 'flac' }],
    ] as [Form, ClipOptions][]) {
      it(`${name}, ${form}, audio: ${options.audio ?? 'default'}`, async () => {
        const { bytes, samples } = pcmStream([{ number: 1, channels: layout.channels }], layout, [
          pcmTrack(1, layout.rate, layout.channels),
        ]);
        const out = await mp4Of(bytes, form, options);
        const [stream] = probeStreams(out.path);
        expect({ codec: stream.codecName, rate: stream.sampleRate, channels: stream.channels }).toEqual({
          codec: 'flac',
          rate: layout.rate,
          channels: layout.channels,
        });
        expectSamples(ffmpegPcm(out.path), samples[0]);
        expect(decodeErrors(out.path)).toBe('');
        expect(flacTest(out.path).status).toBe(0);
        // The input's frame times and durations, as ffmpeg reads them from the Matroska.
        const flat = form === 'flat';
        expect(relativeTimes(packets(out.path), 'audio', flat)).toEqual(
          relativeTimes(packets(tempFile('pcm-in.mkv', bytes)), 'audio', flat),
        );
      });
    }
  }

  it('Amazon Connect tracks (A_AAC + MimeType audio/L16): two FLAC tracks, each the PCM written', async () => {
    const layout: PcmLayout = {
      rate: 8000,
      channels: 1,
      fragments: [
        [320, 168, 472],
        [800, 160],
      ],
    };
    const tracks = [1, 2].map((number) => ({ number, channels: 1 }));
    const { bytes, samples } = pcmStream(tracks, layout, connectTracks(), () => connectTags('contact-1'));
    for (const form of ['flat', 'fragmented'] as const) {
      const out = await mp4Of(bytes, form, { audio: 'flac' });
      expect(out.mime).toMatch(/^audio\/mp4/);
      expect(probeStreams(out.path).map((s) => [s.codecName, s.sampleRate, s.channels])).toEqual([
        ['flac', 8000, 1],
        ['flac', 8000, 1],
      ]);
      expectSamples(ffmpegPcm(out.path, { mapping: '0:a:0' }), samples[0]);
      expectSamples(ffmpegPcm(out.path, { mapping: '0:a:1' }), samples[1]);
      expect(decodeErrors(out.path)).toBe('');
    }
  });
});

describe('audio-only streams', () => {
  it("are GetClip's UnsupportedStreamMediaTypeException under strict: 'getclip', an audio/mp4 clip otherwise", async () => {
    const layout: PcmLayout = { rate: 8000, channels: 1, fragments: [[160, 160]] };
    const { bytes } = pcmStream([{ number: 1, channels: 1 }], layout, [pcmTrack(1, 8000, 1)]);
    await expect(clip(bytes, { strict: 'getclip', audio: 'flac' })).rejects.toBeInstanceOf(UnsupportedStreamMediaTypeException);
    expect((await clip(bytes, { audio: 'flac' })).ContentType).toBe('audio/mp4');
  });
});
