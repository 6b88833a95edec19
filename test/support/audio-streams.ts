/**
 * KVS streams with audio for the audio tests, written with the test KVS writer: fragments given as
 * frames at millisecond offsets from their start (an epoch-ms producer timestamp, which is also the
 * cluster Timecode, as the C producer and Amazon Connect write them), plus the tracks and tags of
 * the two kinds of call recordings KVS holds: Amazon Connect (two A_AAC tracks that carry 16-bit
 * PCM, announced by a MimeType tag after the Cluster) and Chime Voice Connector (one G.711 track).
 */
import fc from 'fast-check';
import { writeWaveFormatEx } from './codecs-writers.js';
import type { Law } from './g711-reference.js';
import { frameFiles, sample } from './codecs-samples.js';
import { writeKvsStream, type BlockSpec, type DocumentSpec, type TagSpec, type TrackSpec } from './kvs-writer.js';

/** 2023-11-14T22:13:20Z, the start of every stream here unless a test says otherwise. */
export const EPOCH_MS = 1_700_000_000_000;

export interface TimedFrame {
  track: number;
  /** Milliseconds from the fragment's start (the block's offset from its cluster Timecode). */
  offsetMs: number;
  data: Uint8Array;
  /** Default true (every audio frame is a key frame). */
  keyframe?: boolean;
}

export interface TimedFragment {
  /** PRODUCER_TIMESTAMP and cluster Timecode, epoch ms. */
  startMs: number;
  frames: TimedFrame[];
  /** One Tags element after the Cluster (Connect's and Chime's per-fragment tags). */
  tagsAfterCluster?: TagSpec[];
}

/** Fragment numbers shaped like real ones (47 digits), increasing. */
function fragmentNumber(index: number): string {
  return String(91343852333181432392682062607743920146159169392n + BigInt(index) * 4951760157141521579715379626n);
}

/** GetMedia-style bytes: one EBML header + Segment per fragment, blocks in time order across tracks. */
export function writeTimedStream(tracks: TrackSpec[], fragments: TimedFragment[]): Uint8Array {
  const documents = fragments.map((fragment, index): DocumentSpec => {
    const frames = [...fragment.frames].sort((a, b) => a.offsetMs - b.offsetMs || a.track - b.track);
    const blocks = frames.map((f): BlockSpec => ({
      kind: 'simple',
      track: f.track,
      timeOffset: f.offsetMs,
      keyframe: f.keyframe ?? true,
      lacing: 'none',
      frames: [f.data],
    }));
    return {
      timecodeScale: 1_000_000,
      tracks,
      fragmentNumber: fragmentNumber(index),
      producerTimestamp: fragment.startMs,
      serverTimestamp: fragment.startMs + 150,
      clusters: [{ timecode: fragment.startMs, timecodeWidth: 8, size: { unknown: true, width: 8 }, blocks }],
      ...(fragment.tagsAfterCluster ? { trailingTags: [fragment.tagsAfterCluster] } : {}),
    };
  });
  return writeKvsStream({ documents }).bytes;
}

/** The WAVEFORMATEX of a G.711 track (format tag 6 = A-law, 7 = µ-law; one byte per sample). */
export function g711CodecPrivate(law: Law, channels = 1, rate = 8000): Uint8Array {
  return writeWaveFormatEx({
    formatTag: law === 'alaw' ? 6 : 7,
    channels,
    samplesPerSec: rate,
    avgBytesPerSec: rate * channels,
    blockAlign: channels,
    bitsPerSample: 8,
    cbSize: 0,
  });
}

export function g711Track(number: number, law: Law, channels = 1, rate = 8000, name = 'AUDIO'): TrackSpec {
  return {
    number,
    typeCode: 2,
    codecId: 'A_MS/ACM',
    name,
    codecPrivate: g711CodecPrivate(law, channels, rate),
    audio: { samplingFrequency: rate, channels, bitDepth: 8 },
  };
}

/** Matroska's 16-bit little-endian PCM track. */
export function pcmTrack(number: number, rate: number, channels: number): TrackSpec {
  return {
    number,
    typeCode: 2,
    codecId: 'A_PCM/INT/LIT',
    name: 'kinesis_audio',
    audio: { samplingFrequency: rate, channels, bitDepth: 16 },
  };
}

export const CONNECT_MIME_TYPE = 'audio/L16;rate=8000;channels=1;';

/**
 * Amazon Connect's two tracks: CodecID A_AAC although the frames are 8 kHz PCM; `codecPrivate`
 * absent, or an AAC config (Connect has been seen writing both).
 */
export function connectTracks(codecPrivate?: Uint8Array): TrackSpec[] {
  return (['AUDIO_FROM_CUSTOMER', 'AUDIO_TO_CUSTOMER'] as const).map((name, i) => ({
    number: i + 1,
    typeCode: 2,
    codecId: 'A_AAC',
    name,
    audio: { samplingFrequency: 8000, channels: 1 },
    ...(codecPrivate ? { codecPrivate } : {}),
  }));
}

