/**
 * `kvs-clip clip`: the built CLI run as a process on fixtures/kvs-h264-aac.mkv and on streams made
 * with the test KVS writer. Oracles: ffprobe / ffmpeg (codecs, every packet's bytes by CRC-32, a full
 * decode) and mp4box.js (box layout, sample counts). Fragments are identified by the KVS tags as
 * mkvinfo reads them (KVS_H264_AAC, from test/support/kvs-oracle.sh), never by our own reader's
 * report; ffprobe on the input gives each packet's bytes (CRC) and place (pos) in arrival order.
 * The progress line (terminal only) is checked in process, with stderr posing as a TTY.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleBlocks } from './support/kvs-documents.js';
import { clipCommand } from '../src/cli/clip.js';
import { readFragments, type MkvFragment } from '../src/mkv/index.js';
import { buildCli, KVS_H264_AAC, runInProcess, type BuiltCli, type ProcessRun } from './support/cli.js';
import { writeKvsStream, type DocumentSpec, type WrittenStream } from './support/kvs-writer.js';
import { parseMp4 } from './support/oracle-mp4box.js';
import { decodeErrors, hasFfmpeg, packets, type Packet } from './support/oracle-ffmpeg.js';
import { ffmpegPcm, firstDifference, probeStreams } from './support/oracle-audio.js';

const FIXTURE = 'fixtures/kvs-h264-aac.mkv';
if (!hasFfmpeg) console.warn('[cli-clip] ffmpeg/ffprobe are not installed: the ffprobe/ffmpeg oracle tests and CRC checks are skipped');
const withFfmpeg = it.skipIf(!hasFfmpeg);
/** Whether mknod may make a device node here: it needs root with CAP_MKNOD, which containers may drop. */
function mknodPermitted(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'kvs-clip-mknod-'));
  try {
    return spawnSync('mknod', [join(dir, 'probe'), 'c', '1', '7']).status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const canMakeDevices = mknodPermitted();
if (!canMakeDevices) console.warn('[cli-clip] mknod is not permitted here (root with CAP_MKNOD needed): the device-output test is skipped');

let cli: BuiltCli;
/** ffprobe's packets of the fixture, in arrival order (ffprobe reads the KVS stream as one file). */
let input: Packet[] = [];

beforeAll(() => {
  cli = buildCli();
  if (hasFfmpeg) input = packets(FIXTURE);
});
afterAll(() => cli.remove());

const out = (name: string) => join(cli.dir, name);
const firstLine = (run: ProcessRun) => run.stderr.split('\n')[0];
const crcs = (list: Packet[], type: 'video' | 'audio') => list.filter((p) => p.codecType === type).map((p) => p.crc);

/** Frames per track of the given fragments of the fixture (mkvinfo's counts). */
function framesOf(fragments: number[]): { video: number; audio: number } {
  return {
    video: fragments.reduce((n, i) => n + KVS_H264_AAC[i].frames[1], 0),
    audio: fragments.reduce((n, i) => n + KVS_H264_AAC[i].frames[2], 0),
  };
}

/**
 * The input packets (CRCs) of the given fragments: ffprobe lists each track's packets in arrival
 * order, and mkvinfo says how many of them each fragment holds.
 */
function inputCrcsOf(fragments: number[], type: 'video' | 'audio'): string[] {
  const all = crcs(input, type);
  const track = type === 'video' ? 1 : 2;
  const result: string[] = [];
  let at = 0;
  for (const [i, f] of KVS_H264_AAC.entries()) {
    if (fragments.includes(i)) result.push(...all.slice(at, at + f.frames[track]));
    at += f.frames[track];
  }
  return result;
}

/** What mp4box.js (an independent MP4 parser) sees: codec strings and sample counts. */
function mp4Summary(path: string) {
  const mp4 = parseMp4(new Uint8Array(readFileSync(path)));
  const track = (type: string) => mp4.tracks.find((t) => t.type === type);
  return {
    boxes: mp4.boxes,
    codecs: mp4.tracks.map((t) => t.codec),
    video: track('video')?.samples.length,
    audio: track('audio')?.samples.length,
  };
}

function expectOracleSees(path: string, fragments: number[]): void {
  // ffprobe -v error -show_entries stream=codec_name -of csv=p=0 OUT → h264, aac
  const streams = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  expect(streams.stdout.trim().split('\n')).toEqual(['h264', 'aac']);
  const output = packets(path);
  expect(crcs(output, 'video')).toEqual(inputCrcsOf(fragments, 'video'));
  expect(crcs(output, 'audio')).toEqual(inputCrcsOf(fragments, 'audio'));
  // ffmpeg -v error -i OUT -f null -  prints nothing when every frame decodes.
  expect(decodeErrors(path)).toBe('');
}

const ALL = [0, 1, 2, 3];

describe('kvs-clip clip (built CLI as a process): output', () => {
  it('writes a flat MP4 (moov first) with every frame, and says so on stderr only', () => {
    const path = out('flat.mp4');
    const run = cli.run(['clip', FIXTURE, '-o', path]);
    expect(run.status).toBe(0);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe(`wrote ${path} (MP4, ${statSync(path).size} bytes)\n`);
    const mp4 = mp4Summary(path);
    expect(mp4.boxes).toEqual(['ftyp', 'moov', 'mdat']);
    // ffprobe -v error -show_entries stream=profile,level -of compact fixtures/kvs-h264-aac.mkv → Main level=13; aac LC
    expect(mp4.codecs).toEqual(['avc1.4d400d', 'mp4a.40.2']);
    expect({ video: mp4.video, audio: mp4.audio }).toEqual(framesOf(ALL));
  });

  withFfmpeg('flat: ffprobe sees h264 + aac with the input’s packets, byte for byte; ffmpeg decodes it silently', () => {
    // ffprobe -v error -count_packets -show_entries stream=codec_name,nb_read_packets -of compact fixtures/kvs-h264-aac.mkv → h264 100, aac 189
    expect([crcs(input, 'video').length, crcs(input, 'audio').length]).toEqual([100, 189]);
    const path = out('flat-oracle.mp4');
    expect(cli.run(['clip', FIXTURE, '-o', path]).status).toBe(0);
    expectOracleSees(path, ALL);
  });

  it('--fragmented writes the init segment and one media segment per fragment into one file', () => {
    const path = out('fragmented.mp4');
    const run = cli.run(['clip', FIXTURE, '-o', path, '--fragmented']);
    expect(run.status).toBe(0);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe(`wrote ${path} (fragmented MP4, init + 4 media segments, ${statSync(path).size} bytes)\n`);
    const mp4 = mp4Summary(path);
    // Each media segment: prft (the fragment's producer timestamp, docs/packages.md), moof, mdat.
    expect(mp4.boxes).toEqual(['ftyp', 'moov', ...KVS_H264_AAC.flatMap(() => ['prft', 'moof', 'mdat'])]);
    expect({ video: mp4.video, audio: mp4.audio }).toEqual(framesOf(ALL));
  });

  withFfmpeg('--fragmented: ffprobe counts the same packets, byte for byte; ffmpeg plays it through silently', () => {
    const path = out('fragmented-oracle.mp4');
    expect(cli.run(['clip', FIXTURE, '-o', path, '--fragmented']).status).toBe(0);
    expectOracleSees(path, ALL);
  });

  it('reads stdin and writes stdout for "-" (cat in | kvs-clip clip - -o -), the same bytes as with files', () => {
    const flat = out('pipe-flat.mp4');
    const fragmented = out('pipe-fragmented.mp4');
    expect(cli.run(['clip', FIXTURE, '-o', flat]).status).toBe(0);
    expect(cli.run(['clip', FIXTURE, '-o', fragmented, '--fragmented']).status).toBe(0);
    for (const [extra, file] of [
      ['', flat],
      [' --fragmented', fragmented],
    ] as const) {
      const run = cli.shell(`cat ${FIXTURE} | $CLI clip - -o -${extra}`);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout.equals(readFileSync(file))).toBe(true);
    }
  });

  it('reads a path that is a pipe (/dev/stdin) as a stream, the same bytes as from the file', () => {
    // A regular file is read at offsets (two passes, reused buffers); a pipe cannot be, and once failed with ESPIPE.
    for (const extra of ['', ' --fragmented']) {
      const fromFile = out(`file${extra.trim()}.mp4`);
      const fromPipe = out(`dev-stdin${extra.trim()}.mp4`);
      expect(cli.run(['clip', FIXTURE, '-o', fromFile, ...(extra ? ['--fragmented'] : [])]).status).toBe(0);
      const run = cli.shell(`cat ${FIXTURE} | $CLI clip /dev/stdin -o ${fromPipe}${extra}`);
      expect(run.stderr).toMatch(/^wrote /);
      expect(run.status).toBe(0);
      expect(readFileSync(fromPipe).equals(readFileSync(fromFile))).toBe(true);
    }
  });
});

