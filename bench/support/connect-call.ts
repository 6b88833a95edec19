/**
 * A long Amazon Connect-like call for the benchmark: two audio tracks (AUDIO_FROM_CUSTOMER,
 * AUDIO_TO_CUSTOMER) with CodecID A_AAC but 16-bit PCM at 8 kHz, as Connect writes them, one
 * GetMedia-style document per 2 s fragment with the MimeType tag after the cluster
 * (docs/playback.md#amazon-connect). Written fragment by fragment to a file, so a call of hours
 * never sits in memory. Bundled and run by bench/long-call.mjs:
 *   node <bundle> <out.mkv> <minutes>
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { writeKvsStream, type BlockSpec, type DocumentSpec } from '../../test/support/kvs-writer.js';

const [path, minutesText] = process.argv.slice(2);
const RATE = 8000;
const FRAME_MS = 20;
const FRAGMENT_MS = 2000;
const START_MS = 1_726_677_688_724;
const fragments = Math.round((Number(minutesText) * 60_000) / FRAGMENT_MS);
const samplesPerFrame = (RATE * FRAME_MS) / 1000;

/** A speech-like, deterministic signal: two tones whose loudness wanders, per track. */
function frameBytes(track: number, frameIndex: number): Uint8Array {
  const bytes = new Uint8Array(samplesPerFrame * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samplesPerFrame; i++) {
    const t = (frameIndex * samplesPerFrame + i) / RATE;
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 0.7 * t + track);
    const value = envelope * (6000 * Math.sin(2 * Math.PI * (180 + 40 * track) * t) + 2500 * Math.sin(2 * Math.PI * 900 * t));
    view.setInt16(2 * i, Math.round(value), true);
  }
  return bytes;
}

const file = openSync(path, 'w');
for (let f = 0; f < fragments; f++) {
  const timecode = START_MS + f * FRAGMENT_MS;
  const blocks: BlockSpec[] = [];
  for (let k = 0; k < FRAGMENT_MS / FRAME_MS; k++) {
    for (const track of [1, 2]) {
      blocks.push({
        kind: 'simple',
        track,
        timeOffset: k * FRAME_MS,
        keyframe: true,
        lacing: 'none',
        frames: [frameBytes(track, f * 100 + k)],
      });
    }
  }
  const doc: DocumentSpec = {
    sizeWidth: 8,
    timecodeScale: 1_000_000,
    tracks: [
      {
        number: 1,
        typeCode: 2,
        codecId: 'A_AAC',
        name: 'AUDIO_FROM_CUSTOMER',
        codecPrivate: Uint8Array.of(0x15, 0x88),
        audio: { samplingFrequency: RATE, channels: 1 },
      },
      {
        number: 2,
        typeCode: 2,
        codecId: 'A_AAC',
        name: 'AUDIO_TO_CUSTOMER',
        codecPrivate: Uint8Array.of(0x15, 0x88),
        audio: { samplingFrequency: RATE, channels: 1 },
      },
    ],
    fragmentNumber: String(91343852333181432392682062607743920146159169392n + BigInt(f) * 4951760157141521579715379626n),
    producerTimestamp: timecode,
    serverTimestamp: timecode + 900,
    clusters: [{ timecode, timecodeWidth: 8, position: true, size: { unknown: true, width: 8 }, blocks }],
    trailingTags: [
      [
        { name: 'ContactId', value: 'c0ffee00-0000-4000-8000-000000000001' },
        { name: 'MimeType', value: 'audio/L16;rate=8000;channels=1;' },
      ],
    ],
  };
  writeSync(file, writeKvsStream({ documents: [doc] }).bytes);
}
closeSync(file);
