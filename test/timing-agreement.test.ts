/**
 * Issue 24.1 and its "done when": the fragmented output of every fixture (fixtures/, fixtures/realworld/)
 * and of the real KVS captures reads in ffprobe with the same first presentation time per track and
 * the same A/V offset as the flat clip, to the millisecond. Before the fix, a later segment that
 * reorders deeper than the first (h264-deeper-reorder-aac, h264-vfr-bframes-aac) made ffmpeg delay
 * the fragmented video by the excess (docs/timing.md#reorder-delay-in-fragmented-output).
 *
 * One ffprobe call per output (-show_entries packet=codec_type,pts_time), run in parallel with
 * bounded concurrency; the first 3 s of each output are enough, as a first presentation time is in
 * the first GOP and ffmpeg applies a track delay to it. `npm test` checks fixtures/ (which holds the
 * reorder fixtures) and the smallest clip-able capture; `npm run test:timing` (KVS_CLIP_TIMING_ALL=1)
 * adds fixtures/realworld/ and every capture, which takes four times as long.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { clip, fragmentedMp4 } from '../src/api/index.js';
import { hasFfmpeg, tempFile } from './support/oracle-ffmpeg.js';
import { FIXTURES, hasSamples, SAMPLES } from './support/mp4-input.js';

const run = promisify(execFile);

const mkvs = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.mkv'))
        .map((f) => join(dir, f))
    : [];

const all = process.env.KVS_CLIP_TIMING_ALL === '1';
const fixtures = [...mkvs(FIXTURES), ...(all ? mkvs(join(FIXTURES, 'realworld')) : [])];
/** Captures that make a clip (the others are refused by both outputs alike, see mkv-samples.test.ts). */
const CLIPPABLE_CAPTURES = [
  'kinesis_video_renderer_example_output.mkv',
  'clusters.mkv',
  'output_get_media_sparse_fragments.mkv',
  'output-get-media-equal-timecode.mkv',
  'output-get-media-non-increasing-timecode.mkv',
  'output_get_media.mkv',
  'output_get_media_sparse_fragments_merged.mkv',
  'vogels_480.mkv',
  'test-stream-1_0.mkv',
];
const captures = hasSamples
  ? CLIPPABLE_CAPTURES.map((f) => join(SAMPLES, f))
      .filter((p) => existsSync(p))
      .sort((a, b) => statSync(a).size - statSync(b).size)
      .slice(0, all ? undefined : 1)
  : [];
if (!hasSamples) console.warn(`SKIPPED: ${SAMPLES} is absent; flat/fragmented timing agreement is checked on fixtures only`);
if (!all) console.warn('timing-agreement: fixtures/ and 1 capture; `npm run test:timing` checks fixtures/realworld/ and every capture too');

interface FirstTimes {
  /** Earliest presentation time per codec type, in seconds. */
  video: number | null;
  audio: number | null;
}

async function firstTimes(file: string): Promise<FirstTimes> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-read_intervals', '%+3', '-show_entries', 'packet=codec_type,pts_time', '-of', 'csv=p=0', file],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const first: FirstTimes = { video: null, audio: null };
  for (const line of stdout.split('\n')) {
    const [type, pts] = line.split(',');
    if ((type !== 'video' && type !== 'audio') || pts === undefined || pts === 'N/A') continue;
    const t = Number(pts);
    if (first[type] === null || t < first[type]) first[type] = t;
  }
  return first;
}

/** Runs `tasks` with at most `limit` at a time. */
async function bounded<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

interface Outcome {
  name: string;
  flat: FirstTimes | string;
  fragmented: FirstTimes | string;
}

async function outputs(path: string): Promise<{ flat: Uint8Array | string; fragmented: Uint8Array[] | string }> {
  const input = new Uint8Array(readFileSync(path));
  let flat: Uint8Array | string;
  let fragmented: Uint8Array[] | string;
  try {
    flat = (await clip(input)).Payload.bytes();
  } catch (e) {
    flat = (e as Error).name;
  }
  try {
    const segments: Uint8Array[] = [];
    for await (const segment of fragmentedMp4(input)) segments.push(segment.data);
    fragmented = segments.length > 0 ? segments : 'no segments';
  } catch (e) {
    fragmented = (e as Error).name;
  }
  return { flat, fragmented };
}

const ms = (s: number | null) => (s === null ? null : Math.round(s * 1000));

describe.skipIf(!hasFfmpeg)('flat and fragmented outputs read alike in ffprobe (24.1, done-when)', () => {
  it(`first presentation time per track and A/V offset, ${fixtures.length} fixtures + ${captures.length} captures`, async () => {
    const cases = [...fixtures, ...captures];
    const outcomes = await bounded(
      cases.map((path, i) => async (): Promise<Outcome> => {
        const name = path.slice(path.lastIndexOf('/', path.lastIndexOf('/') - 1) + 1);
        const { flat, fragmented } = await outputs(path);
        const [f, g] = await Promise.all([
          typeof flat === 'string' ? flat : firstTimes(tempFile(`agree-${i}-flat.mp4`, flat)),
          typeof fragmented === 'string' ? fragmented : firstTimes(tempFile(`agree-${i}-frag.mp4`, fragmented)),
        ]);
        return { name, flat: f, fragmented: g };
      }),
      3,
    );
    const rows = outcomes.map(({ name, flat, fragmented }) => {
      const view = (t: FirstTimes | string) =>
        typeof t === 'string'
          ? t
          : { video: ms(t.video), audio: ms(t.audio), offset: t.video !== null && t.audio !== null ? ms(t.video - t.audio) : null };
      return { name, flat: view(flat), fragmented: view(fragmented) };
    });
    // Inputs neither output takes (no clusters, MJPEG) must be refused by both.
    for (const row of rows) expect({ name: row.name, times: row.fragmented }).toEqual({ name: row.name, times: row.flat });
    const clipped = rows.filter((r) => typeof r.flat !== 'string');
    expect(clipped.length).toBeGreaterThanOrEqual(fixtures.length - 2);
    expect(clipped.map((r) => r.name)).toEqual(
      expect.arrayContaining(['fixtures/h264-deeper-reorder-aac.mkv', 'fixtures/h264-vfr-bframes-aac.mkv']),
    );
  }, 60_000);
});
