/**
 * WAV headers and PCM layout (src/audio/wav.ts, pcm.ts): ffprobe reads rate, channels and duration
 * of our files, ffmpeg decodes every sample, our header is byte for byte the one ffmpeg writes for
 * the same G.711 input (`-bitexact`), and the streaming header is the one ffmpeg writes to a pipe.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  deinterleavePcm16,
  expandG711,
  interleavePcm16,
  streamingWavHeader,
  WAV_HEADER_SIZE,
  WAV_MAX_DATA_BYTES,
  wavFile,
  wavHeader,
} from '../src/audio/index.js';
import { interleavedBytes, tempFileOf, tempPath } from './support/flac-tools.js';
import { compressG711 } from './support/g711-encode.js';
import { hasFfmpeg } from './support/oracle-ffmpeg.js';
import { prng, speechLikeSignal } from './support/speech-signal.js';

if (!hasFfmpeg) console.warn('SKIPPED: ffmpeg/ffprobe not installed; WAV output is not checked with them');

function probe(path: string): Record<string, string> {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=codec_name,sample_rate,channels,bits_per_sample,duration', '-of', 'default=nw=1', path],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
}

function ffmpegPcm(path: string): { data: Buffer; messages: string } {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', path, '-f', 's16le', '-'], { maxBuffer: 1 << 28 });
  return { data: r.stdout, messages: r.stderr.toString().trim() };
}

const rand = prng(4);
const mono = speechLikeSignal(3, 8000, 2);
const stereo = [speechLikeSignal(2, 16000, 3), Int16Array.from({ length: 32000 }, () => Math.floor(rand() * 65536) - 32768)];
stereo[1][0] = -32768;
stereo[1][1] = 32767;

describe('WAV header', () => {
  it('is the canonical 44-byte PCM header', () => {
    const h = wavHeader({ sampleRate: 8000, channels: 1 }, 320);
    const v = new DataView(h.buffer);
    expect(h.length).toBe(WAV_HEADER_SIZE);
    expect(Buffer.from(h.subarray(0, 4)).toString()).toBe('RIFF');
    expect(v.getUint32(4, true)).toBe(36 + 320);
    expect(Buffer.from(h.subarray(8, 16)).toString()).toBe('WAVEfmt ');
    expect([
      v.getUint32(16, true),
      v.getUint16(20, true),
      v.getUint16(22, true),
      v.getUint32(24, true),
      v.getUint32(28, true),
      v.getUint16(32, true),
      v.getUint16(34, true),
    ]).toEqual([16, 1, 1, 8000, 16000, 2, 16]);
    expect(Buffer.from(h.subarray(36, 40)).toString()).toBe('data');
    expect(v.getUint32(40, true)).toBe(320);
    const s = new DataView(streamingWavHeader({ sampleRate: 48000, channels: 2 }).buffer);
    expect([s.getUint32(4, true), s.getUint32(40, true), s.getUint32(28, true), s.getUint16(32, true)]).toEqual([
      0xffffffff, 0xffffffff, 192000, 4,
    ]);
  });

  it('refuses sizes a RIFF header cannot hold, partial sample frames and odd formats', () => {
    expect(() => wavHeader({ sampleRate: 8000, channels: 2 }, 6)).toThrow(RangeError);
    expect(() => wavHeader({ sampleRate: 8000, channels: 1 }, WAV_MAX_DATA_BYTES + 1)).toThrow(RangeError);
    expect(() => wavHeader({ sampleRate: 8000, channels: 1 }, -2)).toThrow(RangeError);
    expect(() => wavHeader({ sampleRate: 0, channels: 1 }, 2)).toThrow(RangeError);
    expect(() => wavHeader({ sampleRate: 8000, channels: 0 }, 0)).toThrow(RangeError);
    expect(() => wavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 12 }, 0)).toThrow(RangeError);
    expect(wavHeader({ sampleRate: 8000, channels: 1 }, WAV_MAX_DATA_BYTES - 1).length).toBe(44);
  });

  it('rewriting the header at the end of a streamed file gives the file wavFile() makes', () => {
    const data = interleavePcm16([mono]);
    const streamed = Buffer.concat([streamingWavHeader({ sampleRate: 8000, channels: 1 }), data]);
    streamed.set(wavHeader({ sampleRate: 8000, channels: 1 }, data.length), 0);
    expect(streamed.equals(wavFile({ sampleRate: 8000, channels: 1 }, [mono]))).toBe(true);
  });
});

describe.skipIf(!hasFfmpeg)('WAV with ffprobe and ffmpeg (skipped without ffmpeg)', () => {
  it('mono 8 kHz: ffprobe reads rate, channels, duration; ffmpeg decodes every sample', () => {
    const path = tempFileOf('mono.wav', wavFile({ sampleRate: 8000, channels: 1 }, [mono]));
    expect(probe(path)).toMatchObject({
      codec_name: 'pcm_s16le',
      sample_rate: '8000',
      channels: '1',
      bits_per_sample: '16',
      duration: '3.000000',
    });
    const { data, messages } = ffmpegPcm(path);
    expect(messages).toBe('');
    expect(data.equals(interleavedBytes([mono]))).toBe(true);
  });

  it('stereo 16 kHz with extremes: same', () => {
    const path = tempFileOf('stereo.wav', wavFile({ sampleRate: 16000, channels: 2 }, stereo));
    expect(probe(path)).toMatchObject({ codec_name: 'pcm_s16le', sample_rate: '16000', channels: '2', duration: '2.000000' });
    expect(ffmpegPcm(path).data.equals(interleavedBytes(stereo))).toBe(true);
  });

  it('streaming header (sizes 0xFFFFFFFF): ffmpeg reads the data to the end of the input', () => {
    const path = tempFileOf(
      'streamed.wav',
      Buffer.concat([streamingWavHeader({ sampleRate: 16000, channels: 2 }), interleavePcm16(stereo)]),
    );
    expect(probe(path)).toMatchObject({ sample_rate: '16000', channels: '2' });
    const { data, messages } = ffmpegPcm(path);
    expect(messages).toBe('');
    expect(data.equals(interleavedBytes(stereo))).toBe(true);
  });

  it('a call as WAV: our file equals ffmpeg -f alaw … -bitexact -f wav, and our streaming header is what ffmpeg writes to a pipe', () => {
    for (const law of ['alaw', 'ulaw'] as const) {
      const g711 = compressG711(law, mono);
      const input = tempFileOf(`call.${law}`, g711);
      const format = law === 'alaw' ? 'alaw' : 'mulaw';
      const out = tempPath(`call-${law}.wav`);
      const file = spawnSync('ffmpeg', [
        '-nostdin',
        '-v',
        'error',
        '-y',
        '-f',
        format,
        '-ar',
        '8000',
        '-ac',
        '1',
        '-i',
        input,
        '-bitexact',
        '-f',
        'wav',
        out,
      ]);
      expect(file.status).toBe(0);
      expect(Buffer.from(wavFile({ sampleRate: 8000, channels: 1 }, [expandG711(law, g711)])).equals(readFileSync(out))).toBe(true);
      const piped = spawnSync(
        'ffmpeg',
        ['-nostdin', '-v', 'error', '-f', format, '-ar', '8000', '-ac', '1', '-i', input, '-bitexact', '-f', 'wav', '-'],
        { maxBuffer: 1 << 26 },
      );
      expect(piped.status).toBe(0);
      expect(Buffer.from(streamingWavHeader({ sampleRate: 8000, channels: 1 })).equals(piped.stdout.subarray(0, 44))).toBe(true);
    }
  });
});

describe('PCM layout helpers', () => {
  it('interleave and deinterleave are inverse, little- and big-endian, at any output offset', () => {
    const channels = [Int16Array.of(1, -2, 32767), Int16Array.of(-32768, 256, 0), Int16Array.of(7, 8, 9)];
    const bytes = interleavePcm16(channels);
    expect(Buffer.from(bytes).equals(interleavedBytes(channels))).toBe(true);
    expect(deinterleavePcm16(bytes, 3)).toEqual(channels);
    const big = Buffer.alloc(bytes.length);
    for (let i = 0; i < bytes.length; i += 2) big.writeInt16BE(Buffer.from(bytes).readInt16LE(i), i);
    expect(deinterleavePcm16(new Uint8Array(big), 3, false)).toEqual(channels);
    // Odd offsets take the byte-by-byte path.
    for (const offset of [0, 1, 3]) {
      const out = new Uint8Array(offset + 18 + 1);
      interleavePcm16(channels, 3, out, offset);
      expect(Buffer.from(out.subarray(offset, offset + 18)).equals(Buffer.from(bytes))).toBe(true);
    }
    expect(Buffer.from(interleavePcm16([channels[0]])).equals(interleavedBytes([channels[0]]))).toBe(true);
    expect(interleavePcm16(channels, 2).length).toBe(12);
    expect(() => interleavePcm16(channels, 4)).toThrow(RangeError);
    expect(() => interleavePcm16([])).toThrow(RangeError);
    expect(() => interleavePcm16(channels, 3, new Uint8Array(17))).toThrow(RangeError);
    expect(deinterleavePcm16(new Uint8Array(7), 3)[0].length).toBe(1); // partial frame ignored
  });
});
