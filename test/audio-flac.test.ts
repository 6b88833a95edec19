/**
 * The FLAC encoder (src/audio/flac), checked by three independent decoders:
 * - Debian's `flac` (libFLAC): `flac -t -w` must pass (frame CRCs, and the MD5 of every decoded
 *   sample, which the test puts in STREAMINFO) and `flac -d` must give back every input sample;
 * - ffmpeg's FLAC decoder: same samples, no message; and the same frames remuxed by ffmpeg into MP4
 *   carry a `dfLa` box equal to ours;
 * - test/support/flac-decoder.ts, itself checked here against files the `flac` tool encodes, which
 *   also runs the fast-check round trip G.711 → PCM → FLAC → PCM.
 * Signals: sine, noise, silence, extremes, speech-like G.711, the real KVS G.711 captures, stereo,
 * 8/11.025/16/22/44.1/48/96 kHz and uncommon rates, 8..24 bits, block sizes 1, 160, 4096, 65535
 * and mixed (variable block size streams).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dfLaPayload,
  expandG711,
  FlacEncoder,
  flacStreamHeader,
  metadataBlockHeader,
  streamInfoBytes,
  type FlacStreamInfo,
} from '../src/audio/index.js';
import { BitWriter } from '../src/audio/flac/bit-writer.js';
import { crc16, crc8 } from '../src/audio/flac/crc.js';
import { writeCodedNumber } from '../src/audio/flac/frame-header.js';
import { decodeFlac, decodeFrame, parseMetadataBlocks, parseStreamInfo } from './support/flac-decoder.js';
import {
  encodeFlacFile,
  ffmpegDecodeRaw,
  flacDecodeRaw,
  flacTest,
  hasFlacTool,
  interleavedBytes,
  tempFileOf,
  tempPath,
} from './support/flac-tools.js';
import { compressG711 } from './support/g711-encode.js';
import { hasFfmpeg } from './support/oracle-ffmpeg.js';
import { prng, speechLikeSignal } from './support/speech-signal.js';

if (!hasFlacTool) console.warn('SKIPPED: flac/metaflac not installed (Debian package flac); FLAC output is not checked with libFLAC');
if (!hasFfmpeg) console.warn('SKIPPED: ffmpeg not installed; FLAC output is not checked with ffmpeg');

/** The KVS sample captures, next to the checkout as for the other tests (../shared/kvs-samples). */
const FRAMES = fileURLToPath(new URL('../../shared/kvs-samples/frames', import.meta.url));
const SAMPLE_DIRS = [join(FRAMES, 'alaw/producer-c'), join(FRAMES, 'mulaw/producer-c'), join(FRAMES, 'alaw/embedded-c')];
const hasSamples = SAMPLE_DIRS.every((d) => existsSync(d));
if (!hasSamples) console.warn(`SKIPPED: ${FRAMES} is absent; the real KVS G.711 captures are not encoded`);

// ---------------------------------------------------------------------------------------------
// Signals

function sine(n: number, rate: number, freq: number, amp: number, phase = 0): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate + phase)));
}

function noise(n: number, seed: number, bits = 16): Int32Array {
  const rand = prng(seed);
  const half = 2 ** (bits - 1);
  return Int32Array.from({ length: n }, () => Math.floor(rand() * 2 * half) - half);
}

function toInt16(x: Int32Array): Int16Array {
  return Int16Array.from(x);
}

