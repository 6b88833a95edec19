/**
 * Matroska layouts and formats other producers write (issue 21's "also check" list; the files are
 * made by fixtures/realworld/make.sh): ffmpeg -live 1, small Clusters, Cues at the front, 10-bit
 * 4:2:2 H.264, HEVC Main10, AAC at 8 and 96 kHz and in 5.1, G.711 stereo and at 16 kHz. For each,
 * every packet of the flat clip equals the input's as ffmpeg reads both (framecrc, one run per case):
 * bytes (CRC-32), key flags and times.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clip, UnsupportedStreamMediaTypeException } from '../src/index.js';
import { hasFfmpeg, tempFile } from './support/oracle-ffmpeg.js';
import { FIXTURES } from './support/mp4-input.js';
import { expectSamePackets, packetsOfPair } from './support/realworld.js';

const CASES = [
  'also-live.mkv',
  'also-cluster-size-limit.mkv',
  'also-cues-front.mkv',
  'also-h264-422-10bit.mkv',
  'also-hevc-main10.mkv',
  'also-aac-8k.mkv',
  'also-aac-96k.mkv',
  'also-aac-5.1.mkv',
  'also-alaw-stereo.mkv',
  'also-ulaw-16k.mkv',
];

describe.skipIf(!hasFfmpeg)('other producers’ layouts and formats: every frame’s bytes and times (ffmpeg framecrc)', () => {
  it.each(CASES)('%s', async (name) => {
    const path = `${FIXTURES}/realworld/${name}`;
    const warnings: string[] = [];
    const flat = await clip(new Uint8Array(readFileSync(path)), { onWarning: (w) => warnings.push(w.code) });
    expectSamePackets(name, ...packetsOfPair(path, tempFile(`also-${name}.mp4`, flat.Payload.bytes())));
    expect(warnings).toEqual([]);
  });
});

describe('Opus (MediaRecorder’s audio) is refused by name', () => {
  it('also-opus.mkv', async () => {
    const error = await clip(new Uint8Array(readFileSync(`${FIXTURES}/realworld/also-opus.mkv`))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedStreamMediaTypeException);
    expect((error as Error).message).toMatch(/"A_OPUS".*Opus, MediaRecorder's audio, is not remuxed by kvs-clip/);
  });
});
