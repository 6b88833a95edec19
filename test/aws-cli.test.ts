/**
 * `kvs-clip fetch` against kvs-clip's own KVS server (src/server), credentials from the SDK's default chain
 * (environment variables here). The oracle is the offline API on the capture the server serves.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clip, fragmentedMp4 } from '../src/api/index.js';
import type { ClipFragmentSelector } from '../src/api/types.js';
import { fetchCommand } from '../src/cli/fetch.js';
import type { CliIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/run.js';
import { ffmpegPcm, firstDifference } from './support/oracle-audio.js';
import { hasFfmpeg } from './support/oracle-ffmpeg.js';
import { captureFromPlainMatroska, splitCapture, startTestKvs, type CapturedFragment, type TestKvs } from './support/kvs-server.js';

let server: TestKvs;
let capture: Uint8Array;
let fragments: CapturedFragment[];
/** A camera with G.711 A-law audio, for --audio flac. */
let phoneCapture: Uint8Array;
const dir = mkdtempSync(join(tmpdir(), 'kvs-clip-fetch-'));
const savedEnv = { ...process.env };

beforeAll(async () => {
  capture = await captureFromPlainMatroska(new Uint8Array(readFileSync('fixtures/h264-aac.mkv')));
  fragments = await splitCapture(capture);
  phoneCapture = await captureFromPlainMatroska(new Uint8Array(readFileSync('fixtures/h264-alaw.mkv')));
  server = await startTestKvs(
    { cam: capture, phone: phoneCapture },
    { pageSize: 2, shuffleSeed: 11, throttleFirst: { GetMediaForFragmentList: 1 }, mediaFaults: { 3: 'reset' } },
  );
  // The default chain's first link; a set AWS_PROFILE would make the chain skip it.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  process.env = savedEnv;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr };
  const code = await runCli(['fetch', ...args], [fetchCommand], io, '0.0.0');
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}

const range = () => {
  const start = fragments[1].producerTimestamp;
  const end = fragments[fragments.length - 1].producerTimestamp;
  const selector: ClipFragmentSelector = {
    FragmentSelectorType: 'PRODUCER_TIMESTAMP',
    TimestampRange: { StartTimestamp: new Date(start), EndTimestamp: new Date(end) },
  };
  // One bound as ISO 8601, the other as epoch seconds: both forms the command accepts.
  return { selector, args: ['--start', new Date(start).toISOString(), '--end', String(end / 1000)] };
};

describe('kvs-clip fetch', () => {
  it('writes the same clip as the offline API, through throttling and a cut body', async () => {
    const { selector, args } = range();
    const path = join(dir, 'clip.mp4');
    const result = await run(['--stream', 'cam', '--region', 'us-east-1', '--endpoint', server.url, ...args, '-o', path]);
    // The same closing line as clip's.
    expect(result.stderr).toMatch(/^wrote \S+clip\.mp4 \(MP4, \d+ fragments, \d+ bytes\)\n$/);
    expect(result.code).toBe(0);
    const offline = await clip(capture, { ClipFragmentSelector: selector });
    expect(readFileSync(path).equals(Buffer.from(offline.Payload.bytes()))).toBe(true);
  });

  it('--fragmented writes the init segment and every media segment, as the offline API makes them', async () => {
    const { selector, args } = range();
    const path = join(dir, 'clip-fragmented.mp4');
    const result = await run(['--stream', 'cam', '--region', 'us-east-1', '--endpoint', server.url, ...args, '-o', path, '--fragmented']);
    expect(result.code).toBe(0);
    const segments: Uint8Array[] = [];
    for await (const segment of fragmentedMp4(capture, { ClipFragmentSelector: selector })) segments.push(segment.data);
    expect(readFileSync(path).equals(Buffer.concat(segments))).toBe(true);
  });

  it.skipIf(!hasFfmpeg)('--audio flac writes G.711 as FLAC: the A-law input sample for sample, as the offline API makes it', async () => {
    const phone = await splitCapture(phoneCapture);
    const [start, end] = [phone[0].producerTimestamp, phone[phone.length - 1].producerTimestamp];
    const selector: ClipFragmentSelector = {
      FragmentSelectorType: 'PRODUCER_TIMESTAMP',
      TimestampRange: { StartTimestamp: new Date(start), EndTimestamp: new Date(end) },
    };
    const path = join(dir, 'phone.mp4');
    const args = ['--start', new Date(start).toISOString(), '--end', new Date(end).toISOString(), '--audio', 'flac'];
    const result = await run(['--stream', 'phone', '--region', 'us-east-1', '--endpoint', server.url, ...args, '-o', path]);
    expect(result.stderr).toMatch(/^wrote \S+phone\.mp4 \(MP4, \d+ fragments, \d+ bytes\)\n$/);
    expect(result.code).toBe(0);
    // ffmpeg decodes the FLAC to exactly its decode of the A-law input.
    expect(firstDifference(ffmpegPcm(path), ffmpegPcm('fixtures/h264-alaw.mkv'))).toBeNull();
    const offline = await clip(phoneCapture, { ClipFragmentSelector: selector, audio: 'flac' });
    expect(readFileSync(path).equals(Buffer.from(offline.Payload.bytes()))).toBe(true);
  });

  it('writes to stdout with -o -', async () => {
    const { selector, args } = range();
    const result = await run(['--stream', 'cam', '--region', 'us-east-1', '--endpoint', server.url, ...args, '-o', '-']);
    expect(result.code).toBe(0);
    const offline = await clip(capture, { ClipFragmentSelector: selector });
    expect(result.stdout.equals(Buffer.from(offline.Payload.bytes()))).toBe(true);
  });

  it('--retries N caps the attempts per request: 1 gives up on the first throttled call', async () => {
    const throttled = await startTestKvs({ cam: capture }, { throttleFirst: { ListFragments: 1 } });
    try {
      const { args } = range();
      const path = join(dir, 'throttled.mp4');
      const result = await run([
        '--stream',
        'cam',
        '--region',
        'us-east-1',
        '--endpoint',
        throttled.url,
        ...args,
        '-o',
        path,
        '--retries',
        '1',
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n')[0]).toMatch(/^ClientLimitExceededException: /);
      expect(throttled.calls.ListFragments).toBe(1);
      const bad = await run(['--stream', 'cam', '--endpoint', throttled.url, ...args, '-o', path, '--retries', '0']);
      expect(bad.code).toBe(2);
      expect(bad.stderr.split('\n')[0]).toMatch(/--retries must be a positive whole number/);
    } finally {
      await throttled.close();
    }
  });

  it('reports a service error by its KVS name, exit 1, and leaves no file', async () => {
    const { args } = range();
    const path = join(dir, 'missing.mp4');
    const result = await run(['--stream', 'nope', '--region', 'us-east-1', '--endpoint', server.url, ...args, '-o', path]);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe('ResourceNotFoundException: The requested stream is not found or not active.');
    expect(existsSync(path)).toBe(false);
  });

  it('rejects a bad command line with the usage, exit 2', async () => {
    const missingEnd = await run(['--stream', 'cam', '--start', '1700000000', '-o', join(dir, 'x.mp4')]);
    expect(missingEnd.code).toBe(2);
    expect(missingEnd.stderr).toMatch(/^UsageError: --start and --end are required\nusage: kvs-clip fetch/);
    const badTime = await run(['--stream', 'cam', '--start', 'yesterday', '--end', '1700000000', '-o', join(dir, 'x.mp4')]);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr.split('\n')[0]).toMatch(/--start must be ISO 8601/);
    const badKind = await run(['--stream', 'cam', '--start', '1', '--end', '2', '--timestamps', 'camera', '-o', join(dir, 'x.mp4')]);
    expect(badKind.code).toBe(2);
  });

  it('reports GetClip’s range rule as InvalidArgumentException before calling the service', async () => {
    const calls = server.log.length;
    const result = await run([
      '--stream',
      'cam',
      '--region',
      'us-east-1',
      '--endpoint',
      server.url,
      '--start',
      '1700086400',
      '--end',
      '1700000000',
      '-o',
      join(dir, 'y.mp4'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe('InvalidArgumentException: The EndTimestamp must be later than the StartTimestamp.');
    expect(server.log.length).toBe(calls);
  });
});
