/**
 * G.711 expansion (src/audio/g711.ts): every one of the 256 A-law and 256 µ-law codes expands to
 * the value ffmpeg's pcm_alaw / pcm_mulaw decoders give (`ffmpeg -f alaw -ar 8000 -ac 1 -i in.raw
 * -f s16le out.raw`), plus the properties of the laws the tables must have.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALAW_TO_PCM16, expandAlaw, expandG711, expandUlaw, ULAW_TO_PCM16 } from '../src/audio/index.js';
import { alawCompressSample, compressG711, ulawCompressSample } from './support/g711-encode.js';
import { hasFfmpeg } from './support/oracle-ffmpeg.js';
import { tempPath } from './support/flac-tools.js';

if (!hasFfmpeg) console.warn('SKIPPED: ffmpeg not installed; the G.711 tables are not compared with ffmpeg');

const allCodes = Uint8Array.from({ length: 256 }, (_, i) => i);

function ffmpegExpand(format: 'alaw' | 'mulaw'): Int16Array {
  const input = tempPath(`codes.${format}`);
  const output = tempPath(`codes.${format}.s16le`);
  writeFileSync(input, allCodes);
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', format, '-ar', '8000', '-ac', '1', '-i', input, '-f', 's16le', output]);
  const bytes = readFileSync(output);
  expect(bytes.length).toBe(512);
  return Int16Array.from({ length: 256 }, (_, i) => bytes.readInt16LE(2 * i));
}

describe('G.711 against ffmpeg', () => {
  it.skipIf(!hasFfmpeg)('all 256 A-law codes expand to what ffmpeg pcm_alaw gives (skipped without ffmpeg)', () => {
    expect(Array.from(expandAlaw(allCodes))).toEqual(Array.from(ffmpegExpand('alaw')));
  });

  it.skipIf(!hasFfmpeg)('all 256 µ-law codes expand to what ffmpeg pcm_mulaw gives (skipped without ffmpeg)', () => {
    expect(Array.from(expandUlaw(allCodes))).toEqual(Array.from(ffmpegExpand('mulaw')));
  });
});

describe('G.711 tables', () => {
  it('A-law: sign bit, even-bit inversion, 13-bit values scaled by 8, extremes ±32256 and ±8', () => {
    for (let code = 0; code < 256; code++) {
      const v = ALAW_TO_PCM16[code];
      expect(v & 7).toBe(0); // 13-bit linear range, so 3 zero bits: FLAC "wasted bits"
      expect(v > 0).toBe((code & 0x80) !== 0);
      expect(ALAW_TO_PCM16[code ^ 0x80]).toBe(-v);
    }
    expect(ALAW_TO_PCM16[0xd5]).toBe(8); // 0x80 ^ 0x55: smallest positive step
    expect(ALAW_TO_PCM16[0x55]).toBe(-8);
    expect(ALAW_TO_PCM16[0xaa]).toBe(32256); // 0xff ^ 0x55
    expect(ALAW_TO_PCM16[0x2a]).toBe(-32256);
  });

  it('µ-law: all bits inverted, 14-bit values scaled by 4, 0x7f and 0xff both zero, extremes ±32124', () => {
    for (let code = 0; code < 256; code++) {
      const v = ULAW_TO_PCM16[code];
      expect(v & 3).toBe(0);
      expect(ULAW_TO_PCM16[code ^ 0x80]).toBe(0 - v || 0);
    }
    expect(ULAW_TO_PCM16[0xff]).toBe(0);
    expect(ULAW_TO_PCM16[0x7f]).toBe(0);
    expect(ULAW_TO_PCM16[0x80]).toBe(32124);
    expect(ULAW_TO_PCM16[0x00]).toBe(-32124);
  });

  it('each law increases strictly with its 7-bit magnitude index (segment << 4 | step)', () => {
    for (let m = 1; m < 128; m++) {
      expect(ALAW_TO_PCM16[(0x80 | m) ^ 0x55]).toBeGreaterThan(ALAW_TO_PCM16[(0x80 | (m - 1)) ^ 0x55]);
      expect(ULAW_TO_PCM16[~m & 0xff]).toBeGreaterThan(ULAW_TO_PCM16[~(m - 1) & 0xff]);
    }
  });

  it('the test compressor inverts the expansion for every code (so synthetic G.711 input is exact)', () => {
    for (let code = 0; code < 256; code++) {
      expect(ALAW_TO_PCM16[alawCompressSample(ALAW_TO_PCM16[code])]).toBe(ALAW_TO_PCM16[code]);
      expect(ULAW_TO_PCM16[ulawCompressSample(ULAW_TO_PCM16[code])]).toBe(ULAW_TO_PCM16[code]);
    }
    const ramp = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const back = expandG711('alaw', compressG711('alaw', ramp));
    for (let i = 0; i < ramp.length; i++) expect(Math.abs(back[i] - ramp[i])).toBeLessThanOrEqual(Math.max(16, Math.abs(ramp[i]) / 16));
  });
});

describe('expandG711', () => {
  it('writes into a caller buffer at an offset and returns it', () => {
    const out = new Int16Array(10).fill(7);
    const r = expandG711('ulaw', Uint8Array.of(0x80, 0x00, 0xff), out, 4);
    expect(r).toBe(out);
    expect(Array.from(out)).toEqual([7, 7, 7, 7, 32124, -32124, 0, 7, 7, 7]);
    expect(Array.from(expandG711('alaw', Uint8Array.of(0xd5, 0x55)))).toEqual([8, -8]);
  });

  it('refuses a buffer that is too short or a bad offset', () => {
    expect(() => expandAlaw(new Uint8Array(4), new Int16Array(5), 2)).toThrow(RangeError);
    expect(() => expandUlaw(new Uint8Array(1), new Int16Array(5), -1)).toThrow(RangeError);
    expect(() => expandUlaw(new Uint8Array(1), new Int16Array(5), 1.5)).toThrow(RangeError);
  });
});
