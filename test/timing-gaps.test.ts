/**
 * Issue 24.2: a long gap between fragments must not split audio from video. Property: for arbitrary
 * gaps between three fragments (0 to 60 days), every sample of every track of the flat clip and of
 * the fragmented output is presented at the input's time (fragment timestamp plus the frame's offset
 * from its cluster), or the output carries a 'gap-closed' warning and every sample of a fragment is
 * moved by the same amount on every track (the tracks stay aligned). Times are read by mp4box.js
 * (test/support/oracle-mp4box.ts applies edit lists and re-bases fragments on tfdt); the long-gap
 * case is also checked in ffprobe.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipFromFragments, fragmentedMp4FromFragments } from '../src/api/index.js';
import { readFragments } from '../src/mkv/index.js';
import type { MkvFragment } from '../src/mkv/types.js';
import type { ReaderWarning } from '../src/warnings.js';
import { hasFfmpeg, packets, tempFile } from './support/oracle-ffmpeg.js';
import { parseMp4, presentationSeconds } from './support/oracle-mp4box.js';

const DAY_MS = 86_400_000;

async function baseFragments(): Promise<MkvFragment[]> {
  const out: MkvFragment[] = [];
  for await (const f of readFragments(new Uint8Array(readFileSync('fixtures/kvs-h264-aac.mkv')))) out.push(f);
  return out.slice(0, 3);
}

/** The fragments with `gapsMs[i]` added between fragment i and i + 1 (both timestamps moved). */
function withGaps(fragments: MkvFragment[], gapsMs: number[]): MkvFragment[] {
  let added = 0;
  return fragments.map((f, i) => {
    if (i > 0) added += gapsMs[i - 1];
    return { ...f, producerTimestamp: f.producerTimestamp! + added, serverTimestamp: f.serverTimestamp! + added };
  });
}

/** Per track number, each frame's input time in seconds from the clip's origin and its fragment index. */
function inputTimes(fragments: MkvFragment[]): Map<number, { seconds: number; fragment: number }[]> {
  const originMs = Math.min(
    ...fragments[0].frames.map((fr) => fragments[0].producerTimestamp! + fr.timestamp - fragments[0].clusterTimecode!),
  );
  const byTrack = new Map<number, { seconds: number; fragment: number }[]>();
  fragments.forEach((f, k) => {
    for (const fr of f.frames) {
      const list = byTrack.get(fr.track) ?? [];
      list.push({ seconds: (f.producerTimestamp! + fr.timestamp - f.clusterTimecode! - originMs) / 1000, fragment: k });
      byTrack.set(fr.track, list);
    }
  });
  return byTrack;
}

/** Per fragment and track, the shifts (output − input, s) of its samples. */
function shifts(bytes: Uint8Array, expected: Map<number, { seconds: number; fragment: number }[]>): { video: number[]; audio: number[] }[] {
  const parsed = parseMp4(bytes);
  const perFragment: { video: number[]; audio: number[] }[] = [];
  for (const track of parsed.tracks) {
    const input = expected.get(track.id)!; // track ids are 1 (video) and 2 (audio), as the input's numbers
    expect(track.samples.length).toBe(input.length);
    const kind = track.id === 1 ? 'video' : 'audio';
    track.samples.forEach((sample, i) =>
      (perFragment[input[i].fragment] ??= { video: [], audio: [] })[kind].push(presentationSeconds(track, sample) - input[i].seconds),
    );
  }
  return perFragment;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function outputs(fragments: MkvFragment[]) {
  const warnings: ReaderWarning[] = [];
  const onWarning = (w: ReaderWarning) => warnings.push(w);
  const flat = (await clipFromFragments(fragments, { onWarning })).Payload.bytes();
  const fragmentedWarnings: ReaderWarning[] = [];
  const segments: Uint8Array[] = [];
  for await (const s of fragmentedMp4FromFragments(fragments, { onWarning: (w) => fragmentedWarnings.push(w) })) segments.push(s.data);
  return { flat, fragmented: Buffer.concat(segments), warnings, fragmentedWarnings };
}

/**
 * Video: ±1 ms (Matroska ms vs 90 kHz). Audio: its times are a running sum of frame lengths that
 * follows the input within half a frame (docs/kvs-mkv.md#timeline): ±1024/48 000/2 s.
 */
const VIDEO_TOLERANCE_S = 0.0011;
const AUDIO_TOLERANCE_S = 0.0107;

const gap = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 60 * DAY_MS }));

describe('long gaps between fragments keep the tracks on one timeline (24.2)', () => {
  it('property: times equal the input, or a gap-closed warning and every track moved alike', async () => {
    const base = await baseFragments();
    await fc.assert(
      fc.asyncProperty(fc.tuple(gap, gap), async (gapsMs) => {
        const fragments = withGaps(base, gapsMs);
        const expected = inputTimes(fragments);
        const { flat, fragmented, warnings, fragmentedWarnings } = await outputs(fragments);
        for (const [bytes, warned] of [
          [flat, warnings],
          [fragmented, fragmentedWarnings],
        ] as const) {
          const closed = warned.filter((w) => w.code === 'gap-closed');
          for (const { video, audio } of shifts(bytes, expected)) {
            // Aligned: the fragment's video moved by one amount, and its audio by the same.
            expect(Math.max(...video) - Math.min(...video)).toBeLessThanOrEqual(2 * VIDEO_TOLERANCE_S);
            expect(Math.abs(median(video) - median(audio))).toBeLessThanOrEqual(AUDIO_TOLERANCE_S);
            if (closed.length === 0) {
              for (const d of video) expect(Math.abs(d)).toBeLessThanOrEqual(VIDEO_TOLERANCE_S);
              for (const d of audio) expect(Math.abs(d)).toBeLessThanOrEqual(AUDIO_TOLERANCE_S);
            }
          }
          // A gap is closed exactly when one video sample duration (2^31 − 1 ticks at 90 kHz, 23 860.9 s,
          // counting the last frame's own ~40 ms) cannot hold it; near the limit either is right.
          expect(closed.length).toBeGreaterThanOrEqual(gapsMs.filter((g) => g > 23_861_000).length);
          expect(closed.length).toBeLessThanOrEqual(gapsMs.filter((g) => g > 23_860_000).length);
        }
      }),
      { numRuns: 12 },
    );
  }, 30_000);

  it.skipIf(!hasFfmpeg)(
    '20 hours between two fragments: ffprobe sees both tracks continue together, and the warning says where',
    async () => {
      const base = await baseFragments();
      const fragments = withGaps(base.slice(0, 2), [20 * 3_600_000]);
      const { flat, warnings } = await outputs(fragments);
      const closed = warnings.filter((w) => w.code === 'gap-closed');
      expect(closed).toHaveLength(1);
      expect(closed[0].fragmentIndex).toBe(1);
      expect(closed[0].message).toMatch(
        /fragment \d+ \(2023-11-15T.*\): the 720\d\d\.\d+ s gap before it on track 1 \(video\).*72000\.000 s earlier/,
      );
      const ps = packets(tempFile('gap-20h.mp4', flat));
      const last = (type: string) => Math.max(...ps.filter((p) => p.codecType === type).map((p) => p.pts));
      // Before the fix: audio ended at 72 002 s, video at 1.94 s.
      expect(last('audio')).toBeLessThan(3);
      expect(Math.abs(last('video') - last('audio'))).toBeLessThan(0.1);
    },
  );
});
