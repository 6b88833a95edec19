/**
 * `kvs-clip inspect`: the built CLI run as a process (built with tsup from src/cli/main.ts into a
 * temporary folder, so the shared dist/ is left alone), plus the command called in-process for the
 * error paths.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectCommand, type InspectReport } from '../src/cli/inspect.js';
import type { CliIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/run.js';
import { writeKvsStream, type DocumentSpec } from './support/kvs-writer.js';

const root = new URL('..', import.meta.url).pathname;
let work: string;
let cli: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kvs-clip-cli-'));
  execFileSync('npx', ['tsup', '--no-config', 'src/cli/main.ts', '--format', 'esm', '--platform', 'node', '--target', 'node20', '-d', work, '--silent'], {
    cwd: root,
    stdio: 'pipe',
  });
  cli = join(work, 'main.js');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('node', [cli, ...args], { cwd: root, input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** In-process run with in-memory streams. */
async function runInProcess(args: string[], stdin: Uint8Array = new Uint8Array()): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (d) => out.push(String(d)));
  stderr.on('data', (d) => err.push(String(d)));
  const io = { stdin: Readable.from([stdin]), stdout, stderr } as unknown as CliIo;
  const code = await runCli(['inspect', ...args], [inspectCommand], io, '0.0.0');
  return { code, stdout: out.join(''), stderr: err.join('') };
}

// bash test/support/kvs-oracle.sh kvs fixtures/kvs-h264-aac.mkv  (tag values, frames per track), and
// bytes from the EBML header offsets: LC_ALL=C grep -obUaP '\x1a\x45\xdf\xa3' fixtures/kvs-h264-aac.mkv
// → 0 49015 95705 148552, file size 202254 (stat -c %s).
const KVS_H264_AAC = [
  { fragmentNumber: '91343852333181432392682062607743920146159169392', producerTimestamp: 1700000000021, serverTimestamp: 1700000000201, frames: { 1: 25, 2: 48 }, bytes: 49015 },
  { fragmentNumber: '91343852333181432397633822764885441725874549018', producerTimestamp: 1700000001021, serverTimestamp: 1700000001238, frames: { 1: 25, 2: 47 }, bytes: 46690 },
  { fragmentNumber: '91343852333181432402585582922026963305589928644', producerTimestamp: 1700000002021, serverTimestamp: 1700000002275, frames: { 1: 25, 2: 47 }, bytes: 52847 },
  { fragmentNumber: '91343852333181432407537343079168484885305308270', producerTimestamp: 1700000003021, serverTimestamp: 1700000003222, frames: { 1: 25, 2: 47 }, bytes: 53702 },
];

