// Benchmark inputs, made with ffmpeg (and the project's KVS writer) into bench/inputs/ when absent.
// The folder is git-ignored: inputs are regenerated, never committed. Sources are ffmpeg's synthetic
// testsrc2 / sine generators at a fixed bitrate, so sizes are predictable and nothing comes from elsewhere.
//
//   node bench/inputs.mjs          make whatever is missing, print the list
//   node bench/inputs.mjs --force  remake everything

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..');
export const inputsDir = join(here, 'inputs');
/**
 * The kvs-clip build under test. run.mjs points this at a snapshot of dist/ taken when it starts, so
 * a rebuild by someone else mid-run (tsup cleans dist/) neither breaks nor mixes the measurements.
 */
export const distDir = process.env.KVS_CLIP_BENCH_DIST ?? join(repoRoot, 'dist');

const lavfiVideo = (size, rate) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`];
const lavfiSine = (rate, freq = 440) => ['-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=${rate}`];
// Constrained bitrate so testsrc2 (very compressible) still reaches a realistic size; a fixed GOP
// with no scene cuts so every key frame starts a KVS-like fragment at a regular interval.
const x264 = (kbps, gop) => [
  '-c:v',
  'libx264',
  '-preset',
  'superfast',
  '-profile:v',
  'high',
  '-bf',
  '3',
  '-pix_fmt',
  'yuv420p',
  '-b:v',
  `${kbps}k`,
  '-maxrate',
  `${kbps}k`,
  '-bufsize',
  `${kbps * 2}k`,
  '-g',
  String(gop),
  '-keyint_min',
  String(gop),
  '-sc_threshold',
  '0',
];
const x265 = (kbps, gop) => [
  '-c:v',
  'libx265',
  '-preset',
  'ultrafast',
  '-pix_fmt',
  'yuv420p',
  '-x265-params',
  `log-level=error:bframes=3:keyint=${gop}:min-keyint=${gop}:scenecut=0:bitrate=${kbps}:vbv-maxrate=${kbps}:vbv-bufsize=${kbps * 2}`,
];

/**
 * Every input: `file` in bench/inputs/, a human description, and how to make it.
 * `kind: 'kvs'` inputs are GetMedia-style fragment streams (EBML header + unknown-size Segment +
 * AWS tags per fragment) made from an ffmpeg source by the project's KVS writer.
 */
export const inputs = [
  {
    id: 'h264-aac',
    file: 'h264-bframes-aac-1080p30-120s.mkv',
    description:
      'H.264 High, B-frames (3), 1080p30, 2 s GOP, 7.8 Mbit/s + AAC-LC 48 kHz stereo 128 kbit/s, 120 s (plain Matroska from ffmpeg)',
    args: [...lavfiVideo('1920x1080', 30), ...lavfiSine(48000), '-t', '120', ...x264(7800, 60), '-c:a', 'aac', '-b:a', '128k', '-ac', '2'],
  },
  {
    id: 'hevc-aac',
    file: 'hevc-bframes-aac-1080p30-60s.mkv',
    description:
      'H.265 Main, B-frames (3), 1080p30, 2 s GOP, 6 Mbit/s + AAC-LC 48 kHz stereo, 60 s (shorter: libx265 encodes at ~1× real time on 2 cores)',
    args: [
      ...lavfiVideo('1920x1080', 30),
      ...lavfiSine(48000, 550),
      '-t',
      '60',
      ...x265(6000, 60),
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-ac',
      '2',
    ],
  },
  {
    id: 'h264-alaw',
    file: 'h264-alaw-1080p30-60s.mkv',
    description: 'H.264 High, B-frames (3), 1080p30, 2 s GOP, 7.8 Mbit/s + G.711 A-law 8 kHz mono, 60 s',
    args: [...lavfiVideo('1920x1080', 30), ...lavfiSine(8000), '-t', '60', ...x264(7800, 60), '-c:a', 'pcm_alaw', '-ac', '1'],
  },
  {
    id: 'kvs-stream',
    kind: 'kvs',
    file: 'kvs-getmedia-720p30-120s-0.5s-fragments.mkv',
    source: 'kvs-source-720p30-120s.mkv',
    description:
      'KVS GetMedia-style stream: 240 fragments of 0.5 s (EBML header + unknown-size Segment + AWS tags each), H.264 High with B-frames 720p30 4 Mbit/s + AAC, 120 s',
    args: [
      ...lavfiVideo('1280x720', 30),
      ...lavfiSine(48000, 330),
      '-t',
      '120',
      ...x264(4000, 15),
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-ac',
      '2',
    ],
  },
];