/** Each G.711 frame file of a capture folder, in order. */
function captureFrames(dir: string): Uint8Array[] {
  return readdirSync(dir)
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

interface Case {
  name: string;
  channels: (Int16Array | Int32Array)[];
  rate: number;
  bits?: number;
  blocks: number[];
  fixed?: boolean;
  /** Expect predictors to win: compressed frames at most this fraction of verbatim PCM. */
  maxRatio?: number;
}

const speech8k = speechLikeSignal(20, 8000, 11);
const alawSpeech = expandG711('alaw', compressG711('alaw', speech8k));
const ulawSpeech = expandG711('ulaw', compressG711('ulaw', speech8k));
const speech16k = speechLikeSignal(6, 16000, 5);

const cases: Case[] = [
  {
    name: 'sine 440 Hz, 8 kHz mono, 160-sample blocks',
    channels: [sine(16000, 8000, 440, 12000)],
    rate: 8000,
    blocks: [160],
    maxRatio: 0.45,
  },
  {
    name: 'sine, 44.1 kHz stereo, fixed 4096-sample blocks',
    channels: [sine(50000, 44100, 1000, 20000), sine(50000, 44100, 1000, 20000, 0.3)],
    rate: 44100,
    blocks: [4096],
    fixed: true,
    maxRatio: 0.35,
  },
  { name: 'white noise, 48 kHz mono, 4096 (verbatim wins)', channels: [toInt16(noise(20000, 1))], rate: 48000, blocks: [4096] },
  { name: 'silence, 16 kHz, 160', channels: [new Int16Array(8000)], rate: 16000, blocks: [160], maxRatio: 0.05 },
  {
    name: 'extremes alternating 32767/-32768, 8 kHz',
    channels: [Int16Array.from({ length: 4000 }, (_, i) => (i & 1 ? -32768 : 32767))],
    rate: 8000,
    blocks: [160],
  },
  { name: 'constant -32768, block size 1 (variable)', channels: [new Int16Array(300).fill(-32768)], rate: 8000, blocks: [1] },
  {
    name: 'random ±32767/-32768/0 spikes, 22.05 kHz',
    channels: [Int16Array.from(noise(9000, 2), (v) => (v % 3 === 0 ? -32768 : v % 3 === 1 ? 32767 : 0))],
    rate: 22050,
    blocks: [576],
  },
  { name: 'A-law speech-like, 8 kHz, 160', channels: [alawSpeech], rate: 8000, blocks: [160], maxRatio: 0.6 },
  { name: 'µ-law speech-like, 8 kHz, 160', channels: [ulawSpeech], rate: 8000, blocks: [160], maxRatio: 0.6 },
  {
    name: 'speech-like 16 kHz stereo, variable 1/17/160/4096/333/2',
    channels: [speech16k, Int16Array.from(speech16k, (v, i) => (v >> 1) + (i % 7) - 3)],
    rate: 16000,
    blocks: [1, 17, 160, 4096, 333, 2],
  },
  { name: 'sine, block size 1 throughout', channels: [sine(400, 8000, 300, 10000)], rate: 8000, blocks: [1] },
  {
    name: 'sine + noise, 65535-sample blocks, 96 kHz',
    channels: [Int16Array.from(sine(140000, 96000, 5000, 16000), (v, i) => v + (i % 13))],
    rate: 96000,
    blocks: [65535],
    fixed: true,
  },
  {
    name: '6 channels at 48 kHz, 1152',
    channels: Array.from({ length: 6 }, (_, c) => sine(10000, 48000, 200 * (c + 1), 8000)),
    rate: 48000,
    blocks: [1152],
  },
  { name: 'uncommon rate 11025 Hz (16-bit Hz code)', channels: [sine(5000, 11025, 700, 9000)], rate: 11025, blocks: [160] },
  { name: 'uncommon rate 22000 Hz (8-bit kHz code)', channels: [sine(5000, 22000, 700, 9000)], rate: 22000, blocks: [320] },
  { name: 'uncommon rate 705600 Hz (tens of Hz code)', channels: [sine(5000, 705600, 7000, 9000)], rate: 705600, blocks: [4096] },
  {
    name: '24-bit sine, 48 kHz',
    channels: [Int32Array.from(sine(9000, 48000, 440, 1), (_, i) => Math.round(8000000 * Math.sin(i / 10)) + (i % 5))],
    rate: 48000,
    bits: 24,
    blocks: [4096],
  },
  {
    name: '24-bit noise with extremes',
    channels: [Int32Array.from(noise(5000, 3, 24), (v, i) => (i % 100 === 0 ? -8388608 : i % 100 === 1 ? 8388607 : v))],
    rate: 48000,
    bits: 24,
    blocks: [1000],
  },
  {
    name: '24-bit stereo, opposite extremes and noise (25-bit side channel)',
    channels: [
      Int32Array.from(noise(6000, 7, 24), (v, i) => (i % 50 < 5 ? 8388607 : i % 3 === 0 ? Math.round(4000000 * Math.sin(i / 7)) : v)),
      Int32Array.from(noise(6000, 8, 24), (v, i) => (i % 50 < 5 ? -8388608 : i % 3 === 0 ? Math.round(4000000 * Math.sin(i / 7)) - 3 : v)),
    ],
    rate: 96000,
    bits: 24,
    blocks: [2000, 1000, 17],
  },
  {
    name: '8-bit stereo, mid/side-friendly',
    channels: [
      Int32Array.from(sine(3000, 8000, 200, 1), (_, i) => Math.round(100 * Math.sin(i / 9))),
      Int32Array.from(sine(3000, 8000, 200, 1), (_, i) => Math.round(100 * Math.sin(i / 9)) - (i % 2)),
    ],
    rate: 8000,
    bits: 8,
    blocks: [256],
  },
  {
    name: '8-bit sine',
    channels: [Int32Array.from(sine(5000, 8000, 440, 1), (_, i) => Math.round(100 * Math.sin(i / 5)))],
    rate: 8000,
    bits: 8,
    blocks: [160],
  },
  {
    name: '12-bit speech-like',
    channels: [Int32Array.from(speech8k.subarray(0, 16000), (v) => v >> 4)],
    rate: 8000,
    bits: 12,
    blocks: [256],
  },
];

if (hasSamples) {
  const [alawDir, mulawDir, embeddedDir] = SAMPLE_DIRS;
  for (const [dir, law, label] of [
    [alawDir, 'alaw', 'producer-c A-law'],
    [mulawDir, 'ulaw', 'producer-c µ-law'],
    [embeddedDir, 'alaw', 'embedded-c A-law'],
  ] as const) {
    const frames = captureFrames(dir);
    const pcm = expandG711(law, Buffer.concat(frames));
    cases.push({
      name: `real KVS capture ${label}, one FLAC frame per KVS frame (${frames[0].length} samples)`,
      channels: [pcm],
      rate: 8000,
      blocks: [frames[0].length],
      maxRatio: 0.8,
    });
  }
}

// ---------------------------------------------------------------------------------------------

describe('FLAC checksums, bit writer, coded numbers', () => {
  it('CRC-8 and CRC-16 equal a bit-by-bit reference on random data of every length parity', () => {
    const rand = prng(9);
    for (let len = 0; len < 70; len++) {
      const data = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      let c8 = 0;
      let c16 = 0;
      for (const byte of data) {
        c8 ^= byte;
        c16 ^= byte << 8;
        for (let b = 0; b < 8; b++) {
          c8 = c8 & 0x80 ? ((c8 << 1) ^ 0x07) & 0xff : (c8 << 1) & 0xff;
          c16 = c16 & 0x8000 ? ((c16 << 1) ^ 0x8005) & 0xffff : (c16 << 1) & 0xffff;
        }
      }
      expect(crc8(data, 0, len)).toBe(c8);
      expect(crc16(data, 0, len)).toBe(c16);
    }
    // RFC 9639 example 1's first frame header: ff f8 69 18 00 00 has CRC-8 0xbf.
    expect(crc8(Uint8Array.of(0xff, 0xf8, 0x69, 0x18, 0x00, 0x00), 0, 6)).toBe(0xbf);
  });

  it('the bit writer produces the same bits as a string builder for random writes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('bits' as const),
              n: fc.integer({ min: 0, max: 32 }),
              v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
            }),
            // Residuals up to 2^8 times 2^k: unary parts up to 512 zeros (the long-code path), not megabytes.
            fc.integer({ min: 0, max: 30 }).chain((k) => {
              const limit = 2 ** Math.min(29, k + 8) - 1;
              return fc.record({
                kind: fc.constant('rice' as const),
                k: fc.constant(k),
                r: fc.array(fc.integer({ min: -limit, max: limit }), { maxLength: 20 }),
              });
            }),
            fc.record({
              kind: fc.constant('run' as const),
              n: fc.integer({ min: 1, max: 31 }),
              r: fc.array(fc.integer({ min: -(2 ** 30), max: 2 ** 30 - 1 }), { maxLength: 20 }),
            }),
            fc.record({ kind: fc.constant('zeros' as const), n: fc.integer({ min: 0, max: 100 }) }),
          ),
          { maxLength: 40 },
        ),
        (ops) => {
          const w = new BitWriter(16);
          w.reserve(1 << 20);
          let expected = '';
          const bin = (v: number, n: number) => (n === 0 ? '' : BigInt.asUintN(n, BigInt(v)).toString(2).padStart(n, '0'));
          for (const op of ops) {
            if (op.kind === 'bits') {
              w.bits(op.v, op.n);
              expected += bin(op.v, op.n);
            } else if (op.kind === 'zeros') {
              w.zeros(op.n);
              expected += '0'.repeat(op.n);
            } else if (op.kind === 'run') {
              const values = op.r.map((v) => Number(BigInt.asIntN(op.n, BigInt(v))));
              w.signedRun(Int32Array.from(values), 0, values.length, op.n);
              for (const v of values) expected += bin(v, op.n);
            } else {
              if (op.r.length === 0) continue;
              w.riceRun(Int32Array.from(op.r), 0, op.r.length, op.k);
              for (const r of op.r) {
                const u = r >= 0 ? 2 * r : -2 * r - 1;
                expected += '0'.repeat(Math.floor(u / 2 ** op.k)) + '1' + bin(u % 2 ** op.k, op.k);
              }
            }
            expect(w.bitLength).toBe(expected.length);
          }
          w.alignToByte();
          const padded = expected.padEnd(Math.ceil(expected.length / 8) * 8, '0');
          const got = Array.from(w.bytes.subarray(0, w.pos), (b) => b.toString(2).padStart(8, '0')).join('');
          expect(got).toBe(padded);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('coded numbers follow the extended UTF-8 table of RFC 9639 §9.1.5 (incl. its 51-billion example)', () => {
    const out = new Uint8Array(8);
    const code = (v: number) => Array.from(out.subarray(0, writeCodedNumber(out, 0, v)));
    expect(code(0)).toEqual([0]);
    expect(code(0x7f)).toEqual([0x7f]);
    expect(code(0x80)).toEqual([0xc2, 0x80]);
    expect(code(0x7ff)).toEqual([0xdf, 0xbf]);
    expect(code(0xffff)).toEqual([0xef, 0xbf, 0xbf]);
    expect(code(0x10000)).toEqual([0xf0, 0x90, 0x80, 0x80]);
    expect(code(0x7fffffff)).toEqual([0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]);
    expect(code(51_000_000_000)).toEqual([0xfe, 0xaf, 0x9f, 0xb5, 0xa3, 0xb8, 0x80]);
    expect(code(2 ** 36 - 1)).toEqual([0xfe, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]);
  });
});

