/**
 * `kvs-clip follow` against the local GetMedia endpoint: --start earliest --until T takes the
 * fragments up to T, as fragmented MP4 on stdout or a flat MP4 file; mp4box.js counts the samples,
 * checked against the per-fragment frame counts other tools report (test/support/cli.ts).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followCommand } from '../src/cli/follow.js';
import { KVS_H264_AAC, runInProcess } from './support/cli.js';
import { servedFragments, startGetMediaServer, type GetMediaServer } from './support/getmedia-server.js';
import { parseMp4 } from './support/oracle-mp4box.js';

let server: GetMediaServer;
const dir = mkdtempSync(join(tmpdir(), 'kvs-clip-follow-'));

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'secret';
  const fragments = await servedFragments(new Uint8Array(readFileSync(new URL('../fixtures/kvs-h264-aac.mkv', import.meta.url))));
  // The service ends a body after two fragments: follow must carry on from the continuation token.
  server = await startGetMediaServer({ fragments, plan: () => ({ endAfterFragments: 2 }) });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = () => ['follow', '--stream', 'live', '--endpoint', server.url, '--region', 'us-east-1', '--start', 'earliest'];
const until = String(KVS_H264_AAC[2].producerTimestamp / 1000);
const expected = { video: 0, audio: 0 };
for (const f of KVS_H264_AAC.slice(0, 3)) {
  expected.video += f.frames[1];
  expected.audio += f.frames[2];
}

function sampleCounts(bytes: Uint8Array): number[] {
  return parseMp4(bytes).tracks.map((t) => t.samples.length);
}

describe('kvs-clip follow', () => {
  it('--fragmented -o -: the fragments up to --until as fMP4 on stdout', async () => {
    const run = await runInProcess([followCommand], [...base(), '--until', until, '--fragmented', '-o', '-']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(sampleCounts(run.stdout)).toEqual([expected.video, expected.audio]);
  });

  it('without --fragmented: a flat MP4 file; and --until is required for it', async () => {
    const out = join(dir, 'flat.mp4');
    const run = await runInProcess([followCommand], [...base(), '--until', until, '-o', out]);
    expect(run.stderr).toBe(`wrote ${out} (MP4, 3 fragments, ${statSync(out).size} bytes)\n`);
    expect(sampleCounts(readFileSync(out))).toEqual([expected.video, expected.audio]);
    const usage = await runInProcess([followCommand], [...base(), '-o', out]);
    expect(usage.code).toBe(2);
    expect(usage.stderr.split('\n')[0]).toBe('UsageError: a flat MP4 needs --until (or use --fragmented)');
  });

  it('--json: one JSON line with the fragments and tracks written; --quiet: nothing; a terminal gets the progress line', async () => {
    const out = join(dir, 'json.mp4');
    const json = await runInProcess([followCommand], [...base(), '--until', until, '--fragmented', '-o', out, '--json']);
    expect([json.code, json.stderr]).toEqual([0, '']);
    expect(JSON.parse(json.stdout.toString())).toEqual({
      output: out,
      bytes: statSync(out).size,
      fragments: 3,
      tracks: [expect.stringMatching(/^avc1\./), expect.stringMatching(/^mp4a\./)],
      warnings: [],
    });
    const quiet = await runInProcess([followCommand], [...base(), '--until', until, '-o', join(dir, 'quiet.mp4'), '--quiet'], {
      tty: true,
    });
    expect([quiet.code, quiet.stderr, quiet.stdout.length]).toEqual([0, '', 0]);
    const shown = await runInProcess([followCommand], [...base(), '--until', until, '-o', join(dir, 'tty.mp4')], { tty: true });
    const last = new Date(KVS_H264_AAC[2].producerTimestamp).toISOString();
    expect(shown.stderr).toContain(`\rfollowed 3 fragments, latest ${last}\x1b[K`);
    expect(shown.stderr).toMatch(/\r\x1b\[Kwrote \S+tty\.mp4 \(MP4, 3 fragments, \d+ bytes\)\n$/);
  });

  it('--fragmented --low-latency: the same samples (bytes, times) as --fragmented, a chunk per block', async () => {
    const samples = (bytes: Uint8Array) =>
      parseMp4(bytes).tracks.map((t) => t.samples.map((x) => [x.dts, x.cts, Buffer.from(x.data).toString('base64')]));
    const normal = await runInProcess([followCommand], [...base(), '--until', until, '--fragmented', '-o', '-']);
    const low = await runInProcess([followCommand], [...base(), '--until', until, '--fragmented', '--low-latency', '-o', '-']);
    expect(low.stderr).toBe('');
    expect(low.code).toBe(0);
    expect(parseMp4(low.stdout).boxes.filter((b) => b === 'moof').length).toBe(expected.video + expected.audio);
    expect(samples(low.stdout)).toEqual(samples(normal.stdout));
  });
});
