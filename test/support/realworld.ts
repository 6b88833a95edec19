/** Checks shared by the real-world Matroska tests (test/realworld-*.test.ts). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { readFragments, type MkvFragment } from '../../src/index.js';
import type { Packet } from './oracle-ffmpeg.js';
import { simpleBlocks, trackSpec } from './kvs-documents.js';
import { writeKvsStream, type DocumentSpec } from './kvs-writer.js';
import { FIXTURES } from './mp4-input.js';

/**
 * Our output's packets equal the input's, track by track: count, bytes (CRC-32), key flags and times
 * (±1 ms, Matroska's usual tick; audio within `audioToleranceS` when the input's audio times stray
 * further from the sample count, which kvs-clip's sample-exact audio times follow).
 */
export function expectSamePackets(label: string, input: Packet[], output: Packet[], audioToleranceS = 0.001): void {
  const video = input.filter((p) => p.codecType === 'video');
  // Every input has video, starting with a key frame (nothing passes by both sides being empty).
  expect(video.length > 0 && video[0].key, `${label}: video packets from a key frame`).toBe(true);
  for (const kind of ['video', 'audio']) {
    const theirs = input.filter((p) => p.codecType === kind);
    const ours = output.filter((p) => p.codecType === kind);
    expect(ours.length, `${label}: ${kind} packets`).toBe(theirs.length);
    expect(
      ours.map((p) => p.crc),
      `${label}: ${kind} bytes`,
    ).toEqual(theirs.map((p) => p.crc));
    if (kind === 'video') expect(ours.map((p) => p.key)).toEqual(theirs.map((p) => p.key));
    // Both start at 0 here (the fixtures start at 0, and so does our timeline).
    const tolerance = (kind === 'audio' ? audioToleranceS : 0.001) + 1e-9; // 1e-9: the float error of the seconds
    ours.forEach((p, k) => expect(Math.abs(p.pts - theirs[k].pts), `${label}: ${kind} packet ${k} pts`).toBeLessThanOrEqual(tolerance));
  }
}

/**
 * The packets of two files with the same streams (an input and our output of it) from one ffmpeg
 * run: half the process starts of two ffprobe runs.
 */
export function packetsOfPair(input: string, output: string): [Packet[], Packet[]] {
  const [a, b] = packetsOfFiles([input, output]);
  return [a, b];
}

/**
 * The video and audio packets of files with the same streams (other streams, such as attachments, are
 * left out), from one ffmpeg run (`-c copy -f framecrc`:
 * per packet its stream, times, size, CRC and, for non-key packets, its flags), file by file. Only
 * the fields expectSamePackets reads.
 */
export function packetsOfFiles(files: readonly string[]): Packet[][] {
  const text = execFileSync(
    'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      ...files.flatMap((f) => ['-i', f]),
      ...files.flatMap((_, k) => ['-map', `${k}:v`, '-map', `${k}:a?`]),
      '-c',
      'copy',
      '-f',
      'framecrc',
      '-',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  ).toString();
  const timeBases = new Map<number, number>();
  const types = new Map<number, string>();
  const all: Packet[] = [];
  for (const line of text.split('\n')) {
    const header = /^#(tb|media_type) (\d+): (\S+)/.exec(line);
    if (header) {
      const stream = Number(header[2]);
      if (header[1] === 'tb') {
        const [num, den] = header[3].split('/').map(Number);
        timeBases.set(stream, num / den);
      } else types.set(stream, header[3]);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const [stream, dts, pts, duration, size, crc, flags] = line.split(',').map((field) => field.trim());
    const tb = timeBases.get(Number(stream))!;
    all.push({
      stream: Number(stream),
      codecType: types.get(Number(stream))!,
      dts: Number(dts) * tb,
      pts: Number(pts) * tb,
      duration: Number(duration) * tb,
      size: Number(size),
      key: flags === undefined || (parseInt(flags.slice(2), 16) & 1) === 1,
      crc,
      pos: -1,
    });
  }
  const perFile = types.size / files.length;
  return files.map((_, k) => all.filter((p) => Math.floor(p.stream / perFile) === k));
}

/**
 * One stream of several plain Matroska documents, each with its own Tracks (and so its own
 * CodecPrivate), as a producer writes after a change of configuration: each fixture's frames in one
 * cluster at its offset (ms) on the stream's timeline. Returns the stream and its video frame count.
 */
export async function joinedStream(
  parts: readonly (readonly [name: string, offsetMs: number])[],
): Promise<{ bytes: Uint8Array; videoFrames: number }> {
  let videoFrames = 0;
  const documents: DocumentSpec[] = [];
  for (const [name, offset] of parts) {
    const fragments: MkvFragment[] = [];
    for await (const f of readFragments(new Uint8Array(readFileSync(`${FIXTURES}/realworld/${name}`)))) fragments.push(f);
    const frames = fragments.flatMap((f) => f.frames);
    videoFrames += frames.filter((f) => f.track === 1).length;
    documents.push({
      timecodeScale: fragments[0].timecodeScale,
      tracks: fragments[0].tracks.map(trackSpec),
      clusters: [
        {
          timecode: offset,
          blocks: simpleBlocks(frames),
        },
      ],
    });
  }
  return { bytes: writeKvsStream({ documents }).bytes, videoFrames };
}

/**
 * A stream whose video configuration changes, as MediaRecorder's after a resize: the 160x120 file,
 * then the 96x64 one 2 s later (the AAC configuration is the same in both).
 */
export const RESIZED: readonly (readonly [string, number])[] = [
  ['h264-gop6-aac.mkv', 0],
  ['also-cluster-size-limit.mkv', 2000],
];
