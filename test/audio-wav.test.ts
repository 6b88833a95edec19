/**
 * `audioClip`, `wavStream` and `kvs-clip audio`: the audio tracks of a KVS stream as one 16-bit WAV.
 * Inputs are calls written with the test KVS writer, Amazon Connect-like (two A_AAC tracks carrying
 * 8 kHz PCM, announced by a MimeType tag after the Cluster) and Chime-like (one G.711 track), with
 * uneven blocks, interleaved tracks and missing fragments. The expected WAV is computed here from
 * the call's description alone: sample i of a track's frame lands at
 * (fragment timestamp − first timestamp) × rate + (samples before it in the fragment) + i, in the
 * track's channels, silence elsewhere. G.711 is expanded by test/support/g711-reference.ts, which is
 * checked against ffmpeg below. ffprobe reads the headers and ffmpeg decodes the files.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audioClip,
  fragmentedMp4,
  InvalidMediaFrameException,
  readFragments,
  UnsupportedStreamMediaTypeException,
  wavStream,
  type ClipInput,
} from '../src/index.js';
import {
  chimeTags,
  connectTags,
  connectTracks,
  EPOCH_MS,
  g711Track,
  pcmTrack,
  s16leBytes,
  sampleFrames,
  writeTimedStream,
  type TimedFragment,
} from './support/audio-streams.js';
import { buildCli, type BuiltCli } from './support/cli.js';
import { haveSamples } from './support/codecs-samples.js';
import { expandReference, type Law } from './support/g711-reference.js';
import { chunkPlan, splitBytes } from './support/kvs-arbitrary.js';
import { FIXTURES } from './support/mp4-input.js';
import { ffmpegPcm, firstDifference, int16, probeStreams } from './support/oracle-audio.js';
import { hasFfmpeg, tempFile } from './support/oracle-ffmpeg.js';

if (!hasFfmpeg) console.warn('SKIPPED: audio-wav tests that read the WAV with ffprobe/ffmpeg (ffmpeg is not installed)');
const withFfmpeg = it.skipIf(!hasFfmpeg);
if (!haveSamples) console.warn('SKIPPED: Chime-like calls from the real producer-c G.711 frames (../shared/kvs-samples is absent)');

// ── The call model: what is written, and the WAV it must give ──

type TrackCodec = { codec: 'pcm' } | { codec: Law };

interface CallTrack {
  codec: TrackCodec['codec'];
  channels: number;
}

interface CallFragment {
  /** Milliseconds after the first fragment (its producer timestamp and cluster Timecode). */
  startMs: number;
  /** Per track (in track-number order): the sample frames of each of its blocks. */
  blocks: number[][];
}

interface Call {
  kind: 'connect' | 'pcm' | 'chime';
  rate: number;
  tracks: CallTrack[];
  fragments: CallFragment[];
  /** Connect: CodecPrivate of the A_AAC tracks (absent, or an AAC-looking one). */
  codecPrivate?: Uint8Array;
  /** Frame bytes to use instead of generated ones, per track, in order (Chime calls from real frames). */
  frameData?: Uint8Array[][];
}

/** One written frame: its track, where the WAV must hold it, and its samples as the test decodes them. */
interface WrittenFrame {
  track: number;
  /** Index of the fragment, and place in the fragment's block order (time, then track). */
  fragment: number;
  offsetMs: number;
  /** Sample frame of the WAV where the frame starts. */
  position: number;
  /** Interleaved 16-bit samples (G.711 expanded by the reference table). */
  samples: Int16Array;
  data: Uint8Array;
}

/** Deterministic frame content: PCM over the whole 16-bit range, or every G.711 code. */
function frameContent(codec: CallTrack['codec'], values: number, seed: number): Uint8Array {
  let state = seed >>> 0 || 1;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  if (codec === 'pcm') return s16leBytes(Int16Array.from({ length: values }, () => (next() >>> 16) - 32768));
  return Uint8Array.from({ length: values }, () => next() >>> 24);
}

function decode(codec: CallTrack['codec'], data: Uint8Array): Int16Array {
  return codec === 'pcm' ? int16(data) : expandReference(codec, data);
}