// The selection cases. Bounds are the fragments' KVS tag values (KVS_H264_AAC: producer
// 1700000000.021 + n s, server .201/.238/.275/.222), written as ISO 8601 or epoch seconds. GetClip's
// rule: a fragment is in when its start is ≥ Start and ≤ End, so the expected fragments follow from
// the tags alone.
const selections: { name: string; args: string[]; fragments: number[] }[] = [
  {
    name: 'ISO 8601, both bounds on fragment starts (End inclusive)',
    args: ['--start', '2023-11-14T22:13:21.021Z', '--end', '2023-11-14T22:13:22.021Z'],
    fragments: [1, 2],
  },
  {
    name: 'epoch seconds, Start 1 ms after a fragment start (that fragment is out)',
    args: ['--start', '1700000001.022', '--end', '1700000003.021'],
    fragments: [2, 3],
  },
  { name: 'epoch seconds, whole seconds', args: ['--start', '1700000000', '--end', '1700000001.5'], fragments: [0, 1] },
  {
    name: 'server timestamps',
    args: ['--timestamps', 'server', '--start', '1700000001.238', '--end', '2023-11-14T22:13:22.275Z'],
    fragments: [1, 2],
  },
  { name: '--max-fragments 2 caps at the first two', args: ['--max-fragments', '2'], fragments: [0, 1] },
  {
    name: '--max-fragments after a selection',
    args: ['--start', '1700000001', '--end', '1700000004', '--max-fragments', '1'],
    fragments: [1],
  },
];

