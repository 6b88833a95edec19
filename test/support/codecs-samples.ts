/**
 * Test access to ../shared/kvs-samples for the codecs tests: the Tracks of each MKV segment (a tiny
 * EBML scan, independent of src/mkv), the per-frame sample files, and MkvFragment builders.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MkvFragment, MkvFrame, MkvTrack } from '../../src/mkv/types.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLES = resolve(REPO, '../shared/kvs-samples');
export const haveSamples = existsSync(SAMPLES);
if (!haveSamples) console.warn(`[codecs tests] ${SAMPLES} is absent: tests on real KVS samples are skipped`);

export const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export function sample(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(SAMPLES, path)));
}

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(REPO, 'fixtures', name)));
}

/** The files of a frames/ folder in name order (their names sort in stream order). */
export function frameFiles(folder: string): string[] {
  return readdirSync(join(SAMPLES, 'frames', folder))
    .sort()
    .map((name) => join('frames', folder, name));
}

const ID_TRACKS = [0x16, 0x54, 0xae, 0x6b];

/** An EBML variable-size integer at `at`: its value (null when "unknown") and byte length. */
function vint(bytes: Uint8Array, at: number): { value: number | null; length: number } {
  const first = bytes[at];
  const length = Math.clz32(first) - 23;
  let value = first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i];
    allOnes &&= bytes[at + i] === 0xff;
  }
  return { value: allOnes ? null : value, length };
}

function elementId(bytes: Uint8Array, at: number): { id: number; length: number } {
  const length = Math.clz32(bytes[at]) - 23;
  let id = 0;
  for (let i = 0; i < length; i++) id = id * 256 + bytes[at + i];
  return { id, length };
}

function* children(bytes: Uint8Array, start: number, end: number): Generator<{ id: number; body: Uint8Array }> {
  let at = start;
  while (at < end) {
    const id = elementId(bytes, at);
    const size = vint(bytes, at + id.length);
    const bodyStart = at + id.length + size.length;
    const bodyEnd = Math.min(end, bodyStart + (size.value ?? end - bodyStart));
    yield { id: id.id, body: bytes.subarray(bodyStart, bodyEnd) };
    at = bodyEnd;
  }
}

const uint = (body: Uint8Array): number => body.reduce((value, byte) => value * 256 + byte, 0);
const float = (body: Uint8Array): number => {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return body.length === 4 ? view.getFloat32(0) : view.getFloat64(0);
};

/** The Tracks of every segment in an MKV file, found by scanning for the Tracks element ID. */
export function tracksOf(bytes: Uint8Array): MkvTrack[][] {
  const result: MkvTrack[][] = [];
  for (let at = 0; at + 4 < bytes.length; at++) {
    if (bytes[at] !== ID_TRACKS[0] || bytes[at + 1] !== ID_TRACKS[1] || bytes[at + 2] !== ID_TRACKS[2] || bytes[at + 3] !== ID_TRACKS[3])
      continue;
    const size = vint(bytes, at + 4);
    const start = at + 4 + size.length;
    const tracks: MkvTrack[] = [];
    for (const entry of children(bytes, start, start + (size.value ?? 0))) {
      if (entry.id !== 0xae) continue;
      const track: MkvTrack = { number: 0, type: 'other', typeCode: 0, codecId: '' };
      for (const field of children(entry.body, 0, entry.body.length)) {
        if (field.id === 0xd7) track.number = uint(field.body);
        else if (field.id === 0x83) {
          track.typeCode = uint(field.body);
          track.type = track.typeCode === 1 ? 'video' : track.typeCode === 2 ? 'audio' : track.typeCode === 0x11 ? 'subtitle' : 'other';
        } else if (field.id === 0x86) track.codecId = new TextDecoder().decode(field.body).replace(/\0+$/, '');
        else if (field.id === 0x63a2) track.codecPrivate = field.body;
        else if (field.id === 0xe1) {
          const audio = { samplingFrequency: 8000, channels: 1 };
          for (const a of children(field.body, 0, field.body.length)) {
            if (a.id === 0xb5) audio.samplingFrequency = float(a.body);
            else if (a.id === 0x9f) audio.channels = uint(a.body);
          }
          track.audio = audio;
        }
      }
      tracks.push(track);
    }
    // The ID also appears as a SeekHead entry's SeekID; those hold no TrackEntry.
    if (tracks.length > 0) result.push(tracks);
    at = start;
  }
  return result;
}

/** The first segment's tracks of a sample MKV. */
export function sampleTracks(path: string): MkvTrack[] {
  return tracksOf(sample(path))[0];
}

export function track(number: number, codecId: string, codecPrivate?: Uint8Array, extra: Partial<MkvTrack> = {}): MkvTrack {
  const type = codecId.startsWith('V_') ? 'video' : codecId.startsWith('A_') ? 'audio' : 'other';
  return { number, type, typeCode: type === 'video' ? 1 : type === 'audio' ? 2 : 0x11, codecId, codecPrivate, ...extra };
}

export function frame(trackNumber: number, data: Uint8Array, keyframe = false, timestamp = 0): MkvFrame {
  return { track: trackNumber, timestamp, keyframe, data };
}

export function fragment(index: number, tracks: MkvTrack[], frames: MkvFrame[] = [], fragmentNumber: string | null = null): MkvFragment {
  return {
    index,
    fragmentNumber,
    producerTimestamp: null,
    serverTimestamp: null,
    timecodeScale: 1_000_000,
    clusterTimecode: frames.length > 0 ? 0 : null,
    tracks,
    frames,
    tags: [],
    byteOffset: 0,
    byteLength: 0,
  };
}

/** Frames of a frames/ folder as MkvFrames of one track; `isKey` tells key frames by index/name. */
export function folderFrames(folder: string, trackNumber: number, isKey: (index: number, path: string) => boolean): MkvFrame[] {
  return frameFiles(folder).map((path, index) => frame(trackNumber, sample(path), isKey(index, path), index));
}