function tracksOf(call: Call) {
  if (call.kind === 'connect') return connectTracks(call.codecPrivate);
  if (call.kind === 'chime') return call.tracks.map((t, i) => g711Track(i + 1, t.codec as Law, t.channels, call.rate));
  return call.tracks.map((t, i) => pcmTrack(i + 1, call.rate, t.channels));
}

function tagsOf(call: Call, fragment: number) {
  if (call.kind === 'connect') return connectTags(`contact-${fragment}`);
  if (call.kind === 'chime') return chimeTags(`transaction-${fragment}`);
  return undefined;
}

/** The call as KVS bytes, and every frame it holds. Block offsets are whole ms, rounded. */
function writeCall(call: Call, mutate?: (frame: WrittenFrame) => Uint8Array | undefined): { bytes: Uint8Array; frames: WrittenFrame[] } {
  const frames: WrittenFrame[] = [];
  const used = call.tracks.map(() => 0);
  const fragments = call.fragments.map((fragment, f): TimedFragment => {
    const timed = call.tracks.flatMap((track, t) => {
      let at = 0;
      return fragment.blocks[t].map((length) => {
        const data = call.frameData?.[t][used[t]] ?? frameContent(track.codec, length * track.channels, 1000 * t + used[t] + 7);
        used[t]++;
        const written: WrittenFrame = {
          track: t + 1,
          fragment: f,
          offsetMs: Math.round((at * 1000) / call.rate),
          position: (fragment.startMs * call.rate) / 1000 + at,
          samples: decode(track.codec, data),
          data,
        };
        written.data = mutate?.(written) ?? data;
        at += length;
        frames.push(written);
        return { track: t + 1, offsetMs: written.offsetMs, data: written.data };
      });
    });
    const tags = tagsOf(call, f);
    return { startMs: EPOCH_MS + fragment.startMs, frames: timed, ...(tags ? { tagsAfterCluster: tags } : {}) };
  });
  // Stream order, as the writer lays blocks out: fragment, then time, then track.
  frames.sort((a, b) => a.fragment - b.fragment || a.offsetMs - b.offsetMs || a.track - b.track);
  return { bytes: writeTimedStream(tracksOf(call), fragments), frames };
}

/** The interleaved WAV samples `frames` must give, independently of kvs-clip. */
function expectedWav(call: Call, frames: WrittenFrame[]): Int16Array {
  const width = call.tracks.reduce((n, t) => n + t.channels, 0);
  const firstChannel = call.tracks.map((_, t) => call.tracks.slice(0, t).reduce((n, x) => n + x.channels, 0));
  // Time in the WAV is wall-clock time from the first sample.
  const first = Math.min(...frames.map((f) => f.position));
  const end = Math.max(...frames.map((f) => f.position + f.samples.length / call.tracks[f.track - 1].channels));
  const out = new Int16Array((end - first) * width);
  for (const frame of frames) {
    const channels = call.tracks[frame.track - 1].channels;
    for (let i = 0; i < frame.samples.length; i++) {
      out[(frame.position - first + Math.floor(i / channels)) * width + firstChannel[frame.track - 1] + (i % channels)] = frame.samples[i];
    }
  }
  return out;
}

// ── Reading WAV bytes without kvs-clip ──

interface ParsedWav {
  formatTag: number;
  channels: number;
  rate: number;
  byteRate: number;
  blockAlign: number;
  bits: number;
  riffSize: number;
  dataSize: number;
  samples: Int16Array;
}

function parseWav(bytes: Uint8Array): ParsedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  expect([ascii(0), ascii(8)]).toEqual(['RIFF', 'WAVE']);
  const wav: Partial<ParsedWav> = { riffSize: view.getUint32(4, true) };
  for (let at = 12; at + 8 <= bytes.length;) {
    const size = view.getUint32(at + 4, true);
    if (ascii(at) === 'fmt ') {
      Object.assign(wav, {
        formatTag: view.getUint16(at + 8, true),
        channels: view.getUint16(at + 10, true),
        rate: view.getUint32(at + 12, true),
        byteRate: view.getUint32(at + 16, true),
        blockAlign: view.getUint16(at + 20, true),
        bits: view.getUint16(at + 22, true),
      });
    } else if (ascii(at) === 'data') {
      wav.dataSize = size;
      // 0xFFFFFFFF (a streaming header): the data runs to the end.
      wav.samples = int16(bytes.subarray(at + 8, size === 0xffffffff ? bytes.length : at + 8 + size));
      break;
    }
    at += 8 + size + (size & 1);
  }
  return wav as ParsedWav;
}

