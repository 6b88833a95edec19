// G.711 → FLAC bench: kvs-clip's FLAC encoder (src/audio) against ffmpeg's, on the real KVS A-law /
// µ-law sample frames and on 10 minutes of synthetic speech-like G.711. Reports the FLAC size
// against the G.711 input bytes and the encode speed in MB/s of G.711 input (median of several
// runs); prints a markdown table and writes it to bench/AUDIO.md.
//
//   node bench/audio.mjs [--runs 9] [--minutes 10] [--out bench/AUDIO.md] [--no-ffmpeg]
//
// src/audio is not in dist/ yet, so the bench bundles it (and the test helpers that make the
// synthetic signal) with the esbuild that node_modules already has, into bench/out/audio/.
// kvs-clip is timed in this process: one encoder per run, one FLAC frame per KVS frame (160 or 320
// samples, as KVS producers send them), the way the pipeline will call it; a 4096-sample block row
// shows what the per-frame cut costs. ffmpeg is timed as a whole process (`-f alaw -ar 8000 -ac 1 -i
// in -c:a flac out.flac`, plus `-frame_size 160` for the same framing), and its startup is measured
// apart (the same command decoding to `-f null`) so the table can show both.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { option } from './measure.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runs = Number(option('runs', 9));
const minutes = Number(option('minutes', 10));
const outPath = resolve(repoRoot, option('out', 'bench/AUDIO.md'));
const useFfmpeg = !args.includes('--no-ffmpeg') && spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const log = (message) => process.stderr.write(`bench/audio: ${message}\n`);
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// --- build ------------------------------------------------------------------------------------
const workDir = join(repoRoot, 'bench', 'out', 'audio');
mkdirSync(workDir, { recursive: true });
const bundle = join(workDir, 'audio.mjs');
const esbuild = await import('esbuild');
await esbuild.build({
  stdin: {
    contents: [
      "export * from './src/audio/index.ts';",
      "export { speechLikeSignal } from './test/support/speech-signal.ts';",
      "export { compressG711 } from './test/support/g711-encode.ts';",
    ].join('\n'),
    resolveDir: repoRoot,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  outfile: bundle,
  logLevel: 'warning',
});
const audio = await import(pathToFileURL(bundle).href);

// --- inputs -----------------------------------------------------------------------------------
const framesRoot = resolve(repoRoot, '..', 'shared', 'kvs-samples', 'frames');
const sharedRoot = existsSync(framesRoot) ? framesRoot : '/work/shared/kvs-samples/frames';
/** KVS-style input: the G.711 bytes and the size of each KVS frame in them. */
const inputs = [];
for (const [law, dir, label] of [
  ['alaw', 'alaw/producer-c', 'KVS sample frames, A-law (producer-c)'],
  ['ulaw', 'mulaw/producer-c', 'KVS sample frames, µ-law (producer-c)'],
  ['alaw', 'alaw/embedded-c', 'KVS sample frames, A-law (embedded-c)'],
]) {
  const folder = join(sharedRoot, dir);
  if (!existsSync(folder)) {
    log(`skipping ${label}: ${folder} is absent`);
    continue;
  }
  const files = readdirSync(folder)
    .sort()
    .map((f) => readFileSync(join(folder, f)));
  inputs.push({
    label: `${label}, ${files.length} × ${files[0].length} B`,
    law,
    bytes: new Uint8Array(Buffer.concat(files)),
    frame: files[0].length,
  });
}
log(`making ${minutes} min of speech-like audio`);
const speech = audio.speechLikeSignal(minutes * 60, 8000, 2024);
for (const law of ['alaw', 'ulaw']) {
  inputs.push({
    label: `synthetic speech-like, ${minutes} min, ${law === 'alaw' ? 'A-law' : 'µ-law'}, 160 B frames`,
    law,
    bytes: audio.compressG711(law, speech),
    frame: 160,
  });
}

// --- kvs-clip ---------------------------------------------------------------------------------
/** Encodes the whole input, keeping every frame as a muxer would until it writes them. */
function encodeOnce(input, block) {
  const enc = new audio.FlacEncoder({ sampleRate: 8000, channels: 1 });
  const { bytes, law } = input;
  const frames = [];
  let size = 0;
  for (let at = 0; at < bytes.length; at += block) {
    const frame = enc.encodeG711(law, bytes.subarray(at, Math.min(bytes.length, at + block)));
    size += frame.length;
    frames.push(frame);
  }
  return { size, frames, info: enc.finalStreamInfo() };
}

function timeKvsClip(input, block) {
  const result = encodeOnce(input, block);
  encodeOnce(input, block); // warm-up (JIT)
  const wall = [];
  const cpu = [];
  // Short inputs are encoded several times per timed run so that a run lasts ≥ ~50 ms.
  const repeat = Math.max(1, Math.ceil(2_000_000 / input.bytes.length));
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let k = 0; k < repeat; k++) encodeOnce(input, block);
    const t = (performance.now() - t0) / repeat;
    const c = process.cpuUsage(c0);
    wall.push(t);
    cpu.push((c.user + c.system) / 1000 / repeat);
  }
  return { size: result.size, frames: result.frames, info: result.info, ms: median(wall), cpuMs: median(cpu) };
}

