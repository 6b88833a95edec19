/**
 * kvs-clip/server driven by boto3 (Debian's python3-boto3, a client nobody here wrote): one Python
 * run (test/support/kvs-boto3.py) makes every call; this file checks what it got against the stored
 * file, read with the library's reader, and against the library's clip.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clip } from '../src/api/index.js';
import { readFragments } from '../src/mkv/index.js';
import type { MkvFragment } from '../src/mkv/types.js';
import { createKvsServer, type KvsServer } from '../src/server/index.js';
import { awsEnv, haveBoto3, PYTHON } from './support/aws-env.js';

if (!haveBoto3) console.warn(`SKIPPED boto3 server tests: ${PYTHON} cannot import boto3 (apt-get install python3-boto3)`);

const capture = new Uint8Array(readFileSync('fixtures/kvs-h264-aac.mkv'));

interface ErrorSeen {
  class: string;
  code: string;
  status: number;
}

interface Boto3Result {
  streams: string[];
  dataEndpoint: string;
  pages: number;
  fragments: { number: string; producerMs: number; serverMs: number; size: number }[];
  paginated: string[];
  asked: string[];
  clipType: string;
  tokens: string[];
  errors: Record<string, ErrorSeen | null>;
}

async function fragmentsOf(bytes: Uint8Array): Promise<MkvFragment[]> {
  const out: MkvFragment[] = [];
  for await (const fragment of readFragments(bytes)) out.push(fragment);
  return out;
}

const frames = (fragment: MkvFragment) =>
  fragment.frames.map((frame) => [frame.track, frame.timestamp, Buffer.from(frame.data).toString('base64')]);

describe.skipIf(!haveBoto3)('boto3 against kvs-clip serve', () => {
  let dir: string;
  let out: string;
  let server: KvsServer;
  let throttling: KvsServer;
  let result: Boto3Result;
  let url: string;
  let stored: MkvFragment[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvs-serve-boto3-'));
    out = mkdtempSync(join(tmpdir(), 'kvs-serve-boto3-out-'));
    copyFileSync('fixtures/kvs-h264-aac.mkv', join(dir, 'cam.mkv'));
    server = createKvsServer({ dir, idleMs: 100 });
    throttling = createKvsServer({ dir, faults: { throttleRate: 1 } });
    let throttlingUrl: string;
    [url, throttlingUrl] = await Promise.all([server.start(), throttling.start()]);
    const child = spawn(PYTHON, ['test/support/kvs-boto3.py', url, throttlingUrl, 'cam', out], { env: awsEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    if (code !== 0) throw new Error(`kvs-boto3.py exited ${code}: ${stderr}`);
    result = JSON.parse(stdout) as Boto3Result;
    stored = await fragmentsOf(capture);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([server?.stop(), throttling?.stop()]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('lists the stream and pages through its fragments (by hand and with the paginator)', () => {
    expect(result.streams).toEqual(['cam']);
    expect(result.dataEndpoint).toBe(url);
    expect(result.pages).toBe(Math.ceil(stored.length / 2));
    expect(result.fragments.map((f) => [f.number, f.producerMs, f.serverMs])).toEqual(
      stored.map((f) => [f.fragmentNumber, f.producerTimestamp, f.serverTimestamp]),
    );
    expect(result.paginated).toEqual(stored.map((f) => f.fragmentNumber));
  });

  it('GetMediaForFragmentList: the stored fragments in the order asked', async () => {
    const body = new Uint8Array(readFileSync(join(out, 'list.mkv')));
    const served = await fragmentsOf(body);
    expect(served.map((f) => f.fragmentNumber)).toEqual(result.asked);
    const byNumber = new Map(stored.map((f) => [f.fragmentNumber, f]));
    for (const fragment of served) expect(frames(fragment)).toEqual(frames(byNumber.get(fragment.fragmentNumber)!));
    expect(body.byteLength).toBe(result.fragments.reduce((sum, f) => sum + f.size, 0));
  });

  it('GetClip equals the library’s clip with the same selector', async () => {
    expect(result.clipType).toBe('video/mp4');
    // botocore sends REST-JSON timestamps as whole epoch seconds (its serializer drops the milliseconds).
    const seconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
    const selector = {
      FragmentSelectorType: 'SERVER_TIMESTAMP' as const,
      TimestampRange: {
        StartTimestamp: seconds(stored[1].serverTimestamp!),
        EndTimestamp: seconds(stored[stored.length - 1].serverTimestamp!),
      },
    };
    const expected = (await clip(capture, { ClipFragmentSelector: selector })).Payload.bytes();
    expect(Buffer.compare(readFileSync(join(out, 'clip.mp4')), Buffer.from(expected))).toBe(0);
  });

  it('GetMedia: a continuation token from the payload resumes at the next fragment', async () => {
    expect(result.tokens).toEqual(stored.map((f) => f.fragmentNumber));
    const resumed = await fragmentsOf(new Uint8Array(readFileSync(join(out, 'resumed.mkv'))));
    expect(resumed.map((f) => f.fragmentNumber)).toEqual(stored.slice(2).map((f) => f.fragmentNumber));
    expect(resumed.map(frames)).toEqual(stored.slice(2).map(frames));
  });

  it('errors arrive as boto3’s own exception classes, with the model’s status codes', () => {
    expect(result.errors).toEqual({
      unknownStream: { class: 'ResourceNotFoundException', code: 'ResourceNotFoundException', status: 404 },
      hugeMaxResults: { class: 'InvalidArgumentException', code: 'InvalidArgumentException', status: 400 },
      badSelector: { class: 'InvalidArgumentException', code: 'InvalidArgumentException', status: 400 },
      unknownFragments: { class: 'ResourceNotFoundException', code: 'ResourceNotFoundException', status: 404 },
      emptyRange: { class: 'ResourceNotFoundException', code: 'ResourceNotFoundException', status: 404 },
      outsideFolder: { class: 'InvalidArgumentException', code: 'InvalidArgumentException', status: 400 },
      throttled: { class: 'ClientLimitExceededException', code: 'ClientLimitExceededException', status: 400 },
    });
  });
});