function expectWav(bytes: Uint8Array, call: Call, expected: Int16Array, streaming: boolean): void {
  const wav = parseWav(bytes);
  const channels = call.tracks.reduce((n, t) => n + t.channels, 0);
  expect({ ...wav, samples: undefined }).toEqual({
    formatTag: 1,
    channels,
    rate: call.rate,
    byteRate: call.rate * channels * 2,
    blockAlign: channels * 2,
    bits: 16,
    riffSize: streaming ? 0xffffffff : 36 + expected.length * 2,
    dataSize: streaming ? 0xffffffff : expected.length * 2,
    samples: undefined,
  });
  expect(expected.length).toBeGreaterThan(0);
  expect(firstDifference(wav.samples, expected)).toBeNull();
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; error: unknown }> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { bytes: Buffer.concat(chunks), error: null };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

async function wavBytes(input: ClipInput): Promise<Uint8Array> {
  const out = await audioClip(input);
  expect(out.ContentType).toBe('audio/wav');
  return out.Payload.bytes();
}

// ── Calls ──

/**
 * A Connect call: 8 kHz, blocks of uneven lengths (not whole milliseconds) that differ between the
 * tracks, and fragment 2 (200–300 ms) missing.
 */
function connectCall(codecPrivate?: Uint8Array): Call {
  return {
    kind: 'connect',
    rate: 8000,
    tracks: [
      { codec: 'pcm', channels: 1 },
      { codec: 'pcm', channels: 1 },
    ],
    codecPrivate,
    fragments: [
      {
        startMs: 0,
        blocks: [
          [160, 323, 85, 232],
          [401, 133, 266],
        ],
      },
      { startMs: 100, blocks: [[800], [243, 237, 320]] },
      { startMs: 300, blocks: [[171, 629], [800]] },
      {
        startMs: 400,
        blocks: [
          [320, 320, 160],
          [99, 701],
        ],
      },
    ],
  };
}

const AAC_LOOKING_PRIVATE = Uint8Array.from([0x11, 0x90]);

describe('reference G.711 expansion', () => {
  withFfmpeg('equals ffmpeg’s pcm_alaw / pcm_mulaw decode for all 256 codes of each law', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const raw = tempFile('codes.g711', codes);
    for (const law of ['alaw', 'ulaw'] as const) {
      // ffmpeg -f alaw|mulaw -ar 8000 -ac 1 -i codes.g711 -f s16le -
      const ffmpeg = ffmpegPcm(raw, { inputArgs: ['-f', law === 'alaw' ? 'alaw' : 'mulaw', '-ar', '8000', '-ac', '1'] });
      expect(firstDifference(expandReference(law, codes), ffmpeg)).toBeNull();
    }
  });
});