/** ffmpeg's output sans file header (fLaC + metadata blocks), i.e. the frames. */
function flacFrameBytes(file) {
  const b = readFileSync(file);
  let at = 4;
  for (;;) {
    const last = b[at] & 0x80;
    at += 4 + b.readUIntBE(at + 1, 3);
    if (last) break;
  }
  return b.length - at;
}

function timeProcess(argv) {
  spawnSync('ffmpeg', argv, { stdio: 'ignore' }); // warm-up (page cache)
  const wall = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const p = spawnSync('ffmpeg', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    wall.push(performance.now() - t0);
    if (p.status !== 0) throw new Error(`ffmpeg ${argv.join(' ')}: ${p.stderr}`);
  }
  return median(wall);
}

const rows = [];
for (const input of inputs) {
  const mb = input.bytes.length / 1e6;
  const seconds = input.bytes.length / 8000;
  log(`${input.label}: kvs-clip`);
  const perFrame = timeKvsClip(input, input.frame);
  const big = timeKvsClip(input, 4096);
  const row = { input, seconds, mb, perFrame, big };

  // Check: the file decodes (ffmpeg) to exactly the expanded G.711 (not timed).
  if (useFfmpeg) {
    const flacFile = join(workDir, 'kvs-clip.flac');
    writeFileSync(flacFile, Buffer.concat([audio.flacStreamHeader(perFrame.info), ...perFrame.frames]));
    const decoded = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', flacFile, '-f', 's16le', '-'], { maxBuffer: 1 << 28 });
    const expected = Buffer.from(audio.expandG711(input.law, input.bytes).buffer);
    row.verified = decoded.status === 0 && decoded.stderr.length === 0 && decoded.stdout.equals(expected);
    if (!row.verified) throw new Error(`${input.label}: ffmpeg does not decode our FLAC to the input samples`);

    log(`${input.label}: ffmpeg`);
    const inFile = join(workDir, `input.${input.law}`);
    writeFileSync(inFile, input.bytes);
    const format = input.law === 'alaw' ? 'alaw' : 'mulaw';
    const base = ['-nostdin', '-v', 'error', '-y', '-f', format, '-ar', '8000', '-ac', '1', '-i', inFile];
    const ffDefault = join(workDir, 'ffmpeg-default.flac');
    const ffFrame = join(workDir, 'ffmpeg-frame.flac');
    row.ffDefault = { ms: timeProcess([...base, '-c:a', 'flac', ffDefault]) };
    row.ffDefault.size = flacFrameBytes(ffDefault);
    row.ffFrame = { ms: timeProcess([...base, '-c:a', 'flac', '-frame_size', String(input.frame), ffFrame]) };
    row.ffFrame.size = flacFrameBytes(ffFrame);
    row.ffStartup = timeProcess([...base, '-f', 'null', '-']);
  }
  rows.push(row);
}