describe('kvs-clip clip (built CLI as a process): selection and caps', () => {
  it.each(selections)('$name → fragments $fragments', ({ args, fragments }) => {
    for (const mode of [[], ['--fragmented']]) {
      const path = out(`select-${fragments.join('')}-${mode.length}.mp4`);
      const run = cli.run(['clip', FIXTURE, '-o', path, ...args, ...mode]);
      expect(run.status).toBe(0);
      const mp4 = mp4Summary(path);
      expect({ video: mp4.video, audio: mp4.audio }).toEqual(framesOf(fragments));
      if (mode.length > 0) expect(mp4.boxes.filter((b) => b === 'moof')).toHaveLength(fragments.length);
      if (args.includes('--max-fragments')) expect(run.stderr).toMatch(/^warning: capped: clip cut after \d+ fragments/m);
      if (hasFfmpeg) {
        expect(crcs(packets(path), 'video')).toEqual(inputCrcsOf(fragments, 'video'));
        expect(crcs(packets(path), 'audio')).toEqual(inputCrcsOf(fragments, 'audio'));
      }
    }
  });

  withFfmpeg('--max-bytes counts the frame bytes ffprobe reports, and cuts where GetClip would', () => {
    // Each fragment's payload: the sizes of ffprobe's packets of that fragment.
    const sizes = KVS_H264_AAC.map((_, i) => {
      const video = input.filter((p) => p.codecType === 'video');
      const audio = input.filter((p) => p.codecType === 'audio');
      const before = framesOf(ALL.slice(0, i));
      const sum = (list: Packet[]) => list.reduce((n, p) => n + p.size, 0);
      return (
        sum(video.slice(before.video, before.video + KVS_H264_AAC[i].frames[1])) +
        sum(audio.slice(before.audio, before.audio + KVS_H264_AAC[i].frames[2]))
      );
    });
    for (const [limit, fragments] of [
      [sizes[0] + sizes[1], [0, 1]],
      [sizes[0] + sizes[1] - 1, [0]],
    ] as const) {
      const path = out(`max-bytes-${limit}.mp4`);
      const run = cli.run(['clip', FIXTURE, '-o', path, '--max-bytes', String(limit)]);
      expect(run.status).toBe(0);
      expect(run.stderr).toMatch(/^warning: capped: /);
      expect(crcs(packets(path), 'video')).toEqual(inputCrcsOf([...fragments], 'video'));
    }
  });
});