describe('Amazon Connect-like calls', () => {
  for (const [name, codecPrivate] of [
    ['no CodecPrivate', undefined],
    ['CodecPrivate 1190 (AAC-looking)', AAC_LOOKING_PRIVATE],
  ] as const) {
    withFfmpeg(`${name}: audioClip gives a stereo WAV ffprobe reads, samples where the fragments' timestamps put them`, async () => {
      const call = connectCall(codecPrivate);
      const { bytes, frames } = writeCall(call);
      const expected = expectedWav(call, frames);
      const wav = await wavBytes(bytes);
      expectWav(wav, call, expected, false);
      const path = tempFile(`connect-${codecPrivate ? 'private' : 'none'}.wav`, wav);
      const [stream] = probeStreams(path);
      expect(stream).toMatchObject({ codecName: 'pcm_s16le', sampleRate: 8000, channels: 2 });
      expect(stream.duration).toBeCloseTo(0.5, 6);
      expect(firstDifference(ffmpegPcm(path), expected)).toBeNull();
    });
  }

  it('the per-fragment tags (ContactId, MimeType, track names) reach API users through readFragments', async () => {
    const { bytes } = writeCall(connectCall());
    const fragments = [];
    for await (const fragment of readFragments(bytes)) fragments.push(fragment);
    expect(fragments.map((f) => f.tags.find((t) => t.name === 'ContactId')?.value)).toEqual([
      'contact-0',
      'contact-1',
      'contact-2',
      'contact-3',
    ]);
    expect(fragments[0].tags).toEqual(expect.arrayContaining(connectTags('contact-0')));
    expect(fragments[0].producerTimestamp).toBe(EPOCH_MS);
  });

  withFfmpeg('wavStream: a streaming header (sizes 0xFFFFFFFF) that ffmpeg reads, from a file and from a pipe', async () => {
    const call = connectCall();
    const { bytes, frames } = writeCall(call);
    const expected = expectedWav(call, frames);
    const { bytes: wav, error } = await collect(wavStream(splitBytes(bytes, [997, 61, 4096])));
    expect(error).toBeNull();
    expectWav(wav, call, expected, true);
    const path = tempFile('connect-stream.wav', wav);
    expect(probeStreams(path)[0]).toMatchObject({ codecName: 'pcm_s16le', sampleRate: 8000, channels: 2 });
    expect(firstDifference(ffmpegPcm(path), expected)).toBeNull();
    expect(probeStreams('-', wav)[0]).toMatchObject({ codecName: 'pcm_s16le', sampleRate: 8000, channels: 2 });
    expect(firstDifference(ffmpegPcm('-', { stdin: wav }), expected)).toBeNull();
  });

  it('a missing stretch longer than the assembler’s window (25 s) is silence, and the samples after it are in place', async () => {
    const call: Call = {
      ...connectCall(),
      fragments: [
        { startMs: 0, blocks: [[160, 160], [320]] },
        { startMs: 25_040, blocks: [[400], [250, 150]] },
      ],
    };
    const { bytes, frames } = writeCall(call);
    expectWav(await wavBytes(bytes), call, expectedWav(call, frames), false);
  });
});

describe('Chime Voice Connector-like calls (one G.711 track, real producer-c frames)', () => {
  for (const law of ['ulaw', 'alaw'] as const) {
    it.skipIf(!haveSamples || !hasFfmpeg)(
      `${law}: WAV samples are the reference expansion, placed by fragment timestamps; TransactionId per fragment`,
      async () => {
        const data = sampleFrames(law === 'alaw' ? 'alaw/producer-c' : 'mulaw/producer-c', 150);
        const second = (n: number) => Array.from({ length: n }, () => 160);
        const call: Call = {
          kind: 'chime',
          rate: 8000,
          tracks: [{ codec: law, channels: 1 }],
          // 1 s, 1 s, then 1.5 s of nothing, then 1 s: 50 frames of 20 ms each.
          fragments: [
            { startMs: 0, blocks: [second(50)] },
            { startMs: 1000, blocks: [second(50)] },
            { startMs: 3500, blocks: [second(50)] },
          ],
          frameData: [data],
        };
        const { bytes, frames } = writeCall(call);
        const expected = expectedWav(call, frames);
        const wav = await wavBytes(bytes);
        expectWav(wav, call, expected, false);
        const path = tempFile(`chime-${law}.wav`, wav);
        const [stream] = probeStreams(path);
        expect(stream).toMatchObject({ codecName: 'pcm_s16le', sampleRate: 8000, channels: 1 });
        expect(stream.duration).toBeCloseTo(4.5, 6);
        expect(firstDifference(ffmpegPcm(path), expected)).toBeNull();
        const transactions = [];
        for await (const fragment of readFragments(bytes)) transactions.push(fragment.tags.find((t) => t.name === 'TransactionId')?.value);
        expect(transactions).toEqual(['transaction-0', 'transaction-1', 'transaction-2']);
      },
    );
  }

  withFfmpeg("a camera's G.711 track (fixtures/kvs-h264-alaw.mkv): the WAV holds the audio alone, as ffmpeg decodes it", async () => {
    const path = join(FIXTURES, 'kvs-h264-alaw.mkv');
    const wav = parseWav(await wavBytes(new Uint8Array(readFileSync(path))));
    expect([wav.channels, wav.rate]).toEqual([1, 8000]);
    expect(firstDifference(wav.samples, ffmpegPcm(path))).toBeNull();
  });
});

// ── Arbitrary layouts ──

/**
 * A fragment of `lengthMs` whose tracks are cut into blocks at arbitrary places, each at least 1 ms
 * long: block times are written in whole ms, and kvs-clip follows the running sample count as long
 * as a block's time is within half a block of it (ms rounding stays within that for blocks ≥ 1 ms).
 * A track may have no block in a fragment (one side of a call silent, or an empty Cluster).
 */