/** The Tags Connect writes after each fragment's Cluster. */
export function connectTags(contactId: string, mimeType = CONNECT_MIME_TYPE): TagSpec[] {
  return [
    { name: 'MimeType', value: mimeType },
    { name: 'ContactId', value: contactId },
    { name: 'InstanceId', value: 'a2b4c6d8-1111-4222-8333-944455556666' },
    { name: 'AUDIO_FROM_CUSTOMER', value: '1' },
    { name: 'AUDIO_TO_CUSTOMER', value: '2' },
  ];
}

/** The Tags a Chime Voice Connector stream carries with each fragment. */
export function chimeTags(transactionId: string): TagSpec[] {
  return [
    { name: 'TransactionId', value: transactionId },
    { name: 'VoiceConnectorId', value: 'abcdef1ghij2klmno3pqr4' },
    { name: 'CallId', value: '1234-5678-callid' },
    { name: 'Direction', value: 'Outbound' },
  ];
}

/** The first `count` files of a ../shared/kvs-samples frames folder, as bytes. */
export function sampleFrames(folder: string, count: number): Uint8Array[] {
  const files = frameFiles(folder);
  if (files.length < count) throw new Error(`${folder} has ${files.length} frames, ${count} wanted`);
  return files.slice(0, count).map(sample);
}

/** Interleaved samples as the little-endian bytes a PCM track carries. */
export function s16leBytes(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((s, i) => view.setInt16(2 * i, s, true));
  return bytes;
}

/** KVS fragment length of the producer-c samples: a key frame every 45 frames at 25 fps. */
const CAMERA_GOP = 45;
const VIDEO_STEP_MS = 40;
/** The producer-c G.711 frames hold 160 samples at 8 kHz. */
const G711_FRAME_MS = 20;

/**
 * A camera's stream from the real producer-c frames (../shared/kvs-samples): H.264 (Annex-B, SPS/PPS
 * in band, no CodecPrivate) as track 1 and G.711 as track 2, one fragment per 45-frame key-frame
 * group; or, with `video: false`, the G.711 track alone in fragments of one second.
 */
export function cameraStream(law: Law, options: { video: boolean; fragments: number }): Uint8Array {
  const audioFolder = law === 'alaw' ? 'alaw/producer-c' : 'mulaw/producer-c';
  const fragmentMs = options.video ? CAMERA_GOP * VIDEO_STEP_MS : 1000;
  const audioPerFragment = fragmentMs / G711_FRAME_MS;
  const audio = sampleFrames(audioFolder, audioPerFragment * options.fragments);
  const video = options.video ? sampleFrames('h264/producer-c', CAMERA_GOP * options.fragments) : [];
  const audioTrack = options.video ? 2 : 1;
  const fragments = Array.from({ length: options.fragments }, (_, k): TimedFragment => ({
    startMs: EPOCH_MS + k * fragmentMs,
    frames: [
      ...video
        .slice(k * CAMERA_GOP, (k + 1) * CAMERA_GOP)
        .map((data, i) => ({ track: 1, offsetMs: i * VIDEO_STEP_MS, data, keyframe: i === 0 })),
      ...audio
        .slice(k * audioPerFragment, (k + 1) * audioPerFragment)
        .map((data, i) => ({ track: audioTrack, offsetMs: i * G711_FRAME_MS, data })),
    ],
  }));
  const tracks: TrackSpec[] = options.video
    ? [{ number: 1, typeCode: 1, codecId: 'V_MPEG4/ISO/AVC', name: 'kinesis_video', video: { width: 640, height: 480 } }, g711Track(2, law)]
    : [g711Track(1, law)];
  return writeTimedStream(tracks, fragments);
}

/** What g711Fragments builds: per fragment its frame count, the gap or overlap (ms) before it, and a byte to fill frames with. */
export type G711FragmentShape = { frames: number; gap: number; fill: number }[];

/** Fragments of 1 to 6 G.711 frames with any gap (up to 5 s) or overlap (up to 150 ms) between them. */
export const g711FragmentShapes: fc.Arbitrary<G711FragmentShape> = fc.array(
  fc.record({ frames: fc.integer({ min: 1, max: 6 }), gap: fc.integer({ min: -150, max: 5000 }), fill: fc.nat(255) }),
  { minLength: 1, maxLength: 6 },
);

/** The fragments a shape describes: 20 ms frames of 160 bytes (8 kHz), from EPOCH_MS on; writeTimedStream makes them a stream. */
export function g711Fragments(shape: G711FragmentShape): TimedFragment[] {
  const fragments: TimedFragment[] = [];
  let startMs = EPOCH_MS;
  for (const [f, { frames, gap, fill }] of shape.entries()) {
    if (f > 0) startMs += fragments[f - 1].frames.length * 20 + gap;
    fragments.push({
      startMs,
      frames: Array.from({ length: frames }, (_, i) => ({ track: 1, offsetMs: i * 20, data: new Uint8Array(160).fill((fill + i) & 0xff) })),
    });
  }
  return fragments;
}
