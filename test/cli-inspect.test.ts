/**
 * `kvs-clip inspect`: the built CLI run as a process, plus the command called in-process for the
 * error paths and for streams made with the test KVS writer. Codec strings, sizes and rates are
 * checked against ffprobe's figures for the same files (command next to each literal).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectCommand, type InspectReport } from '../src/cli/inspect.js';
import { root } from './support/bundle.js';
import { buildCli, KVS_H264_AAC, runInProcess as runCommand, type BuiltCli } from './support/cli.js';
import { writeKvsStream, type DocumentSpec, type TrackSpec } from './support/kvs-writer.js';

let cli: BuiltCli;
beforeAll(() => {
  cli = buildCli();
});
afterAll(() => cli.remove());

function run(args: string[], input?: Uint8Array): { status: number | null; stdout: string; stderr: string } {
  const { status, text, stderr } = cli.run(args, input);
  return { status, stdout: text, stderr };
}

/** In-process run with in-memory streams. */
async function runInProcess(args: string[], stdin?: Uint8Array): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runCommand([inspectCommand], ['inspect', ...args], { stdin });
  return { code, stdout: stdout.toString('utf8'), stderr };
}

const samples = join(root, '../shared/kvs-samples/mkv');
const hasSamples = existsSync(samples);
if (!hasSamples) console.warn('[cli-inspect] ../shared/kvs-samples is absent: the test on a real unsupported-codec capture is skipped');

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

  // What the codec layer makes of each fixture's tracks, against ffprobe on the same file:
  //   ffprobe -v error -show_entries stream=codec_name,profile,level,width,height,sample_rate,channels -of compact FILE
  //   ffprobe -v error -select_streams v -show_streams -show_data FILE   (extradata = avcC / hvcC bytes)
  // avc1.PPCCLL is avcC bytes 1..3 (profile, constraint flags, level). hvc1.<profile>.<compatibility
  // flags, bit-reversed, hex>.L<level>.<constraint bytes, trailing zeros dropped> is hvcC byte 1, bytes
  // 2..5, byte 12, bytes 6..11. mp4a.40.2 is ffprobe's profile=LC (audio object type 2).
  const codecCases: { file: string; tracks: object[] }[] = [
    {
      // h264 Main level=13 320x240, extradata 014d 400d ffe1…; aac LC 48000 Hz 2 ch
      file: 'fixtures/kvs-h264-aac.mkv',
      tracks: [
        { codec: 'avc1.4d400d', width: 320, height: 240 },
        { codec: 'mp4a.40.2', sampleRate: 48000, channels: 2 },
      ],
    },
    {
      // h264 High level=13 320x240, extradata 0164 000d ffe1…; aac LC 44100 Hz 2 ch
      file: 'fixtures/kvs-h264-bframes-aac.mkv',
      tracks: [
        { codec: 'avc1.64000d', width: 320, height: 240 },
        { codec: 'mp4a.40.2', sampleRate: 44100, channels: 2 },
      ],
    },
    {
      // hevc Main level=60 320x240, extradata 0101 6000 0000 9000 0000 0000 3c…; aac LC 48000 Hz 1 ch
      file: 'fixtures/kvs-hevc-bframes-aac.mkv',
      tracks: [
        { codec: 'hvc1.1.6.L60.90', width: 320, height: 240 },
        { codec: 'mp4a.40.2', sampleRate: 48000, channels: 1 },
      ],
    },
    {
      // h264 High level=13 320x240, extradata 0164 000d ffe1…; pcm_alaw 8000 Hz 1 ch
      file: 'fixtures/kvs-h264-alaw.mkv',
      tracks: [
        { codec: 'avc1.64000d', width: 320, height: 240 },
        { codec: 'alaw', sampleRate: 8000, channels: 1 },
      ],
    },
    {
      // h264 High level=13 320x240, extradata 0164 000d ffe1…; pcm_mulaw 8000 Hz 1 ch
      file: 'fixtures/kvs-h264-ulaw.mkv',
      tracks: [
        { codec: 'avc1.64000d', width: 320, height: 240 },
        { codec: 'ulaw', sampleRate: 8000, channels: 1 },
      ],
    },
  ];

  it.each(codecCases)('shows codec strings, sizes and rates for $file', ({ file, tracks }) => {
    const { status, stdout } = run(['inspect', file, '--json']);
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as InspectReport;
    expect(report.tracks).toMatchObject(tracks);
    expect(report.tracks.map((t) => t.error ?? t.unchecked)).toEqual([undefined, undefined]);
    expect(report.streamError).toBeUndefined();
  });

  it('--strict names the pairing GetClip does not serve on track 2 and keeps track 1 checked, exit 0', () => {
    const { status, stdout } = run(['inspect', 'fixtures/kvs-h264-ulaw.mkv', '--json', '--strict']);
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as InspectReport;
    expect(report.tracks[0]).toMatchObject({ codec: 'avc1.64000d', width: 320, height: 240 });
    expect(report.tracks[1].codec).toBeUndefined();
    expect(report.tracks[1].error).toMatchObject({
      name: 'UnsupportedStreamMediaTypeException',
      message: expect.stringMatching(/^GetClip does not serve H\.264 with G\.711 µ-law .*track 2\)$/),
    });
  });

  it.skipIf(!hasSamples)('lists a real capture GetClip rejects with the KVS error instead of a codec string, exit 0', () => {
    // ffprobe -v error -show_entries stream=codec_name,width,height -of compact test_mixed_tags.mkv → mjpeg 640x480
    const path = join(samples, 'test_mixed_tags.mkv');
    const json = run(['inspect', path, '--json']);
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout) as InspectReport;
    expect(report.tracks).toHaveLength(1);
    expect(report.tracks[0]).toMatchObject({
      number: 1,
      codecId: 'V_MS/VFW/FOURCC',
      video: { width: 640, height: 480 },
      error: { name: 'UnsupportedStreamMediaTypeException' },
    });
    expect(report.tracks[0].codec).toBeUndefined();
    expect(report.fragments).toHaveLength(10);
    const table = run(['inspect', path]);
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^track 1: video V_MS\/VFW\/FOURCC 640x480, CodecPrivate 40 B → UnsupportedStreamMediaTypeException: Track 1 has codec "V_MS\/VFW\/FOURCC"; /,
    );
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
    // Matroska's view (mkvinfo), then the codec layer's (ffprobe figures as in the JSON test above).
    expect(lines[0]).toBe('track 1: video V_MPEG4/ISO/AVC 320x240, CodecPrivate 37 B → avc1.4d400d 320x240');
    expect(lines[1]).toBe('track 2: audio A_AAC 48000 Hz 2 ch, CodecPrivate 5 B → mp4a.40.2 48000 Hz 2 ch');
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
    for (const args of [['inspect'], ['inspect', 'a.mkv', 'b.mkv'], ['inspect', 'a.mkv', '--nope'], ['nope']]) {
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
    const path = join(cli.dir, 'error.mkv');
    writeFileSync(path, bytes);
    const { code, stdout, stderr } = await runInProcess([path]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^0 +11 /m);
    expect(stdout).toMatch(/^1 +12 /m);
    expect(stderr.split('\n')[0]).toMatch(
      /^ResourceNotFoundException: GetMedia reported error 4000: Requested fragment is not found \(fragment #2, byte \d+\)$/,
    );
  });

  it('counts laced frames one by one, null where the stream has no timestamp, warns on truncation', async () => {
    const bytes = writeKvsStream({ documents: [doc('21')] }).bytes;
    const { code, stdout, stderr } = await runInProcess(['-', '--json'], bytes.subarray(0, bytes.length - 1));
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as InspectReport;
    expect(report.fragments).toEqual([
      {
        index: 0,
        fragmentNumber: '21',
        producerTimestamp: 1000,
        serverTimestamp: null,
        clusterTimecode: 0,
        frames: { 1: 2 },
        bytes: bytes.length - 1,
        partial: true,
      },
    ]);
    expect(report.warnings).toMatchObject([{ code: 'truncated' }]);
    expect(stderr).toMatch(/^warning: truncated: /);
  });

  // The avcC of fixtures/kvs-h264-aac.mkv, as ffprobe prints it (320x240 in its SPS):
  // ffprobe -v error -select_streams v -show_streams -show_data fixtures/kvs-h264-aac.mkv → extradata
  const avcC = Buffer.from('014d400dffe10016674d400dda0507ec0440000003004000000c83c50aa801000468ef0fc8', 'hex');
  // AudioSpecificConfig of AAC-LC 48 kHz stereo (docs/codecs.md#aac).
  const aacConfig = Uint8Array.of(0x11, 0x90);
  const streamOf = (tracks: TrackSpec[]): Uint8Array =>
    writeKvsStream({
      documents: [
        {
          tracks,
          fragmentNumber: '31',
          producerTimestamp: 5000,
          clusters: [
            {
              timecode: 0,
              blocks: tracks.map((t) => ({
                kind: 'simple',
                track: t.number,
                timeOffset: 0,
                keyframe: true,
                lacing: 'none',
                frames: [Uint8Array.of(0, 0, 0, 1, 0x65)],
              })),
            },
          ],
        },
      ],
    }).bytes;

  it('takes the size from the SPS, not from Matroska, and names the rejected track 2, exit 0', async () => {
    const bytes = streamOf([
      { number: 1, typeCode: 1, codecId: 'V_MPEG4/ISO/AVC', codecPrivate: avcC, video: { width: 1920, height: 1080 } },
      { number: 2, typeCode: 2, codecId: 'A_OPUS', audio: { samplingFrequency: 48000, channels: 2 } },
    ]);
    const json = await runInProcess(['-', '--json'], bytes);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as InspectReport;
    expect(report.tracks[0]).toMatchObject({ video: { width: 1920, height: 1080 }, codec: 'avc1.4d400d', width: 320, height: 240 });
    expect(report.tracks[1]).toMatchObject({
      codecId: 'A_OPUS',
      error: {
        name: 'UnsupportedStreamMediaTypeException',
        message: `Track 2 has codec "A_OPUS"; it must be AAC (A_AAC), G.711 (A_MS/ACM), 16-bit PCM (A_PCM/INT/LIT) or FLAC (A_FLAC) (Opus, MediaRecorder's audio, is not remuxed by kvs-clip) (fragment 31, track 2)`,
      },
    });
    const table = await runInProcess(['-'], bytes);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').slice(0, 2)).toEqual([
      'track 1: video V_MPEG4/ISO/AVC 1920x1080, CodecPrivate 37 B → avc1.4d400d 320x240',
      `track 2: audio A_OPUS 48000 Hz 2 ch, no CodecPrivate → UnsupportedStreamMediaTypeException: Track 2 has codec "A_OPUS"; it must be AAC (A_AAC), G.711 (A_MS/ACM), 16-bit PCM (A_PCM/INT/LIT) or FLAC (A_FLAC) (Opus, MediaRecorder's audio, is not remuxed by kvs-clip) (fragment 31, track 2)`,
    ]);
  });

  it('leaves track 2 unchecked when track 1 fails first', async () => {
    const bytes = streamOf([
      { number: 1, typeCode: 1, codecId: 'V_MPEG4/ISO/AVC' },
      { number: 2, typeCode: 2, codecId: 'A_AAC', codecPrivate: aacConfig },
    ]);
    const { code, stdout } = await runInProcess(['-', '--json'], bytes);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as InspectReport;
    expect(report.tracks[0].error?.name).toBe('MissingCodecPrivateDataException');
    expect(report.tracks[1]).toMatchObject({ unchecked: 'not reached: track 1 failed first' });
    expect(report.tracks[1].codec).toBeUndefined();
  });

  it('reports a stream without track 1 on a stream line; tracks past 2 are left out as GetClip does', async () => {
    const bytes = streamOf([
      { number: 2, typeCode: 2, codecId: 'A_AAC', codecPrivate: aacConfig },
      { number: 3, typeCode: 0x11, codecId: 'S_TEXT/UTF8' },
    ]);
    const json = await runInProcess(['-', '--json'], bytes);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as InspectReport;
    expect(report.streamError).toEqual({
      name: 'UnsupportedStreamMediaTypeException',
      message: 'Stream has no track 1 (track 2 A_AAC, track 3 S_TEXT/UTF8); track 1 must be H.264 or H.265 video (fragment 31)',
    });
    expect(report.tracks.map((t) => t.unchecked)).toEqual(['not reached: the stream failed first', 'GetClip plays tracks 1 and 2 only']);
    const table = await runInProcess(['-'], bytes);
    expect(table.stdout.split('\n')[2]).toBe(`stream: ${report.streamError!.name}: ${report.streamError!.message}`);
  });
});