function fragmentArbitrary(trackCount: number, samplesPerMs: number) {
  const trackCuts = fc.option(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 8 }), { nil: null, freq: 6 });
  return fc
    .record({
      lengthMs: fc.integer({ min: 1, max: 80 }),
      cuts: fc.array(trackCuts, { minLength: trackCount, maxLength: trackCount }),
      gapMs: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 300 }) },
        // Longer than the WAV assembler's 10 s window.
        { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 12_000 }) },
      ),
    })
    .map(({ lengthMs, cuts, gapMs }) => {
      const length = lengthMs * samplesPerMs;
      const blocks = cuts.map((trackCuts) => {
        if (trackCuts === null) return [];
        const points = [...new Set(trackCuts.map((c) => Math.round((c / 1000) * length)))].sort((a, b) => a - b);
        const sizes: number[] = [];
        let previous = 0;
        for (const point of points) {
          if (point - previous < samplesPerMs || length - point < samplesPerMs) continue;
          sizes.push(point - previous);
          previous = point;
        }
        sizes.push(length - previous);
        return sizes;
      });
      return { lengthMs, blocks, gapMs };
    });
}

/**
 * Fragment start times from lengths and gaps. A track's pause shorter than half its last block is
 * jitter to kvs-clip (it plays the track on from its running end), not a gap: such a fragment is
 * moved later until every track's pause is either none or more than half its last block.
 */
function startTimes(layout: { lengthMs: number; blocks: number[][]; gapMs: number }[], samplesPerMs: number): number[] {
  const trackCount = layout[0].blocks.length;
  const ends: (number | null)[] = Array.from({ length: trackCount }, () => null);
  const lastBlock = Array.from({ length: trackCount }, () => 0);
  const starts: number[] = [];
  let startMs = 0;
  for (const { lengthMs, blocks, gapMs } of layout) {
    const isJitter = (t: number) => {
      const pause = startMs * samplesPerMs - ends[t]!;
      return blocks[t].length > 0 && ends[t] !== null && pause > 0 && pause <= lastBlock[t] / 2;
    };
    while (blocks.some((_, t) => isJitter(t))) startMs++;
    starts.push(startMs);
    blocks.forEach((sizes, t) => {
      if (sizes.length === 0) return;
      ends[t] = startMs * samplesPerMs + sizes.reduce((a, b) => a + b, 0);
      lastBlock[t] = sizes[sizes.length - 1];
    });
    startMs += lengthMs + gapMs;
  }
  return starts;
}

const callArbitrary: fc.Arbitrary<Call> = fc
  .oneof(
    fc.record({
      kind: fc.constant('connect' as const),
      rate: fc.constant(8000),
      tracks: fc.constant<CallTrack[]>([
        { codec: 'pcm', channels: 1 },
        { codec: 'pcm', channels: 1 },
      ]),
      codecPrivate: fc.constantFrom(undefined, AAC_LOOKING_PRIVATE),
    }),
    fc.record({
      kind: fc.constant('pcm' as const),
      rate: fc.constantFrom(8000, 16000),
      tracks: fc.array(fc.record({ codec: fc.constant('pcm' as const), channels: fc.integer({ min: 1, max: 2 }) }), {
        minLength: 1,
        maxLength: 2,
      }),
    }),
    fc.record({
      kind: fc.constant('chime' as const),
      rate: fc.constant(8000),
      tracks: fc
        .tuple(fc.record({ codec: fc.constantFrom<Law>('alaw', 'ulaw'), channels: fc.integer({ min: 1, max: 2 }) }))
        .map((t): CallTrack[] => t),
    }),
  )
  .chain((base) =>
    fc
      .array(fragmentArbitrary(base.tracks.length, base.rate / 1000), { minLength: 1, maxLength: 5 })
      // At least one frame in the call (an empty one is ResourceNotFoundException, tested elsewhere).
      .filter((layout) => layout.some((f) => f.blocks.some((b) => b.length > 0)))
      .map((layout): Call => {
        const starts = startTimes(layout, base.rate / 1000);
        return { ...base, fragments: layout.map((f, i) => ({ startMs: starts[i], blocks: f.blocks })) };
      }),
  );

