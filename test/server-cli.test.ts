/**
 * `kvs-clip serve` as users run it (the built CLI, a process), driven by the AWS CLI v2 (Debian's
 * awscli, a client nobody here wrote): paged ListFragments, GetMediaForFragmentList to a file,
 * GetClip equal to `kvs-clip clip` with the same selector, an error as the CLI reports it, and a
 * clean exit on SIGINT.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFragments } from '../src/mkv/index.js';
import type { MkvFragment } from '../src/mkv/types.js';
import { serveCommand } from '../src/cli/serve.js';
import { buildCli, runInProcess, type BuiltCli } from './support/cli.js';
import { AWS_CLI, awsEnv, haveAwsCli } from './support/aws-env.js';

if (!haveAwsCli) console.warn(`SKIPPED AWS CLI server tests: ${AWS_CLI} is absent (apt-get install awscli)`);

const capturePath = 'fixtures/kvs-h264-aac.mkv';

async function fragmentsOf(bytes: Uint8Array): Promise<MkvFragment[]> {
  const out: MkvFragment[] = [];
  for await (const fragment of readFragments(bytes)) out.push(fragment);
  return out;
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { env: awsEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('kvs-clip serve command line', () => {
  it('rejects a bad command line with the usage (exit 2) and a missing folder by name (exit 1)', async () => {
    for (const argv of [
      ['serve'],
      ['serve', 'fixtures', '--port', 'x'],
      ['serve', 'fixtures', '--throttle-rate', '2'],
      ['serve', 'fixtures', '--throttle-for', '1.5'],
      ['serve', 'a', 'b'],
    ]) {
      const run = await runInProcess([serveCommand], argv);
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^UsageError: .*\nusage: kvs-clip serve <dir>/);
    }
    const missing = await runInProcess([serveCommand], ['serve', 'no-such-folder']);
    expect(missing).toMatchObject({ code: 1, stderr: 'InvalidArgumentException: no-such-folder is not a folder\n' });
  });
});

describe.skipIf(!haveAwsCli)('the AWS CLI against `kvs-clip serve`', () => {
  let cli: BuiltCli;
  let serve: ChildProcessWithoutNullStreams;
  let url: string;
  let stored: MkvFragment[];

  beforeAll(async () => {
    cli = buildCli();
    const dir = join(cli.dir, 'streams');
    mkdirSync(dir);
    copyFileSync(capturePath, join(dir, 'cam.mkv'));
    serve = spawn('node', [join(cli.dir, 'main.js'), 'serve', dir]);
    url = await new Promise<string>((started, failed) => {
      serve.stdout.once('data', (data: Buffer) => started(data.toString().trim()));
      serve.once('exit', (code) => failed(new Error(`kvs-clip serve exited ${code}`)));
    });
    stored = await fragmentsOf(new Uint8Array(readFileSync(capturePath)));
  }, 60_000); // the CLI build: slow on a loaded machine

  afterAll(() => {
    if (serve.exitCode === null) serve.kill('SIGKILL');
    cli.remove();
  });

  it('prints its endpoint, answers the AWS CLI as the service would, and stops on SIGINT', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const endpoint = ['--endpoint-url', url, '--output', 'json'];
    const seconds = (ms: number) => Math.floor(ms / 1000);
    const [start, end] = [seconds(stored[0].producerTimestamp!), seconds(stored[stored.length - 1].producerTimestamp!)];
    const asked = [stored[2].fragmentNumber!, stored[0].fragmentNumber!];
    const [listed, media, clipped, missing, ours] = await Promise.all([
      run(AWS_CLI, ['kinesis-video-archived-media', 'list-fragments', '--stream-name', 'cam', '--page-size', '1', ...endpoint]),
      // The outfile first: --fragments takes every word after it.
      run(AWS_CLI, [
        'kinesis-video-archived-media',
        'get-media-for-fragment-list',
        join(cli.dir, 'list.mkv'),
        '--stream-name',
        'cam',
        ...endpoint,
        '--fragments',
        ...asked,
      ]),
      run(AWS_CLI, [
        'kinesis-video-archived-media',
        'get-clip',
        '--stream-name',
        'cam',
        '--clip-fragment-selector',
        `FragmentSelectorType=PRODUCER_TIMESTAMP,TimestampRange={StartTimestamp=${start},EndTimestamp=${end}}`,
        ...endpoint,
        join(cli.dir, 'clip.mp4'),
      ]),
      run(AWS_CLI, [
        'kinesis-video-media',
        'get-media',
        '--stream-name',
        'nope',
        '--start-selector',
        'StartSelectorType=EARLIEST',
        ...endpoint,
        join(cli.dir, 'none.mkv'),
      ]),
      run('node', [
        join(cli.dir, 'main.js'),
        'clip',
        capturePath,
        '--start',
        String(start),
        '--end',
        String(end),
        '-o',
        join(cli.dir, 'ours.mp4'),
      ]),
    ]);

    // --page-size 1: the CLI followed NextToken through one page per fragment and merged them.
    expect(listed.code, listed.stderr).toBe(0);
    const fragments = (JSON.parse(listed.stdout) as { Fragments: { FragmentNumber: string }[] }).Fragments;
    expect(fragments.map((f) => f.FragmentNumber)).toEqual(stored.map((f) => f.fragmentNumber));

    expect(media.code, media.stderr).toBe(0);
    const served = await fragmentsOf(new Uint8Array(readFileSync(join(cli.dir, 'list.mkv'))));
    expect(served.map((f) => f.fragmentNumber)).toEqual(asked);
    const frames = (f: MkvFragment) => f.frames.map((frame) => Buffer.from(frame.data).toString('base64'));
    expect(served.map(frames)).toEqual([stored[2], stored[0]].map(frames));

    expect(clipped.code, clipped.stderr).toBe(0);
    expect(JSON.parse(clipped.stdout)).toMatchObject({ ContentType: 'video/mp4' });
    expect(ours.code, ours.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(join(cli.dir, 'clip.mp4')), readFileSync(join(cli.dir, 'ours.mp4')))).toBe(0);

    expect(missing.code).toBe(254);
    expect(missing.stderr).toMatch(/\(ResourceNotFoundException\) when calling the GetMedia operation/);

    const exited = new Promise<number | null>((done) => serve.once('exit', done));
    serve.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000); // four AWS CLI processes and ours at once: slow on a loaded machine
});