describe('kvs-clip inspect (built CLI as a process)', () => {
  it('prints the JSON report of a KVS stream', () => {
    const { status, stdout, stderr } = run(['inspect', 'fixtures/kvs-h264-aac.mkv', '--json']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as InspectReport;
    expect(report.fragments).toMatchObject(KVS_H264_AAC);
    // mkvinfo fixtures/kvs-h264-aac.mkv | grep -E "Track number|Codec ID|private data|Pixel|Sampling|Channels"
    expect(report.tracks).toMatchObject([
      { number: 1, type: 'video', codecId: 'V_MPEG4/ISO/AVC', video: { width: 320, height: 240 } },
      { number: 2, type: 'audio', codecId: 'A_AAC', audio: { samplingFrequency: 48000, channels: 2 } },
    ]);
    expect(report.tracks.map((t) => t.codecPrivate!.length / 2)).toEqual([37, 5]);
  });

  it('reads stdin for "-" and gives the same report', () => {
    const fromFile = run(['inspect', 'fixtures/kvs-h264-aac.mkv', '--json']).stdout;
    const fromStdin = run(['inspect', '-', '--json'], readFileSync(join(root, 'fixtures/kvs-h264-aac.mkv')));
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile);
  });

  it('prints a readable table with one row per fragment', () => {
    const { status, stdout } = run(['inspect', 'fixtures/kvs-h264-aac.mkv']);
    expect(status).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('track 1: video V_MPEG4/ISO/AVC 320x240, CodecPrivate 37 B');
    expect(lines[1]).toBe('track 2: audio A_AAC 48000 Hz 2 ch, CodecPrivate 5 B');
    for (const [i, f] of KVS_H264_AAC.entries()) {
      expect(lines[3 + i]).toContain(f.fragmentNumber);
      expect(lines[3 + i]).toContain(new Date(f.producerTimestamp).toISOString());
      expect(lines[3 + i].trimEnd().endsWith(String(f.bytes))).toBe(true);
    }
    expect(lines.at(-1)).toBe('4 fragments, 289 frames, 202254 bytes');
  });

  it('exits 1 with "<ErrorName>: <message>" first on stderr for a missing file', () => {
    const { status, stderr, stdout } = run(['inspect', 'no/such.mkv']);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe('ResourceNotFoundException: input file no/such.mkv does not exist');
  });

  it('exits 1 with InvalidArgumentException for input that is not Matroska', () => {
    const { status, stderr } = run(['inspect', 'package.json']);
    expect(status).toBe(1);
    expect(stderr.split('\n')[0]).toMatch(/^InvalidArgumentException: Malformed Matroska: not a Matroska stream.*byte 0\)$/);
  });

  it('exits 2 on usage errors', () => {
    for (const args of [[], ['inspect'], ['inspect', 'a.mkv', 'b.mkv'], ['inspect', 'a.mkv', '--nope'], ['nope']]) {
      const { status, stderr } = run(args);
      expect(status).toBe(2);
      expect(stderr.split('\n')[0]).toMatch(/^UsageError: /);
    }
  });
});

describe('kvs-clip inspect (in process)', () => {
  const doc = (fragmentNumber: string): DocumentSpec => ({
    tracks: [{ number: 1, typeCode: 1, codecId: 'V_MPEG4/ISO/AVC' }],
    fragmentNumber,
    producerTimestamp: 1000,
    clusters: [
      {
        timecode: 0,
        blocks: [
          { kind: 'simple', track: 1, timeOffset: 0, keyframe: true, lacing: 'xiph', frames: [Uint8Array.of(1), Uint8Array.of(2)] },
          { kind: 'simple', track: 1, timeOffset: 40, keyframe: false, lacing: 'none', frames: [Uint8Array.of(3, 4)] },
        ],
      },
    ],
  });

  it('prints the fragments before an in-band error, then the error, exit 1', async () => {
    const bytes = writeKvsStream({
      documents: [doc('11'), doc('12')],
      error: { flavour: 'GetMedia', errorId: 4000, errorCode: 'Requested fragment is not found' },
    }).bytes;
    const path = join(work, 'error.mkv');
    writeFileSync(path, bytes);
    const { code, stdout, stderr } = await runInProcess([path]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^0 +11 /m);
    expect(stdout).toMatch(/^1 +12 /m);
    expect(stderr.split('\n')[0]).toMatch(/^ResourceNotFoundException: GetMedia reported error 4000: Requested fragment is not found \(fragment #2, byte \d+\)$/);
  });

  it('counts laced frames one by one, null where the stream has no timestamp, warns on truncation', async () => {
    const bytes = writeKvsStream({ documents: [doc('21')] }).bytes;
    const { code, stdout, stderr } = await runInProcess(['-', '--json'], bytes.subarray(0, bytes.length - 1));
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as InspectReport;
    expect(report.fragments).toEqual([
      { index: 0, fragmentNumber: '21', producerTimestamp: 1000, serverTimestamp: null, clusterTimecode: 0, frames: { 1: 2 }, bytes: bytes.length - 1, partial: true },
    ]);
    expect(report.warnings).toMatchObject([{ code: 'truncated' }]);
    expect(stderr).toMatch(/^warning: truncated: /);
  });
});