describe('arbitrary fragment layouts (fast-check)', () => {
  it('audioClip and wavStream give exactly the independently placed samples, for any chunking of the input', async () => {
    await fc.assert(
      fc.asyncProperty(callArbitrary, chunkPlan, async (call, plan) => {
        const { bytes, frames } = writeCall(call);
        const expected = expectedWav(call, frames);
        expectWav(await wavBytes(splitBytes(bytes, plan)), call, expected, false);
        const streamed = await collect(wavStream(splitBytes(bytes, plan)));
        expect(streamed.error).toBeNull();
        expectWav(streamed.bytes, call, expected, true);
      }),
      { numRuns: 150 },
    );
  });
});

// ── Bad input ──

function kvsErrorOf(error: unknown): { name: string; track?: number; message: string } {
  expect(error).toBeInstanceOf(Error);
  const e = error as Error & { track?: number };
  return { name: e.name, track: e.track, message: e.message };
}

async function audioClipError(input: Uint8Array): Promise<unknown> {
  try {
    await audioClip(input);
  } catch (error) {
    return error;
  }
  throw new Error('audioClip accepted the input');
}

describe('bad input', () => {
  /** connectCall with one odd-length frame: track 2's second block of fragment 1. */
  function oddFrameCall() {
    const call = connectCall();
    const isBad = (f: WrittenFrame) => f.fragment === 1 && f.track === 2 && f.offsetMs > 0 && f.offsetMs < 40;
    const written = writeCall(call, (f) => (isBad(f) ? f.data.subarray(0, f.data.length - 1) : undefined));
    const bad = written.frames.findIndex(isBad);
    expect(bad).toBeGreaterThan(0);
    return { call, ...written, before: written.frames.slice(0, bad) };
  }

  it('a PCM frame of odd byte length: InvalidMediaFrameException (track 2); wavStream first delivers every sample before it', async () => {
    const { call, bytes, before } = oddFrameCall();
    const error = kvsErrorOf(await audioClipError(bytes));
    expect(error).toMatchObject({ name: 'InvalidMediaFrameException', track: 2 });
    const streamed = await collect(wavStream(bytes));
    expect(streamed.error).toBeInstanceOf(InvalidMediaFrameException);
    expectWav(streamed.bytes, call, expectedWav(call, before), true);
  });

  withFfmpeg("fragmentedMp4 with audio: 'flac' delivers the FLAC of every frame before the odd one, then throws", async () => {
    const { bytes, before } = oddFrameCall();
    const segments: Uint8Array[] = [];
    let error: unknown = null;
    try {
      for await (const segment of fragmentedMp4(bytes, { audio: 'flac' })) segments.push(segment.data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidMediaFrameException);
    const path = tempFile('odd-frame.mp4', segments);
    for (const track of [1, 2]) {
      const written = before.filter((f) => f.track === track);
      const samples = Int16Array.from(written.flatMap((f) => [...f.samples]));
      expect(firstDifference(ffmpegPcm(path, { mapping: `0:a:${track - 1}` }), samples)).toBeNull();
    }
  });

  for (const [name, mimeType] of [
    ['audio/L24 (24-bit samples)', 'audio/L24;rate=8000;channels=1;'],
    ['audio/L16 without a rate', 'audio/L16;channels=1;'],
  ] as const) {
    it(`MimeType ${name} in the first fragment: UnsupportedStreamMediaTypeException`, async () => {
      const bytes = writeTimedStream(connectTracks(), [
        { startMs: EPOCH_MS, frames: [{ track: 1, offsetMs: 0, data: new Uint8Array(320) }], tagsAfterCluster: connectTags('c', mimeType) },
      ]);
      expect(await audioClipError(bytes)).toBeInstanceOf(UnsupportedStreamMediaTypeException);
      expect((await collect(wavStream(bytes))).error).toBeInstanceOf(UnsupportedStreamMediaTypeException);
    });

    it(`MimeType ${name} in the third fragment: UnsupportedStreamMediaTypeException, after the samples of the first two`, async () => {
      const call = connectCall();
      const { frames } = writeCall(call);
      const fragments = call.fragments.map((fragment, f): TimedFragment => ({
        startMs: EPOCH_MS + fragment.startMs,
        frames: frames.filter((w) => w.fragment === f).map((w) => ({ track: w.track, offsetMs: w.offsetMs, data: w.data })),
        tagsAfterCluster: connectTags(`contact-${f}`, f === 2 ? mimeType : undefined),
      }));
      const bytes = writeTimedStream(connectTracks(), fragments);
      expect(await audioClipError(bytes)).toBeInstanceOf(UnsupportedStreamMediaTypeException);
      const streamed = await collect(wavStream(bytes));
      expect(streamed.error).toBeInstanceOf(UnsupportedStreamMediaTypeException);
      expectWav(
        streamed.bytes,
        call,
        expectedWav(
          call,
          frames.filter((w) => w.fragment < 2),
        ),
        true,
      );
    });
  }

  it('tracks of different sample rates: UnsupportedStreamMediaTypeException naming track 2', async () => {
    const bytes = writeTimedStream(
      [pcmTrack(1, 8000, 1), pcmTrack(2, 16000, 1)],
      [
        {
          startMs: EPOCH_MS,
          frames: [
            { track: 1, offsetMs: 0, data: new Uint8Array(320) },
            { track: 2, offsetMs: 0, data: new Uint8Array(640) },
          ],
        },
      ],
    );
    const error = kvsErrorOf(await audioClipError(bytes));
    expect(error).toMatchObject({ name: 'UnsupportedStreamMediaTypeException', track: 2 });
    expect(error.message).toMatch(/Track 2/);
  });

  it('an AAC track (fixtures/kvs-h264-aac.mkv track 2; A_AAC 1190 without a MimeType tag): UnsupportedStreamMediaTypeException naming it', async () => {
    const camera = kvsErrorOf(await audioClipError(new Uint8Array(readFileSync(join(FIXTURES, 'kvs-h264-aac.mkv')))));
    expect(camera).toMatchObject({ name: 'UnsupportedStreamMediaTypeException', track: 2 });
    expect(camera.message).toMatch(/Track 2/);
    const untagged = writeTimedStream(connectTracks(AAC_LOOKING_PRIVATE), [
      { startMs: EPOCH_MS, frames: [{ track: 1, offsetMs: 0, data: new Uint8Array(320) }] },
    ]);
    const aac = kvsErrorOf(await audioClipError(untagged));
    expect(aac).toMatchObject({ name: 'UnsupportedStreamMediaTypeException', track: 1 });
    expect(aac.message).toMatch(/Track 1/);
  });
});

// ── kvs-clip audio ──

describe('kvs-clip audio (built CLI)', () => {
  let cli: BuiltCli;
  beforeAll(() => {
    cli = buildCli();
  });
  afterAll(() => cli?.remove());

  withFfmpeg('to a file (sizes in the header) and to stdout (streaming header), from a file and from stdin', () => {
    const call = connectCall(AAC_LOOKING_PRIVATE);
    const { bytes, frames } = writeCall(call);
    const expected = expectedWav(call, frames);
    const input = join(cli.dir, 'call.mkv');
    const output = join(cli.dir, 'call.wav');
    writeFileSync(input, bytes);

    const toFile = cli.run(['audio', input, '-o', output]);
    expect(toFile.stderr).toMatch(/wrote .*call\.wav \(WAV, 2 ch, 8000 Hz, 0\.500 s\)/);
    expect(toFile.status).toBe(0);
    expectWav(new Uint8Array(readFileSync(output)), call, expected, false);
    expect(probeStreams(output)[0]).toMatchObject({ codecName: 'pcm_s16le', sampleRate: 8000, channels: 2, duration: 0.5 });
    expect(firstDifference(ffmpegPcm(output), expected)).toBeNull();

    const toStdout = cli.run(['audio', '-', '-o', '-'], bytes);
    expect(toStdout.status).toBe(0);
    expectWav(toStdout.stdout, call, expected, true);
    expect(firstDifference(ffmpegPcm('-', { stdin: toStdout.stdout }), expected)).toBeNull();
  });

  it('an AAC stream: exit 1, the KVS error name on the first stderr line, no WAV', () => {
    const output = join(cli.dir, 'aac.wav');
    const run = cli.run(['audio', join(FIXTURES, 'kvs-h264-aac.mkv'), '-o', output]);
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(/^UnsupportedStreamMediaTypeException: Track 2 /);
    expect(existsSync(output)).toBe(false);
  });
});