describe('STREAMINFO and dfLa', () => {
  const info: FlacStreamInfo = {
    minBlockSize: 16,
    maxBlockSize: 65535,
    minFrameSize: 12,
    maxFrameSize: 0xfffff0,
    sampleRate: 8000,
    channels: 2,
    bitsPerSample: 16,
    totalSamples: 2 ** 36 - 5,
    md5: Uint8Array.from({ length: 16 }, (_, i) => i * 17),
  };

  it('STREAMINFO bytes parse back to the same fields', () => {
    const b = streamInfoBytes(info);
    expect(b.length).toBe(34);
    expect(parseStreamInfo(b)).toEqual({ ...info });
  });

  it("RFC 9639 decoding example 1: our header bytes are the example's; its frame decodes; ours for the same samples too", () => {
    const example = Buffer.from(
      '664c614380000022100010000000' +
        '0f00000f0ac442f000000001' +
        '3e84b41807dc69030758' +
        '6a3dad1a2e0f' +
        'fff869180000bf0358fd03128baa9a',
      'hex',
    );
    const header = flacStreamHeader({
      minBlockSize: 4096,
      maxBlockSize: 4096,
      minFrameSize: 15,
      maxFrameSize: 15,
      sampleRate: 44100,
      channels: 2,
      bitsPerSample: 16,
      totalSamples: 1,
      md5: example.subarray(26, 42),
    });
    expect(Buffer.from(header).equals(example.subarray(0, 42))).toBe(true);
    const decoded = decodeFlac(new Uint8Array(example));
    expect(decoded.samples.map((c) => Array.from(c))).toEqual([[25588], [10416]]);
    expect(decoded.frames[0].subframes).toEqual([
      { type: 'verbatim', wasted: 2 },
      { type: 'verbatim', wasted: 4 },
    ]);
    const ours = new FlacEncoder({ sampleRate: 44100, channels: 2, blockSize: 4096 }).encode([[25588], [10416]]);
    expect(Buffer.from(ours.subarray(0, 7)).equals(example.subarray(42, 49))).toBe(true); // same frame header
    expect(decodeFrame(ours, 0).samples.map((c) => Array.from(c))).toEqual([[25588], [10416]]);
  });

  it('refuses values RFC 9639 forbids or that do not fit', () => {
    expect(() => streamInfoBytes({ ...info, minBlockSize: 15 })).toThrow(RangeError);
    expect(() => streamInfoBytes({ ...info, minBlockSize: 300, maxBlockSize: 200 })).toThrow(RangeError);
    expect(() => streamInfoBytes({ ...info, sampleRate: 0 })).toThrow(RangeError);
    expect(() => streamInfoBytes({ ...info, channels: 9 })).toThrow(RangeError);
    expect(() => streamInfoBytes({ ...info, bitsPerSample: 3 })).toThrow(RangeError);
    expect(() => streamInfoBytes({ ...info, totalSamples: 2 ** 36 })).toThrow(RangeError);
    expect(() => streamInfoBytes({ ...info, md5: new Uint8Array(15) })).toThrow(RangeError);
    expect(() => metadataBlockHeader(127, 0, true)).toThrow(RangeError);
  });

  it('dfLa body: version 0, flags 0, STREAMINFO first with the last-block flag (or on the last extra block)', () => {
    const body = dfLaPayload(info);
    expect(body.length).toBe(4 + 4 + 34);
    expect(Array.from(body.subarray(0, 8))).toEqual([0, 0, 0, 0, 0x80, 0, 0, 34]);
    expect(body.subarray(8)).toEqual(streamInfoBytes(info));
    const padding = { type: 1, data: new Uint8Array(5) };
    const two = dfLaPayload(info, [padding]);
    const parsed = parseMetadataBlocks(two, 4);
    expect(parsed.blocks.map((b) => [b.type, b.last, b.data.length])).toEqual([
      [0, false, 34],
      [1, true, 5],
    ]);
    expect(parsed.end).toBe(two.length);
    expect(() => dfLaPayload(info, [{ type: 0, data: new Uint8Array(34) }])).toThrow(RangeError);
    const header = flacStreamHeader(info);
    expect(Buffer.from(header.subarray(0, 4)).toString()).toBe('fLaC');
    expect(header.subarray(4)).toEqual(body.subarray(4));
  });

  it.skipIf(!hasFlacTool)('metaflac reads every STREAMINFO field back (skipped without flac)', () => {
    const file = encodeFlacFile([speech8k.subarray(0, 8000)], { sampleRate: 8000, channels: 1 }, [160, 200]);
    const path = tempFileOf('metaflac.flac', file.bytes);
    const r = spawnSync(
      'metaflac',
      [
        '--show-min-blocksize',
        '--show-max-blocksize',
        '--show-min-framesize',
        '--show-max-framesize',
        '--show-sample-rate',
        '--show-channels',
        '--show-bps',
        '--show-total-samples',
        '--show-md5sum',
        path,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const i = file.info;
    expect(r.stdout.trim().split('\n')).toEqual(
      [
        i.minBlockSize,
        i.maxBlockSize,
        i.minFrameSize,
        i.maxFrameSize,
        i.sampleRate,
        i.channels,
        i.bitsPerSample,
        i.totalSamples,
        Buffer.from(i.md5!).toString('hex'),
      ].map(String),
    );
    expect([i.minBlockSize, i.maxBlockSize, i.totalSamples]).toEqual([160, 200, 8000]);
    expect(i.minFrameSize).toBe(Math.min(...file.frames.map((f) => f.length)));
    expect(i.maxFrameSize).toBe(Math.max(...file.frames.map((f) => f.length)));
  });

  it.skipIf(!hasFfmpeg)(
    'ffmpeg refuses a frame larger than the STREAMINFO maximum, hence the bounds of declaredStreamInfo() (skipped without ffmpeg)',
    () => {
      const enc = new FlacEncoder({ sampleRate: 8000, channels: 1 });
      const frames = [160, 320].map((n) => enc.encode([sine(n, 8000, 300, 3000)]));
      const tooSmall = tempFileOf(
        'max-too-small.flac',
        Buffer.concat([flacStreamHeader({ ...enc.finalStreamInfo(), maxBlockSize: 160 }), ...frames]),
      );
      expect(ffmpegDecodeRaw(tooSmall).messages).toMatch(/blocksize 320 > 160/);
      const declared = tempFileOf('max-declared.flac', Buffer.concat([flacStreamHeader(enc.declaredStreamInfo()), ...frames]));
      const ok = ffmpegDecodeRaw(declared);
      expect(ok.messages).toBe('');
      expect(ok.data.length).toBe(480 * 2);
    },
  );

  it.skipIf(!hasFfmpeg)(
    'ffmpeg remuxing our frames into MP4 writes the dfLa body we build, and decodes it (skipped without ffmpeg)',
    () => {
      const pcm = [speech16k.subarray(0, 16000), sine(16000, 16000, 300, 5000)];
      const file = encodeFlacFile(pcm, { sampleRate: 16000, channels: 2 }, [320, 160, 1000]);
      const path = tempFileOf('remux.flac', file.bytes);
      const mp4 = tempPath('remux.mp4');
      const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', path, '-c:a', 'copy', '-strict', '-2', mp4], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const bytes = readFileSync(mp4);
      const at = bytes.indexOf('dfLa');
      const size = bytes.readUInt32BE(at - 4);
      expect(new Uint8Array(bytes.subarray(at + 4, at - 4 + size))).toEqual(dfLaPayload(file.info));
      const decoded = ffmpegDecodeRaw(mp4);
      expect(decoded.messages).toBe('');
      expect(decoded.data.equals(interleavedBytes(pcm))).toBe(true);
    },
  );
});

describe('FLAC encoder output', () => {
  for (const c of cases) {
    describe(c.name, () => {
      const bits = c.bits ?? 16;
      const file = encodeFlacFile(
        c.channels,
        { sampleRate: c.rate, channels: c.channels.length, bitsPerSample: bits, blockSize: c.fixed ? c.blocks[0] : undefined },
        c.blocks,
      );
      const path = tempFileOf(`${c.name.replace(/[^a-z0-9]+/gi, '-')}.flac`, file.bytes);
      const width = Math.ceil(bits / 8);

      it('our test decoder gives back every sample, frame numbers in sequence, CRCs valid', () => {
        const decoded = decodeFlac(file.bytes);
        expect(decoded.samples.length).toBe(c.channels.length);
        for (let ch = 0; ch < c.channels.length; ch++) expect(decoded.samples[ch]).toEqual(Int32Array.from(c.channels[ch]));
        expect(decoded.frames.every((f) => f.variable === !c.fixed)).toBe(true);
        expect(decoded.info.totalSamples).toBe(c.channels[0].length);
        if (c.maxRatio !== undefined) {
          const types = decoded.frames.flatMap((f) => f.subframes.map((s) => s.type));
          const predicted = types.filter((t) => t.startsWith('lpc') || t.startsWith('fixed') || t === 'constant').length;
          expect(predicted / types.length).toBeGreaterThan(0.9);
          expect(file.frameBytes / (c.channels[0].length * c.channels.length * 2)).toBeLessThan(c.maxRatio);
        }
      });

      it.skipIf(!hasFlacTool)(
        'flac -t -w passes (frame CRCs and the MD5 of the decoded samples); flac -d gives every sample (skipped without flac)',
        () => {
          const t = flacTest(path);
          expect(t.ok, t.output).toBe(true);
          expect(t.output).not.toMatch(/WARNING|ERROR/);
          // flac writes raw samples only for whole-byte depths; the MD5 above covered the others.
          if (bits % 8 === 0) expect(flacDecodeRaw(path).equals(interleavedBytes(c.channels, width))).toBe(true);
        },
      );

      it.skipIf(!hasFfmpeg)('ffmpeg decodes it without a message to the same samples (skipped without ffmpeg)', () => {
        // ffmpeg outputs s16 for depths up to 16 and s32 above, left-aligned.
        const wide = bits > 16;
        const { data, messages } = ffmpegDecodeRaw(path, wide ? 's32le' : 's16le');
        expect(messages).toBe('');
        const shift = (wide ? 32 : 16) - bits;
        const expected = interleavedBytes(
          c.channels.map((ch) => Array.from(ch, (v) => v * 2 ** shift)),
          wide ? 4 : 2,
        );
        expect(data.equals(expected)).toBe(true);
      });
    });
  }
});

describe('FLAC encoder behaviour', () => {
  it('picks LPC for speech and FIXED for simple signals; never grows noise by more than the headers', () => {
    const speech = new FlacEncoder({ sampleRate: 8000, channels: 1 });
    const types = new Set<string>();
    for (let at = 0; at + 160 <= alawSpeech.length; at += 160) {
      const frame = speech.encode([alawSpeech.subarray(at, at + 160)]);
      for (const s of decodeFrame(frame, 0).subframes) types.add(s.type);
      expect(decodeFrame(frame, 0).subframes[0].wasted).toBeGreaterThanOrEqual(3); // A-law: 3 zero low bits
    }
    expect([...types].some((t) => t.startsWith('lpc'))).toBe(true);
    expect([...types].some((t) => t.startsWith('fixed'))).toBe(true);

    const ramp = new FlacEncoder({ sampleRate: 8000, channels: 1 }).encode([Int16Array.from({ length: 160 }, (_, i) => i * 100 - 8000)]);
    expect(decodeFrame(ramp, 0).subframes[0].type).toMatch(/^fixed[12]$/);

    const n = 4096;
    const white = new FlacEncoder({ sampleRate: 48000, channels: 1 }).encode([toInt16(noise(n, 5))]);
    expect(white.length).toBeLessThanOrEqual(n * 2 + 16);
  });

  it('stereo: identical channels use a side channel that is constant zero', () => {
    const s = sine(1000, 8000, 440, 9000);
    const frame = new FlacEncoder({ sampleRate: 8000, channels: 2 }).encode([s, s]);
    const d = decodeFrame(frame, 0);
    expect(d.channelAssignment).toBeGreaterThanOrEqual(8);
    expect(d.subframes.some((x) => x.type === 'constant')).toBe(true);
    expect(new FlacEncoder({ sampleRate: 8000, channels: 2, stereoDecorrelation: false }).encode([s, s]).length).toBeGreaterThan(
      frame.length,
    );
  });

  it('encodeG711 and encodeInterleaved give the same frames as expanding and encode()', () => {
    const rand = prng(3);
    const bytes = Uint8Array.from({ length: 320 }, () => Math.floor(rand() * 256));
    for (const law of ['alaw', 'ulaw'] as const) {
      const a = new FlacEncoder({ sampleRate: 8000, channels: 2 });
      const b = new FlacEncoder({ sampleRate: 8000, channels: 2 });
      const c = new FlacEncoder({ sampleRate: 8000, channels: 2 });
      const pcm = expandG711(law, bytes);
      const left = pcm.filter((_, i) => i % 2 === 0);
      const right = pcm.filter((_, i) => i % 2 === 1);
      for (let k = 0; k < 3; k++) {
        const x = a.encodeG711(law, bytes);
        expect(b.encodeInterleaved(pcm)).toEqual(x);
        expect(c.encode([left, right])).toEqual(x);
      }
    }
  });

  it('STREAMINFO before and after: bounds first, actual values at the end', () => {
    const v = new FlacEncoder({ sampleRate: 8000, channels: 1 });
    expect(v.declaredStreamInfo()).toMatchObject({
      minBlockSize: 16,
      maxBlockSize: 65535,
      minFrameSize: 0,
      maxFrameSize: 0,
      totalSamples: 0,
    });
    for (const n of [160, 160, 160, 100]) v.encode([new Int16Array(n).fill(n)]);
    expect(v.finalStreamInfo()).toMatchObject({ minBlockSize: 16, maxBlockSize: 160, totalSamples: 580 }); // 160..160 would say "fixed"
    for (const n of [320, 5]) v.encode([new Int16Array(n).fill(1)]);
    expect(v.finalStreamInfo()).toMatchObject({ minBlockSize: 100, maxBlockSize: 320, totalSamples: 905 });
    expect(v.frameCount).toBe(6);
    const f = new FlacEncoder({ sampleRate: 8000, channels: 1, blockSize: 160 });
    expect(f.declaredStreamInfo()).toMatchObject({ minBlockSize: 160, maxBlockSize: 160 });
    f.encode([new Int16Array(160)]);
    f.encode([new Int16Array(20)]);
    expect(f.finalStreamInfo()).toMatchObject({ minBlockSize: 160, maxBlockSize: 160, totalSamples: 180 });
    expect(() => f.encode([new Int16Array(160)])).toThrow(/short block/);
    expect(new FlacEncoder({ sampleRate: 8000, channels: 1, maxBlockSize: 1000 }).declaredStreamInfo().maxBlockSize).toBe(1000);
  });

  it('refuses bad input with RangeError', () => {
    const e = new FlacEncoder({ sampleRate: 8000, channels: 1 });
    expect(() => e.encode([new Int16Array(0)])).toThrow(RangeError);
    expect(() => e.encode([new Int16Array(65536)])).toThrow(RangeError);
    expect(() => e.encode([new Int16Array(4), new Int16Array(4)])).toThrow(RangeError);
    expect(() => e.encode([[1, 2, 32768]])).toThrow(/does not fit/);
    expect(() => e.encode([[1, 2.5, 3]])).toThrow(/does not fit/);
    expect(() => e.encode([[1, Number.NaN]])).toThrow(/does not fit/);
    expect(() => new FlacEncoder({ sampleRate: 8000, channels: 1, bitsPerSample: 8 }).encode([[128]])).toThrow(/does not fit/);
    expect(() => new FlacEncoder({ sampleRate: 8000, channels: 1, bitsPerSample: 8 }).encodeG711('alaw', new Uint8Array(1))).toThrow(
      RangeError,
    );
    expect(() => new FlacEncoder({ sampleRate: 0, channels: 1 })).toThrow(RangeError);
    expect(() => new FlacEncoder({ sampleRate: 8000, channels: 9 })).toThrow(RangeError);
    expect(() => new FlacEncoder({ sampleRate: 8000, channels: 1, blockSize: 15 })).toThrow(RangeError);
    expect(() => new FlacEncoder({ sampleRate: 8000, channels: 1, maxBlockSize: 100 }).encode([new Int16Array(101)])).toThrow(RangeError);
    // After a refused block the encoder still works.
    expect(decodeFrame(e.encode([Int16Array.of(1, 2, 3)]), 0).number).toBe(0);
  });

  it('encoders used in turn (they share working memory) give the frames each gives alone', () => {
    const mono = alawSpeech.subarray(0, 16000);
    const stereo = [speech16k.subarray(0, 16000), sine(16000, 16000, 300, 5000)];
    const alone = (make: () => FlacEncoder, input: Int16Array[], block: number) => {
      const e = make();
      const out: Buffer[] = [];
      for (let at = 0; at < 16000; at += block) out.push(Buffer.from(e.encode(input.map((c) => c.subarray(at, at + block)))));
      return out;
    };
    const makeA = () => new FlacEncoder({ sampleRate: 8000, channels: 1 });
    const makeB = () => new FlacEncoder({ sampleRate: 16000, channels: 2, maxLpcOrder: 12 });
    const a = alone(makeA, [mono], 160);
    const b = alone(makeB, stereo, 1000);
    const ea = makeA();
    const eb = makeB();
    const ta: Buffer[] = [];
    const tb: Buffer[] = [];
    for (let k = 0; k < 100; k++) {
      ta.push(Buffer.from(ea.encode([mono.subarray(k * 160, k * 160 + 160)])));
      if (k < 16) tb.push(Buffer.from(eb.encode(stereo.map((c) => c.subarray(k * 1000, k * 1000 + 1000)))));
    }
    expect(ta).toEqual(a);
    expect(tb).toEqual(b);
  });

  it('frames are views into shared slabs; their bytes stay put as more frames are encoded', () => {
    const e = new FlacEncoder({ sampleRate: 8000, channels: 1 });
    const frames: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    for (let k = 0; k < 2000; k++) {
      const f = e.encode([toInt16(noise(160, k))]);
      frames.push(f);
      copies.push(f.slice());
    }
    expect(frames.every((f, k) => Buffer.from(f).equals(copies[k]))).toBe(true);
  });
});

describe.skipIf(!hasFlacTool)('the test decoder against libFLAC (skipped without flac)', () => {
  const settings: [string, string[], number, number][] = [
    ['-0 mono 16-bit', ['-0'], 1, 16],
    ['-5 stereo 16-bit (mid/side)', ['-5'], 2, 16],
    ['-8 stereo 16-bit', ['-8'], 2, 16],
    ['--lax -l 32 -r 15 -b 4608', ['--lax', '-l', '32', '-r', '15', '-b', '4608', '-e'], 2, 16],
    ['-b 192 -r 8 mono', ['-b', '192', '-r', '8', '-8'], 1, 16],
    ['24-bit stereo -8', ['-8'], 2, 24],
    ['8-bit mono -5', ['-5'], 1, 8],
    ['-8 -A tukey(0.5) -p (exhaustive precision)', ['-8', '-p'], 1, 16],
  ];
  for (const [name, args, channels, bits] of settings) {
    it(name, () => {
      const n = 20000;
      const signal = Array.from({ length: channels }, (_, c) => {
        const s = speechLikeSignal(n / 16000, 16000, 21 + c);
        return Int32Array.from(s, (v, i) =>
          Math.max(-(2 ** (bits - 1)), Math.min(2 ** (bits - 1) - 1, Math.round(v * 2 ** (bits - 16)) + (c ? i % 3 : 0))),
        );
      });
      const raw = tempFileOf(`libflac-${channels}-${bits}.raw`, interleavedBytes(signal, Math.ceil(bits / 8)));
      const out = tempPath(`libflac-${name.replace(/[^a-z0-9]+/gi, '-')}.flac`);
      const r = spawnSync(
        'flac',
        [
          '-s',
          '-f',
          ...args,
          '--force-raw-format',
          '--endian=little',
          '--sign=signed',
          `--channels=${channels}`,
          `--bps=${bits}`,
          '--sample-rate=16000',
          '-o',
          out,
          raw,
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const decoded = decodeFlac(new Uint8Array(readFileSync(out)));
      for (let c = 0; c < channels; c++) expect(decoded.samples[c]).toEqual(signal[c]);
      const md5 = createHash('md5')
        .update(interleavedBytes(signal, Math.ceil(bits / 8)))
        .digest();
      expect(Buffer.from(decoded.info.md5).equals(md5)).toBe(true);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Property: G.711 → PCM → FLAC → PCM is the identity.

/** G.711 bytes: random codes, silence runs, or a compressed sine with noise (so predictors win). */
const g711Bytes = fc
  .array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 400 }),
      fc
        .record({ code: fc.constantFrom(0xd5, 0x55, 0xff, 0x7f, 0x00, 0x80, 0x2a, 0xaa), n: fc.integer({ min: 1, max: 400 }) })
        .map(({ code, n }) => new Uint8Array(n).fill(code)),
      fc
        .record({
          n: fc.integer({ min: 1, max: 600 }),
          freq: fc.double({ min: 20, max: 3900, noNaN: true }),
          amp: fc.integer({ min: 0, max: 32767 }),
          seed: fc.integer(),
          law: fc.constantFrom('alaw' as const, 'ulaw' as const),
        })
        .map(({ n, freq, amp, seed, law }) => {
          const rand = prng(seed);
          const pcm = Int16Array.from({ length: n }, (_, i) =>
            Math.max(-32768, Math.min(32767, Math.round(amp * Math.sin((2 * Math.PI * freq * i) / 8000) + (rand() - 0.5) * 200))),
          );
          return compressG711(law, pcm);
        }),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => new Uint8Array(Buffer.concat(parts)));

describe('round trip property', () => {
  it('G.711 → PCM → FLAC → PCM gives back every sample, for any bytes, block sizes, rates, channel counts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('alaw' as const, 'ulaw' as const),
        g711Bytes,
        fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(8000, 16000, 11025, 22000, 44100, 48000, 96000, 7350, 192000),
        fc.constantFrom(1, 2),
        fc.boolean(),
        fc.record({
          maxLpcOrder: fc.integer({ min: 0, max: 32 }),
          escapeCodes: fc.boolean(),
          maxPartitionOrder: fc.integer({ min: 0, max: 8 }),
        }),
        (law, bytes, blockSizes, sampleRate, channels, fixed, tuning) => {
          const frames = Math.floor(bytes.length / channels);
          fc.pre(frames > 0);
          const g711 = bytes.subarray(0, frames * channels);
          const pcm = expandG711(law, g711);
          const planar = Array.from({ length: channels }, (_, c) => Int16Array.from({ length: frames }, (_, i) => pcm[i * channels + c]));
          const blocks = fixed ? [Math.max(16, blockSizes[0])] : blockSizes;
          const enc = new FlacEncoder({ sampleRate, channels, blockSize: fixed ? blocks[0] : undefined, ...tuning });
          const out: Uint8Array[] = [];
          for (let at = 0, k = 0; at < frames; k++) {
            const n = Math.min(blocks[k % blocks.length], frames - at);
            // Alternate the three entry points; they must give the same stream.
            if (k % 3 === 0) out.push(enc.encodeG711(law, g711.subarray(at * channels, (at + n) * channels)));
            else if (k % 3 === 1) out.push(enc.encodeInterleaved(pcm.subarray(at * channels, (at + n) * channels)));
            else out.push(enc.encode(planar.map((p) => p.subarray(at, at + n))));
            at += n;
          }
          const file = new Uint8Array(Buffer.concat([flacStreamHeader(enc.finalStreamInfo()), ...out]));
          const decoded = decodeFlac(file);
          for (let c = 0; c < channels; c++) expect(decoded.samples[c]).toEqual(Int32Array.from(planar[c]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('16-bit PCM with extremes, constant runs and noise round-trips at any block size', () => {
    const pcm16 = fc
      .array(
        fc.oneof(
          fc.int16Array({ minLength: 1, maxLength: 300 }),
          fc
            .record({ v: fc.constantFrom(-32768, 32767, 0, -1, 1), n: fc.integer({ min: 1, max: 300 }) })
            .map(({ v, n }) => new Int16Array(n).fill(v)),
          fc.array(fc.constantFrom(-32768, 32767), { minLength: 1, maxLength: 300 }).map((a) => Int16Array.from(a)),
        ),
        { minLength: 1, maxLength: 5 },
      )
      .map((parts) => {
        const out = new Int16Array(parts.reduce((s, p) => s + p.length, 0));
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        return out;
      });
    fc.assert(
      fc.property(pcm16, pcm16, fc.integer({ min: 1, max: 2000 }), (a, b, block) => {
        const n = Math.min(a.length, b.length);
        const channels = [a.subarray(0, n), b.subarray(0, n)];
        const enc = new FlacEncoder({ sampleRate: 44100, channels: 2, maxLpcOrder: 12 });
        const out: Uint8Array[] = [];
        for (let at = 0; at < n; at += block) out.push(enc.encode(channels.map((c) => c.subarray(at, Math.min(n, at + block)))));
        const decoded = decodeFlac(new Uint8Array(Buffer.concat([flacStreamHeader(enc.finalStreamInfo()), ...out])));
        expect(decoded.samples[0]).toEqual(Int32Array.from(channels[0]));
        expect(decoded.samples[1]).toEqual(Int32Array.from(channels[1]));
      }),
      { numRuns: 200 },
    );
  });
});