// --- report -----------------------------------------------------------------------------------
let cpuModel = cpus()[0]?.model ?? 'unknown';
try {
  cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
} catch {
  /* not Linux */
}
const git = (...a) => {
  try {
    return execFileSync('git', a, { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
};
const ffmpegVersion = useFfmpeg
  ? execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' })
      .split('\n')[0]
      .replace(/ Copyright.*/, '')
  : 'not run';
const fmt = (v, d = 1) => v.toFixed(d);
const ratio = (size, input) => `${fmt(size / input.bytes.length, 3)}`;
const speed = (mb, ms) => fmt(mb / (ms / 1000));

const lines = [];
lines.push('# G.711 → FLAC: kvs-clip against ffmpeg');
lines.push('');
lines.push(`Run ${new Date().toISOString()} by \`node bench/audio.mjs\` (median of ${runs} runs each).`);
lines.push('');
lines.push(
  `- Machine: ${cpuModel}, ${cpus().length} logical CPUs, ${fmt(totalmem() / 2 ** 30)} GiB RAM; load average at the end ${loadavg()
    .map((l) => fmt(l, 2))
    .join(' / ')}`,
);
lines.push(
  `- Node ${process.version}; ${ffmpegVersion}; kvs-clip at ${git('rev-parse', '--short', 'HEAD') ?? '?'}${git('status', '--porcelain', '--', 'src/audio') ? ' (src/audio modified)' : ''}`,
);
lines.push('- Size: FLAC frames only (no file header), against the G.711 input bytes (16-bit PCM would be 2.000).');
lines.push(
  '- Speed: MB of G.711 input per second of wall time. kvs-clip: in process, one `FlacEncoder` per run, `encodeG711` per frame, every frame kept until the run ends as a muxer would (CPU-time speed in brackets). ffmpeg: whole process, from start to exit; "startup" is the same ffmpeg command decoding to `-f null` (reading, G.711 decoding, process start), included in the ffmpeg times.',
);
lines.push('- Every kvs-clip output was decoded by ffmpeg back to exactly the expanded G.711 samples before timing.');
lines.push('');
lines.push('| Input | G.711 bytes | Encoder | Frames | FLAC bytes | FLAC / G.711 | MB/s (G.711 in) | ms |');
lines.push('|---|---:|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  const { input } = r;
  lines.push(
    `| ${input.label} | ${input.bytes.length} | kvs-clip | one per KVS frame (${input.frame} samples) | ${r.perFrame.size} | ${ratio(r.perFrame.size, input)} | **${speed(r.mb, r.perFrame.ms)}** (${speed(r.mb, r.perFrame.cpuMs)} CPU) | ${fmt(r.perFrame.ms)} |`,
  );
  lines.push(
    `|  |  | kvs-clip | 4096 samples | ${r.big.size} | ${ratio(r.big.size, input)} | ${speed(r.mb, r.big.ms)} (${speed(r.mb, r.big.cpuMs)} CPU) | ${fmt(r.big.ms)} |`,
  );
  if (r.ffDefault) {
    lines.push(
      `|  |  | ffmpeg \`-c:a flac\` | its default | ${r.ffDefault.size} | ${ratio(r.ffDefault.size, input)} | ${speed(r.mb, r.ffDefault.ms)} | ${fmt(r.ffDefault.ms)} |`,
    );
    lines.push(
      `|  |  | ffmpeg \`-c:a flac -frame_size ${input.frame}\` | ${input.frame} samples | ${r.ffFrame.size} | ${ratio(r.ffFrame.size, input)} | ${speed(r.mb, r.ffFrame.ms)} | ${fmt(r.ffFrame.ms)} |`,
    );
    lines.push(`|  |  | ffmpeg startup + G.711 decode only | | | | | ${fmt(r.ffStartup)} |`);
  }
}
lines.push('');
const table = lines.join('\n') + '\n';
process.stdout.write(table);
writeFileSync(outPath, table);
log(`wrote ${outPath} (${statSync(outPath).size} bytes)`);
