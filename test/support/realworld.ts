/** Checks shared by the real-world Matroska tests (test/realworld-*.test.ts). */
import { expect } from 'vitest';
import type { Packet } from './oracle-ffmpeg.js';

/** Our output's packets equal the input's, track by track: count, bytes (CRC-32), key flags and times (±1 ms). */
export function expectSamePackets(label: string, input: Packet[], output: Packet[]): void {
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
