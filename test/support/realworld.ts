/** Checks shared by the real-world Matroska tests (test/realworld-*.test.ts). */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { Packet } from './oracle-ffmpeg.js';

/** Our output's packets equal the input's, track by track: count, bytes (CRC-32), key flags and times (±1 ms). */
export function expectSamePackets(label: string, input: Packet[], output: Packet[]): void {
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
    ours.forEach((p, k) => expect(Math.abs(p.pts - theirs[k].pts), `${label}: ${kind} packet ${k} pts`).toBeLessThanOrEqual(0.001));
  }
}

/**
 * The packets of two files with the same streams (an input and our output of it) from one ffmpeg
 * run (`-c copy -f framecrc`: per packet its stream, times, size, CRC and, for non-key packets, its
 * flags): half the process starts of two ffprobe runs. Only the fields expectSamePackets reads.
 */
export function packetsOfPair(input: string, output: string): [Packet[], Packet[]] {
  const text = execFileSync(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-i', input, '-i', output, '-map', '0', '-map', '1', '-c', 'copy', '-f', 'framecrc', '-'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
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
  const half = types.size / 2;
  return [all.filter((p) => p.stream < half), all.filter((p) => p.stream >= half)];
}