/** The fixture's fragments, read once, to write variants of the stream with the test KVS writer. */
let fixtureFragments: MkvFragment[] | undefined;
async function fragmentsOfFixture(): Promise<MkvFragment[]> {
  if (!fixtureFragments) {
    fixtureFragments = [];
    for await (const f of readFragments(new Uint8Array(readFileSync(FIXTURE)))) fixtureFragments.push(f);
  }
  return fixtureFragments;
}

/** A KVS document holding `fragment`'s tracks and frames, moved `shiftMs` later. */
function documentOf(fragment: MkvFragment, fragmentNumber: string, shiftMs: number): DocumentSpec {
  const timecode = fragment.clusterTimecode! + shiftMs;
  return {
    tracks: fragment.tracks.map(({ number, typeCode, codecId, codecPrivate, video, audio }) => ({
      number,
      typeCode,
      codecId,
      codecPrivate,
      video,
      audio,
    })),
    fragmentNumber,
    producerTimestamp: fragment.producerTimestamp! + shiftMs,
    serverTimestamp: fragment.serverTimestamp! + shiftMs,
    clusters: [
      {
        timecode,
        blocks: simpleBlocks(fragment.frames, timecode - shiftMs),
      },
    ],
  };
}

describe('kvs-clip clip (built CLI as a process): errors', () => {
  const unsupported = (): Uint8Array =>
    writeKvsStream({
      documents: [
        {
          tracks: [{ number: 1, typeCode: 1, codecId: 'V_VP8', video: { width: 320, height: 240 } }],
          fragmentNumber: '7',
          producerTimestamp: 1_700_000_000_000,
          clusters: [
            {
              timecode: 0,
              blocks: [{ kind: 'simple', track: 1, timeOffset: 0, keyframe: true, lacing: 'none', frames: [Uint8Array.of(1, 2, 3)] }],
            },
          ],
        },
      ],
    }).bytes;

  it('an unsupported codec: "<ErrorName>: <message>" first, exit 1, no output file (flat and fragmented)', () => {
    const source = out('vp8.mkv');
    writeFileSync(source, unsupported());
    for (const mode of [[], ['--fragmented']]) {
      const path = out(`vp8-${mode.length}.mp4`);
      const run = cli.run(['clip', source, '-o', path, ...mode]);
      expect(run.status).toBe(1);
      expect(firstLine(run)).toBe(
        'UnsupportedStreamMediaTypeException: Track 1 has codec "V_VP8"; it must be H.264 (V_MPEG4/ISO/AVC) or H.265 (V_MPEGH/ISO/HEVC) (fragment 7, track 1)',
      );
      expect(run.stdout.length).toBe(0);
      expect(existsSync(path)).toBe(false);
    }
  });

  /**
   * The fixture rewritten by the test writer with the 11th video frame of the third fragment given a
   * NAL length that runs past its end. Also: the clean rewrite, the bad frame's index among all frames
   * in arrival order, and how many frames of each track come before it.
   */
  async function damaged(): Promise<{ bytes: Uint8Array; clean: WrittenStream; bad: number; before: { video: number; audio: number } }> {
    const fragments = await fragmentsOfFixture();
    const clean = writeKvsStream({ documents: fragments.map((f) => documentOf(f, f.fragmentNumber!, 0)) });
    const frames = fragments.flatMap((f) => f.frames);
    const third = fragments[0].frames.length + fragments[1].frames.length;
    let videoFrames = 0;
    const bad = frames.findIndex((f, i) => i >= third && f.track === 1 && ++videoFrames === 11);
    const bytes = clean.bytes.slice();
    bytes.set([0xff, 0xff, 0xff, 0xff], clean.frameOffsets[bad]);
    const earlier = frames.slice(0, bad);
    return {
      bytes,
      clean,
      bad,
      before: { video: earlier.filter((f) => f.track === 1).length, audio: earlier.filter((f) => f.track === 2).length },
    };
  }

  it('a damaged frame, flat: InvalidMediaFrameException, exit 1, no output file', async () => {
    const source = out('damaged-flat.mkv');
    writeFileSync(source, (await damaged()).bytes);
    const path = out('damaged-flat.mp4');
    const run = cli.run(['clip', source, '-o', path]);
    expect(run.status).toBe(1);
    expect(firstLine(run)).toMatch(
      /^InvalidMediaFrameException: .*NAL unit length 4294967295 .*\(fragment 91343852333181432402585582922026963305589928644, track 1\)$/,
    );
    expect(existsSync(path)).toBe(false);
  });

  it('a damaged frame, --fragmented: keeps init + every segment before the bad frame, and says how far it got', async () => {
    const { bytes, before } = await damaged();
    expect(before.video).toBe(25 + 25 + 10);
    const source = out('damaged-fragmented.mkv');
    writeFileSync(source, bytes);
    const path = out('damaged-fragmented.mp4');
    const run = cli.run(['clip', source, '-o', path, '--fragmented']);
    expect(run.status).toBe(1);
    // Fragments 0 and 1 whole, then the frames of fragment 2 before the bad one.
    expect(firstLine(run)).toMatch(
      /^InvalidMediaFrameException: .*\(fragment 9134\d+, track 1\) \(.*damaged-fragmented\.mp4 keeps the init segment and 3 media segments written before the error, fragments starting 2023-\S+ to 2023-\S+\)$/,
    );
    const mp4 = mp4Summary(path);
    expect(mp4.boxes).toEqual(['ftyp', 'moov', 'prft', 'moof', 'mdat', 'prft', 'moof', 'mdat', 'prft', 'moof', 'mdat']);
    expect({ video: mp4.video, audio: mp4.audio }).toEqual(before);
  });

  withFfmpeg(
    'a damaged frame, --fragmented: ffprobe reads the kept part, the packets before the bad frame, and it decodes silently',
    async () => {
      const { bytes, clean, bad } = await damaged();
      const cleanPath = out('clean-rewritten.mkv');
      writeFileSync(cleanPath, clean.bytes);
      const source = out('damaged-oracle.mkv');
      writeFileSync(source, bytes);
      const path = out('damaged-oracle.mp4');
      expect(cli.run(['clip', source, '-o', path, '--fragmented']).status).toBe(1);
      // ffprobe's pos is inside a packet's block: the packets before the bad frame's block.
      const expected = packets(cleanPath).filter((p) => p.pos < clean.frameBlocks[bad].start);
      const output = packets(path);
      expect(crcs(output, 'video')).toEqual(crcs(expected, 'video'));
      expect(crcs(output, 'audio')).toEqual(crcs(expected, 'audio'));
      expect(decodeErrors(path)).toBe('');
    },
  );

  it('nothing in the range: ResourceNotFoundException; End before Start: InvalidArgumentException; exit 1, no file', () => {
    const cases = [
      {
        args: ['--start', '1700000005', '--end', '1700000006'],
        line: 'ResourceNotFoundException: No fragments found in the stream for the clip time range.',
      },
      {
        args: ['--start', '1700000002', '--end', '1700000001'],
        line: 'InvalidArgumentException: The EndTimestamp must be later than the StartTimestamp.',
      },
    ];
    for (const { args, line } of cases) {
      for (const mode of [[], ['--fragmented']]) {
        const path = out('nothing.mp4');
        const run = cli.run(['clip', FIXTURE, '-o', path, ...args, ...mode]);
        expect(run.status).toBe(1);
        expect(firstLine(run)).toBe(line);
        expect(existsSync(path)).toBe(false);
      }
    }
  });

  it('a missing input file: ResourceNotFoundException, exit 1', () => {
    const path = out('missing.mp4');
    const run = cli.run(['clip', 'no/such.mkv', '-o', path]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('ResourceNotFoundException: input file no/such.mkv does not exist\n');
    expect(existsSync(path)).toBe(false);
  });

  const UNWRITABLE = /^InvalidArgumentException: cannot write output file no\/such\/dir\/out\.mp4: ENOENT: [^\n]*\n$/;

  it('an output path that cannot be written: InvalidArgumentException, exit 1, no stack (stdin in, or --fragmented)', () => {
    for (const [args, input] of [
      [['-'], readFileSync(FIXTURE)],
      [[FIXTURE, '--fragmented'], undefined],
    ] as const) {
      const run = cli.run(['clip', ...args, '-o', 'no/such/dir/out.mp4'], input);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(UNWRITABLE);
    }
  });

  it('an output path that cannot be written, file to file (the two-pass path): InvalidArgumentException, exit 1, no stack', () => {
    const run = cli.run(['clip', FIXTURE, '-o', 'no/such/dir/out.mp4']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(UNWRITABLE);
  });

  it.skipIf(!canMakeDevices)(
    `a failed flat write removes a partial regular file only, never a device${canMakeDevices ? '' : ' (skipped: mknod not permitted)'}`,
    () => {
      // A /dev/full of our own: every write fails with ENOSPC.
      const device = out('full');
      expect(spawnSync('mknod', [device, 'c', '1', '7']).status).toBe(0);
      const run = cli.run(['clip', '-', '-o', device], readFileSync(FIXTURE));
      expect(run.status).toBe(1);
      expect(firstLine(run)).toMatch(/ENOSPC/);
      expect(statSync(device).isCharacterDevice()).toBe(true);
    },
  );

  it('usage errors exit 2 with the usage, write nothing', () => {
    const path = out('usage.mp4');
    const cases = [
      ['clip', FIXTURE, '-o', path, '--start', '2023-11-14T22:13:21.021Z'],
      ['clip', FIXTURE, '-o', path, '--end', '1700000002'],
      ['clip', FIXTURE, '-o', path, '--timestamps', 'bogus'],
      ['clip', FIXTURE],
      ['clip', FIXTURE, '-o', path, '--nope'],
      ['clip', '-o', path],
      ['clip', FIXTURE, '-o', path, '--start', 'yesterday', '--end', '1700000002'],
      ['clip', FIXTURE, '-o', path, '--max-fragments', '0'],
    ];
    const messages = cases.map((args) => {
      const run = cli.run(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stdout.length).toBe(0);
      const [first, second] = run.stderr.split('\n');
      expect(second).toMatch(/^usage: kvs-clip clip <input\|-> -o <out\.mp4\|->/);
      return first;
    });
    expect(messages).toEqual([
      'UsageError: --start and --end go together (GetClip needs both)',
      'UsageError: --start and --end go together (GetClip needs both)',
      'UsageError: --timestamps must be producer or server, got bogus',
      'UsageError: -o <out.mp4|-> is required',
      expect.stringMatching(/^UsageError: Unknown option '--nope'/),
      'UsageError: missing <input|->',
      'UsageError: --start must be ISO 8601 with a zone (2025-11-21T08:00:00.021Z) or epoch seconds, got yesterday',
      'UsageError: --max-fragments must be a positive whole number, got 0',
    ]);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to write over its own input (exit 2), which stays intact', () => {
    const path = out('self.mkv');
    writeFileSync(path, readFileSync(FIXTURE));
    for (const mode of [[], ['--fragmented']]) {
      const run = cli.run(['clip', path, '-o', path, ...mode]);
      expect(run.status).toBe(2);
      expect(firstLine(run)).toBe(`UsageError: -o ${path} is the input file: opening it for writing would destroy it`);
      expect(readFileSync(path).equals(readFileSync(FIXTURE))).toBe(true);
    }
  });
});

describe('kvs-clip clip (in process): the progress line', () => {
  const REPEATS = 50; // ≈ 10 MB: past the 8 MB after which the line first shows

  let long: Uint8Array | undefined;
  /** The fixture 50 times over, 4 s later each time, then the last fragment again (a duplicate timestamp). */
  async function longStream(): Promise<Uint8Array> {
    if (long) return long;
    const fragments = await fragmentsOfFixture();
    const documents: DocumentSpec[] = [];
    for (let r = 0; r < REPEATS; r++) {
      for (const f of fragments) documents.push(documentOf(f, String(1000 + documents.length), r * 4000));
    }
    documents.push(documentOf(fragments.at(-1)!, String(1000 + documents.length), (REPEATS - 1) * 4000));
    long = writeKvsStream({ documents }).bytes;
    return long;
  }

  /** Every piece of text on stderr starts on a fresh or cleared line, never glued to the progress text. */
  function expectOwnLines(stderr: string): void {
    for (const match of stderr.matchAll(/warning: |wrote /g)) {
      const before = stderr.slice(0, match.index);
      expect(before === '' || before.endsWith('\n') || before.endsWith('\r\x1b[K'), JSON.stringify(before.slice(-40))).toBe(true);
    }
  }

  it('shows on a terminal, on stderr only, and is cleared before a warning and before the summary', async () => {
    const stream = await longStream();
    const toFile = out('long-stdin.mp4');
    const run = await runInProcess([clipCommand], ['clip', '-', '-o', toFile], { stdin: stream, tty: true });
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toMatch(/\rread \d+\.\d MB( of \d+\.\d MB \(\d+%\))?\x1b\[K/);
    expect(run.stderr).toMatch(/\r\x1b\[Kwarning: duplicate-timestamp: /);
    expectOwnLines(run.stderr);
    expect(run.stderr.endsWith(`\r\x1b[Kwrote ${toFile} (MP4, ${statSync(toFile).size} bytes)\n`)).toBe(true);

    // With -o -, stdout carries the MP4 and nothing else.
    const toStdout = await runInProcess([clipCommand], ['clip', '-', '-o', '-'], { stdin: stream, tty: true });
    expect(toStdout.code).toBe(0);
    expect(toStdout.stderr).toMatch(/\rread \d+\.\d MB( of \d+\.\d MB \(\d+%\))?\x1b\[K/);
    expect(toStdout.stdout.equals(readFileSync(toFile))).toBe(true);
  });

  it('shows reading progress for a file clipped to a file too (the two-pass path)', async () => {
    const source = out('long.mkv');
    writeFileSync(source, await longStream());
    const run = await runInProcess([clipCommand], ['clip', source, '-o', out('long.mp4')], { tty: true });
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe(0);
    expectOwnLines(run.stderr);
    expect(run.stderr).toMatch(/\rread \d+\.\d MB( of \d+\.\d MB \(\d+%\))?\x1b\[K/);
  });

  it('stays off when stderr is not a terminal', async () => {
    const stream = await longStream();
    for (const [input, stdin] of [
      [out('long.mkv'), undefined],
      ['-', stream],
    ] as const) {
      if (stdin === undefined) writeFileSync(input, stream);
      const run = await runInProcess([clipCommand], ['clip', input, '-o', out('long-pipe.mp4')], { stdin });
      expect(run.code).toBe(0);
      expect(run.stderr).not.toMatch(/[\r\x1b]/);
      expect(run.stderr).toMatch(/^warning: duplicate-timestamp: .*\nwrote /);
    }
  });
});

describe('kvs-clip clip --audio flac (built CLI as a process)', () => {
  const ALAW = 'fixtures/kvs-h264-alaw.mkv';

  // The three output paths: file to file (two passes), --fragmented from a file (reused read
  // buffers), and stdin to a file (streamed): each re-encodes the G.711 track before letting go of
  // the input bytes, so the FLAC must decode to exactly ffmpeg's decode of the A-law input.
  withFfmpeg('G.711 becomes FLAC that decodes to the A-law input on every output path; video packets unchanged', () => {
    const expected = ffmpegPcm(ALAW, { mapping: '0:a' });
    const inputVideo = crcs(packets(ALAW), 'video');
    for (const [name, args, stdin] of [
      ['flat.mp4', [ALAW], undefined],
      ['fragmented.mp4', [ALAW, '--fragmented'], undefined],
      ['stdin.mp4', ['-'], readFileSync(ALAW)],
    ] as const) {
      const path = out(`flac-${name}`);
      const run = cli.run(['clip', ...args, '-o', path, '--audio', 'flac'], stdin && new Uint8Array(stdin));
      expect(run.status, run.stderr).toBe(0);
      expect(probeStreams(path).map((s) => s.codecName)).toEqual(['h264', 'flac']);
      expect(firstDifference(ffmpegPcm(path, { mapping: '0:a' }), expected)).toBeNull();
      expect(crcs(packets(path), 'video')).toEqual(inputVideo);
      expect(decodeErrors(path)).toBe('');
    }
  });

  it('--audio with another value is a usage error (exit 2), and writes nothing', () => {
    const path = out('flac-usage.mp4');
    const run = cli.run(['clip', ALAW, '-o', path, '--audio', 'opus']);
    expect(run.status).toBe(2);
    expect(firstLine(run)).toBe('UsageError: --audio must be copy or flac, got opus');
    expect(existsSync(path)).toBe(false);
  });
});