export const inputPath = (input) => join(inputsDir, input.file);

function ffmpeg(args, out) {
  const tmp = `${out}.part.mkv`;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, tmp], { stdio: 'inherit' });
  renameSync(tmp, out);
}

/** The project's KVS fixture maker (fixtures/make-kvs.ts: our reader + test/support/kvs-writer.ts). */
export const kvsMakerPath = join(repoRoot, 'fixtures', 'make-kvs.ts');
/** The plain fixture name whose KVS copy make-kvs.ts writes from our source (same codecs: H.264 B-frames + AAC). */
const kvsMakerSlot = 'h264-bframes-aac';

/**
 * Turns a plain Matroska file into a GetMedia-style stream with the project's own fixture maker,
 * unchanged: make-kvs.ts reads fixtures/<name>.mkv and writes fixtures/kvs-<name>.mkv relative to
 * its working directory, so it runs in a scratch directory whose fixtures/ links the repository's
 * plain fixtures, with our source standing in for one of them. Bundled on the fly with esbuild (a
 * tsup dependency), so no TypeScript loader is needed.
 */
function makeKvsStream(source, out) {
  if (!existsSync(kvsMakerPath)) {
    throw new Error(`${kvsMakerPath} is missing: the KVS stream input needs the project's KVS writer`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'kvs-clip-bench-'));
  try {
    const fixtures = join(scratch, 'fixtures');
    mkdirSync(fixtures);
    for (const name of readdirSync(join(repoRoot, 'fixtures'))) {
      if (name.endsWith('.mkv') && !name.startsWith('kvs-')) symlinkSync(join(repoRoot, 'fixtures', name), join(fixtures, name));
    }
    rmSync(join(fixtures, `${kvsMakerSlot}.mkv`), { force: true });
    symlinkSync(source, join(fixtures, `${kvsMakerSlot}.mkv`));
    const bundled = join(scratch, 'make-kvs.mjs');
    execFileSync(
      join(repoRoot, 'node_modules', '.bin', 'esbuild'),
      [kvsMakerPath, '--bundle', '--platform=node', '--format=esm', `--outfile=${bundled}`, '--log-level=warning'],
      { stdio: 'inherit' },
    );
    execFileSync(process.execPath, [bundled], { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'] });
    const made = join(fixtures, `kvs-${kvsMakerSlot}.mkv`);
    if (!existsSync(made))
      throw new Error(`make-kvs.ts did not write kvs-${kvsMakerSlot}.mkv (is ${kvsMakerSlot} still one of its sources?)`);
    copyFileSync(made, `${out}.part`);
    renameSync(`${out}.part`, out);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Makes what is missing (or everything with `force`) and returns the inputs with their paths and sizes. */
export function ensureInputs({ force = false, only } = {}) {
  mkdirSync(inputsDir, { recursive: true });
  const made = [];
  for (const input of inputs) {
    if (only && !only.includes(input.id)) continue;
    const path = inputPath(input);
    if (force || !existsSync(path)) {
      const started = performance.now();
      process.stderr.write(`bench: making ${input.file} ...\n`);
      if (input.kind === 'kvs') {
        const source = join(inputsDir, input.source);
        if (force || !existsSync(source)) ffmpeg(input.args, source);
        makeKvsStream(source, path);
      } else {
        ffmpeg(input.args, path);
      }
      process.stderr.write(`bench: made ${input.file} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    }
    made.push({ ...input, path, bytes: statSync(path).size });
  }
  return made;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const force = process.argv.includes('--force');
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  for (const input of ensureInputs({ force, only: only.length ? only : undefined })) {
    console.log(`${(input.bytes / 1e6).toFixed(1).padStart(7)} MB  ${input.file}`);
  }
}
